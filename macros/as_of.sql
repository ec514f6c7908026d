{#- The final as-of date of the indicator marts: var('as_of_date') when set, else the first day of
    the month after the last valid invoice. Always a first-of-month date: indicators at as-of date D
    use invoices issued before D and statements whose fiscal year ended before D. -#}
{% macro final_as_of_date() -%}
    {%- if var('as_of_date') -%}
    cast(date_trunc('month', date '{{ var("as_of_date") }}') as date)
    {%- else -%}
    (select cast(date_trunc('month', max(issue_date)) + interval 1 month as date)
     from {{ ref('stg_invoices') }} where status = 'valid')
    {%- endif -%}
{%- endmacro %}
