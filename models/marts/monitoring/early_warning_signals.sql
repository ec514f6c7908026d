-- Every firing of every early-warning signal (grain: enterprise_id, as_of_date, signal_id): the
-- rules of seeds/early_warning_rules.csv applied to int_early_warning_indicators. Thresholds live
-- in the seed (a bank tunes them there); the PD policy threshold can also come from the dbt var
-- watchlist_pd_threshold. Rows of enterprises already in default are not monitored.
{% set indicators = ['sales_3m_vs_last_year', 'months_without_sales_invoice', 'void_ratio_spike', 'red_letter_spike',
                     'largest_customer_lost', 'top_customer_share_jump', 'suppliers_12m_vs_prior', 'vat_burden_12m_vs_prior',
                     'current_days_past_due', 'grade_change_3m', 'pd', 'altman_distress_entry', 'new_negative_credit_info',
                     'industry_stress_pd_multiplier'] %}
with indicators as (
    select * from {{ ref('int_early_warning_indicators') }}
    where not is_in_default
),

observed as (
    -- long format: one row per enterprise, as-of date and indicator with a value
    {% for col in indicators %}
    select enterprise_id, as_of_date, '{{ col }}' as indicator, cast({{ col }} as double) as observed_value
    from indicators where {{ col }} is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

rules as (
    select
        signal_id,
        indicator,
        comparison,
        {% if var('watchlist_pd_threshold') != '' %}
        case when signal_id = 'pd_above_policy' then {{ var('watchlist_pd_threshold') }} else threshold end as threshold,
        {% else %}
        threshold,
        {% endif %}
        severity,
        recommended_action
    from {{ ref('early_warning_rules') }}
)

select
    observed.enterprise_id,
    observed.as_of_date,
    rules.signal_id,
    rules.severity,
    rules.indicator,
    observed.observed_value,
    rules.threshold,
    rules.comparison,
    rules.recommended_action
from observed
inner join rules on rules.indicator = observed.indicator
where case rules.comparison
          when '>=' then observed.observed_value >= rules.threshold
          when '>' then observed.observed_value > rules.threshold
          when '<=' then observed.observed_value <= rules.threshold
          when '<' then observed.observed_value < rules.threshold
      end
