-- The monthly point-in-time panel: one row per enterprise and as-of date (macros/panel.sql).
-- Every indicator of a row uses only data dated before its as_of_date: the invoice catalogue of
-- seeds 002/003, the statement ratios of seed 004 (X1–X24, Altman Z'') once filed, and the
-- repayment behaviour of seed 001. The forward label default_next_12m says whether the
-- enterprise's first default falls in [as_of_date, as_of_date + var('pd_horizon_months')).
{% set horizon = var('pd_horizon_months') %}
with panel as (
    select * from {{ ref('int_enterprise_indicators_panel') }}
    where {{ is_panel_date('as_of_date') }}
),

enterprises as (
    select * from {{ ref('stg_enterprises') }}
),

defaults as (
    select * from {{ ref('int_enterprise_defaults') }}
),

behaviour as (
    select * from {{ ref('int_loan_behaviour_monthly') }}
),

labelled as (
    select
        panel.enterprise_id,
        panel.as_of_date,
        coalesce(defaults.first_default_date < panel.as_of_date, false) as is_in_default,
        case
            when defaults.first_default_date < panel.as_of_date then 'in_default'
            when not enterprises.has_credit_record then 'no_credit_record'
            when defaults.first_default_date < {{ dbt.dateadd('month', horizon, 'panel.as_of_date') }} then 'defaulted'
            when defaults.is_default_undated then 'default_undated'
            when {{ dbt.dateadd('month', horizon, 'panel.as_of_date') }} > {{ final_as_of_date() }} then 'window_open'
            else 'performing'
        end as label_status,
        -- training and back-tests use closed windows only: an open window would keep its early
        -- defaults and lose its performers
        {{ dbt.dateadd('month', horizon, 'panel.as_of_date') }} <= {{ final_as_of_date() }} as is_label_window_closed
    from panel
    inner join enterprises on enterprises.enterprise_id = panel.enterprise_id
    left join defaults on defaults.enterprise_id = panel.enterprise_id
)

select
    panel.enterprise_id,
    panel.as_of_date,
    panel.as_of_date = {{ final_as_of_date() }} as is_latest,
    panel.industry,
    panel.region,
    panel.size_class,
    panel.enterprise_age_years,
    enterprises.credit_rating,
    enterprises.has_credit_record,
    enterprises.has_defaulted,
    labelled.is_in_default,
    labelled.label_status,
    labelled.is_label_window_closed,
    case labelled.label_status when 'defaulted' then 1 when 'performing' then 0 end as default_next_12m,
    panel.* exclude (enterprise_id, as_of_date, industry, region, size_class, enterprise_age_years),
    {% for col in ['current_days_past_due', 'max_days_past_due_3m', 'max_days_past_due_12m', 'months_in_arrears_12m', 'outstanding_balance', 'live_loans',
                 'loans_in_book', 'book_amount', 'worst_pre_loan_rating', 'book_has_negative_credit_info', 'book_unsecured_share',
                 'book_min_daily_avg_deposit', 'loan_applications_12m'] %}
    -- NULL without a loan report before the as-of date (no loans yet, or no credit record)
    behaviour.{{ col }},
    {% endfor %}
    -- relative to the industry at the same as-of date: a shock every firm of the industry shares
    -- (the 2020 epidemic) is not a sign of the firm's own distress; still point in time, as every
    -- peer's value uses only data before the same as-of date
    {% for col in ['sales_change_3m', 'sales_slowdown_ratio', 'sales_last_month_ratio'] %}
    panel.{{ col }} - median(panel.{{ col }}) over (partition by panel.as_of_date, panel.industry) as {{ col }}_vs_industry,
    {% endfor %}
from panel
inner join enterprises on enterprises.enterprise_id = panel.enterprise_id
inner join labelled on labelled.enterprise_id = panel.enterprise_id and labelled.as_of_date = panel.as_of_date
left join behaviour on behaviour.enterprise_id = panel.enterprise_id and behaviour.as_of_date = panel.as_of_date
