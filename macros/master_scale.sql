{#- The master scale's PD upper bounds (grade 1 .. 10), as in
    sme_credit.modeling.scorecard.MASTER_SCALE_BOUNDS (tests/test_pd_fallback.py checks both agree). -#}
{% macro master_scale_upper_bounds() -%}
{{ return([0.0005, 0.0015, 0.0040, 0.0100, 0.0200, 0.0400, 0.0800, 0.1500, 0.3000]) }}
{%- endmacro %}

{#- Grade 1 (best) .. 10 of a PD: grade g holds lower_g <= pd < upper_g. -#}
{% macro master_scale_grade(pd_expr) -%}
case
    {%- for upper in master_scale_upper_bounds() %}
    when {{ pd_expr }} < {{ upper }} then {{ loop.index }}
    {%- endfor %}
    else 10
end
{%- endmacro %}
