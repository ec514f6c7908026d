{#- The final as-of date of the indicator marts (intermediate.int_data_calendar): var('as_of_date')
    when set, else the first day of the month after the last reported invoice month, never after
    the data cut-off. Always a first-of-month date: indicators at as-of date D use invoices issued
    before D and statements whose fiscal year ended before D. -#}
{% macro final_as_of_date() -%}
    (select final_as_of_date from {{ ref('int_data_calendar') }})
{%- endmacro %}

{#- The last loan-report month the label windows may count as observed: the latest month reported
    for at least var('data_month_min_share') of the peak number of loans, never after the cut-off. -#}
{% macro last_reported_month() -%}
    (select last_reported_month from {{ ref('int_data_calendar') }})
{%- endmacro %}
