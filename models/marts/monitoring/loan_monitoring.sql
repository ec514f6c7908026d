-- Post-loan supervision of every loan at every report month (grain: loan_id, month): balance and
-- days past due, the loan's PD at origination (the loan task's champion at its application
-- month) against the enterprise's current 12-month point-in-time PD (given at the as-of date
-- after the report, month + 1), the grade change between them on the master scale, the
-- enterprise's signals at that as-of date, and a monitoring status:
--   non_performing: 90+ days past due, or the enterprise in default;
--   watch:          30+ days past due, or a warning or critical signal;
--   performing:     otherwise.
-- Active loans only: a positive balance or days past due.
with performance as (
    select * from {{ ref('stg_loan_performance') }}
    where coalesce(balance, 0) > 0 or days_past_due > 0
),

loans as (
    select loan_id, enterprise_id from {{ ref('stg_loans') }}
),

origination as (
    select entity_id as loan_id, pd, grade from {{ ref('pd_scores') }}
    where level = 'loan' and is_champion
),

current_pd as (
    select enterprise_id, as_of_date, pd, grade from {{ ref('int_early_warning_indicators') }}
),

signals as (
    select
        enterprise_id,
        as_of_date,
        string_agg(signal_id, ', ' order by signal_id) as active_signals,
        bool_or(severity in ('warning', 'critical')) as has_warning
    from {{ ref('early_warning_signals') }}
    group by all
),

defaults as (
    select enterprise_id, first_default_date from {{ ref('int_enterprise_defaults') }}
)

select
    performance.loan_id,
    loans.enterprise_id,
    performance.month,
    performance.balance,
    performance.days_past_due,
    origination.pd as pd_at_origination,
    current_pd.pd as current_pd,
    cast(origination.grade as integer) as grade_at_origination,
    cast(current_pd.grade as integer) as current_grade,
    cast(current_pd.grade - origination.grade as integer) as grade_change,
    signals.active_signals,
    case
        when performance.days_past_due >= {{ var('default_dpd_threshold') }}
             or defaults.first_default_date <= performance.month + interval 1 month - interval 1 day then 'non_performing'
        when performance.days_past_due >= 30 or coalesce(signals.has_warning, false) then 'watch'
        else 'performing'
    end as monitoring_status
from performance
inner join loans on loans.loan_id = performance.loan_id
left join origination on origination.loan_id = performance.loan_id
left join current_pd
    on current_pd.enterprise_id = loans.enterprise_id and current_pd.as_of_date = performance.month + interval 1 month
left join signals
    on signals.enterprise_id = loans.enterprise_id and signals.as_of_date = performance.month + interval 1 month
left join defaults on defaults.enterprise_id = loans.enterprise_id
