{#- Generic data tests written here because dbt packages (dbt_utils, …) can't be installed offline. -#}

{#- Every row satisfies a SQL boolean expression (NULL counts as a failure unless allowed). -#}
{% test expression_is_true(model, expression, where_clause=none) %}
select * from {{ model }}
where not coalesce(({{ expression }}), false)
{% if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}

{#- Values within [min_value, max_value]; NULLs pass (not_null is its own test). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
select * from {{ model }}
where {{ column_name }} is not null and (
    false
    {% if min_value is not none %} or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}{% endif %}
    {% if max_value is not none %} or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}{% endif %}
)
{% endtest %}

{#- The combination of columns is unique. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- No floating-point column of the model holds inf, -inf or NaN (marts promise NULL instead). -#}
{% test all_finite(model) %}
{% set float_columns = [] %}
{% if execute %}
  {% for col in adapter.get_columns_in_relation(model) %}
    {% if col.dtype | upper in ('DOUBLE', 'FLOAT', 'REAL') or (col.dtype | upper).startswith('DECIMAL') %}
      {% do float_columns.append(adapter.quote(col.name)) %}
    {% endif %}
  {% endfor %}
{% endif %}
select * from {{ model }}
where false
{% for c in float_columns %} or not isfinite({{ c }}){% endfor %}
{% endtest %}

{#- The model has between min_rows and max_rows rows. -#}
{% test row_count_between(model, min_rows=0, max_rows=none) %}
select count(*) as n_rows from {{ model }}
having count(*) < {{ min_rows }}{% if max_rows is not none %} or count(*) > {{ max_rows }}{% endif %}
{% endtest %}
