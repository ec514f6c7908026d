{#- Division that yields NULL instead of an error, inf or NaN: NULL when the denominator is 0 or
    NULL, or when either side is NULL. In the marts NULL therefore means "not defined for this
    enterprise" (no denominator) or "input missing", never a numeric artefact. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- A share that is at most 1 in exact arithmetic, with floating-point excess removed (NULL stays NULL). -#}
{% macro cap_at_one(expression) -%}
    (case when ({{ expression }}) > 1 then 1.0 else ({{ expression }}) end)
{%- endmacro %}
