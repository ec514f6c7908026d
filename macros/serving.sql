{#-
  Helpers of the serving layer (models/serving): the public, contracted interface for BI.

  serving_select(relation, expressions={}, cast=false): `select <every contract column> from
  relation`, in the order of the model's YAML columns. A column is taken as is unless
  `expressions` maps it to a SQL expression. With cast=true every column is cast to its
  contract data_type (used by the serving models of marts that other branches are still
  building, so a small type difference there does not break the contract). Adding a serving
  table over a mart is then a YAML entry plus one line of SQL.
-#}
{% macro serving_select(relation, expressions={}, cast=false) -%}
select
{%- for name, column in model.columns.items() %}
    {%- set expression = expressions.get(name, adapter.quote(name)) %}
    {%- if cast and column.data_type %}{% set expression = 'cast(' ~ expression ~ ' as ' ~ column.data_type ~ ')' %}{% endif %}
    {{ expression }} as {{ adapter.quote(name) }}{{ "," if not loop.last }}
{%- endfor %}
from {{ relation }}
{%- endmacro %}


{#- The readable name of a CUMCM 2020 C question (a pricing book): q1 = enterprises with a credit
    record, q2 = those without one. -#}
{% macro book_of_question(column) -%}
    case {{ column }} when 'q1' then 'with_credit_record' when 'q2' then 'without_credit_record' else {{ column }} end
{%- endmacro %}


{#- Serving models are named srv_<table> (dbt names are project-wide, and the marts already use
    the plain names); BI users see serving.<table>. Everything else keeps dbt's default. -#}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if custom_alias_name -%}
        {{ custom_alias_name | trim }}
    {%- elif node.resource_type == 'model' and node.name.startswith('srv_') -%}
        {{ node.name[4:] }}
    {%- elif node.version -%}
        {{ return(node.name ~ "_v" ~ (node.version | replace(".", "_"))) }}
    {%- else -%}
        {{ node.name }}
    {%- endif -%}
{%- endmacro %}
