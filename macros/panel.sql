{#- The monthly panel of enterprise_indicators (README "Point in time"): month starts from
    panel_start_date() to final_as_of_date(), every var('panel_step_months') months, the final
    as-of date always included. -#}
{% macro panel_start_date() -%}
    {%- if var('panel_start_date') -%}
    cast(date_trunc('month', date '{{ var("panel_start_date") }}') as date)
    {%- else -%}
    (select cast(first_invoice_month + interval 12 month as date) from {{ ref('int_data_calendar') }})
    {%- endif -%}
{%- endmacro %}

{% macro is_panel_date(column) -%}
    ({{ column }} = {{ final_as_of_date() }}
     or ({{ column }} >= {{ panel_start_date() }}
         and date_diff('month', {{ panel_start_date() }}, {{ column }}) % {{ var('panel_step_months') }} = 0))
{%- endmacro %}
