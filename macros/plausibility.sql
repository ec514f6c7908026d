{#- Plausibility rules of the staging layer (README "Plausibility rules"; thresholds are the dbt vars
    of dbt_project.yml's "Plausibility rules" block). Each macro returns a quarantine reason naming
    column, value and rule, or NULL; the base_ models list them in first_reason(). A parsed value
    that breaks a rule is never repaired (89.6 days is not rounded to 90, 1e18 is not capped). -#}

{#- The date the data were extracted: var('data_cutoff_date'), else the day of the build (UTC).
    Nothing may be dated after it; the as-of dates never pass it (int_data_calendar). -#}
{% macro data_cutoff_date() -%}
    date '{{ var("data_cutoff_date") or run_started_at.strftime("%Y-%m-%d") }}'
{%- endmacro %}

{#- A date after the cut-off, before var('earliest_plausible_date') (1990-01-01), or before the
    enterprise's founding date (when given and known). -#}
{% macro implausible_date(column, parsed, founded_on=none) -%}
    case
        when {{ parsed }} > {{ data_cutoff_date() }}
            then '{{ column }}: ' || {{ parsed }} || ' is after the data cut-off ' || {{ data_cutoff_date() }} || ' (rule date_after_cutoff, var data_cutoff_date)'
        when {{ parsed }} < date '{{ var("earliest_plausible_date") }}'
            then '{{ column }}: ' || {{ parsed }} || ' is before {{ var("earliest_plausible_date") }} (rule date_before_earliest, var earliest_plausible_date)'
        {%- if founded_on %}
        when {{ parsed }} < {{ founded_on }}
            then '{{ column }}: ' || {{ parsed }} || ' is before the enterprise''s founding date ' || {{ founded_on }} || ' (rule date_before_founding)'
        {%- endif %}
    end
{%- endmacro %}

{#- A number that can't be used: unparseable text, Infinity/NaN (text or typed), or beyond
    ±var('max_abs_amount') when it is an amount in yuan. -#}
{% macro number_error(column, is_amount=true) -%}
    coalesce(
        {{ unparseable(column, parse_number(column), 'number') }},
        case when not isfinite({{ parse_number(column) }})
             then '{{ column }}: ''' || {{ clean_text(column) }} || ''' is not a finite number (rule finite_number)' end
        {%- if is_amount %},
        case when abs({{ parse_number(column) }}) > {{ var('max_abs_amount') }}
             then '{{ column }}: ' || {{ clean_text(column) }} || ' is beyond ±{{ '%g' | format(var('max_abs_amount') | float) }} yuan (rule amount_beyond_bound, var max_abs_amount)' end
        {%- endif %}
    )
{%- endmacro %}

{#- A count (days, months, a year) that is not a whole number is not rounded: 89.6 days past due
    would otherwise become 90 and flip a loan to defaulted. -#}
{% macro integer_error(column) -%}
    coalesce(
        case when not isfinite({{ parse_number(column) }})
             then '{{ column }}: ''' || {{ clean_text(column) }} || ''' is not a finite number (rule finite_number)' end,
        case when {{ parse_number(column) }} <> floor({{ parse_number(column) }})
             then '{{ column }}: ' || {{ clean_text(column) }} || ' is not a whole number, never rounded (rule whole_number)' end,
        {{ unparseable(column, parse_integer(column), 'integer') }}
    )
{%- endmacro %}

{#- A value the contract says can't be negative. -#}
{% macro negative_value(column, parsed) -%}
    case when {{ parsed }} < 0 then '{{ column }}: ' || {{ parsed }} || ' is negative (rule non_negative)' end
{%- endmacro %}

{#- Rows sharing a key but differing in content can't be told apart: all of them are quarantined
    (exact copies are not a conflict; staging collapses them). -#}
{% macro key_conflict(versions, key_columns, relation='keyed', label=none) -%}
    case when {{ relation }}.{{ versions }} > 1
         then 'key conflict: ' || {{ relation }}.{{ versions }} || ' different rows for {{ label or key_columns | join(", ") }} = ('
              || concat_ws(', '{% for key in key_columns %}, {{ relation }}.{{ key }}{% endfor %}) || ') (rule key_conflict)' end
{%- endmacro %}
