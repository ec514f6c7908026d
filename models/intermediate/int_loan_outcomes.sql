-- Default label per loan: reached var('default_dpd_threshold') (90) days past due within
-- var('default_window_months') (12) months of disbursement. A loan whose window has not closed
-- by the last reported month (int_data_calendar: one stray late report can't close windows) and
-- that has not defaulted yet is 'window_open' (label NULL), not a good loan; a loan without any
-- performance row is 'no_performance_data' (label NULL).
{% set window_months = var('default_window_months') %}
with loans as (
    select loan_id, cast(date_trunc('month', disbursement_date) as date) as disbursement_month
    from {{ ref('stg_loans') }}
),

performance as (
    select * from {{ ref('stg_loan_performance') }}
),

data_end as (
    select {{ last_reported_month() }} as last_reported_month
),

window_performance as (
    select
        loans.loan_id,
        loans.disbursement_month,
        count(performance.month) as months_reported_in_window,
        max(performance.days_past_due) as max_days_past_due_in_window,
        min(performance.month) filter (where performance.days_past_due >= {{ var('default_dpd_threshold') }}) as first_default_month
    from loans
    left join performance
        on performance.loan_id = loans.loan_id
        and performance.month >= loans.disbursement_month
        and performance.month < {{ dbt.dateadd('month', window_months, 'loans.disbursement_month') }}
    group by all
),

any_performance as (
    select distinct loan_id from performance
)

select
    w.loan_id,
    w.months_reported_in_window,
    w.max_days_past_due_in_window,
    w.first_default_month,
    date_diff('month', w.disbursement_month, w.first_default_month) as months_to_default,
    case
        when w.first_default_month is not null then 'defaulted'
        when a.loan_id is null then 'no_performance_data'
        when {{ dbt.dateadd('month', window_months - 1, 'w.disbursement_month') }} <= d.last_reported_month then 'performing'
        else 'window_open'
    end as label_status
from window_performance as w
cross join data_end as d
left join any_performance as a on a.loan_id = w.loan_id
