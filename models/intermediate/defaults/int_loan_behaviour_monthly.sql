-- Repayment behaviour of each enterprise at every month-start as-of date, point in time: only
-- loan reports of months before the as-of month (a month's report is dated at its month end).
-- Seed 001's post-loan monitoring signs: current and recent days past due, months in arrears,
-- outstanding balance and live loans.
with performance as (
    select loans.enterprise_id, performance.month, performance.balance, performance.days_past_due
    from {{ ref('stg_loan_performance') }} as performance
    inner join {{ ref('stg_loans') }} as loans on loans.loan_id = performance.loan_id
),

monthly as (
    -- one row per enterprise and report month
    select
        enterprise_id,
        month,
        max(days_past_due) as max_days_past_due,
        sum(coalesce(balance, 0)) as balance,
        count(*) filter (where coalesce(balance, 0) > 0) as live_loans
    from performance
    group by all
),

as_of_dates as (
    select distinct as_of_date from {{ ref('int_enterprise_indicators_panel') }}
),

enterprises as (
    select distinct enterprise_id from monthly
),

grid as (
    select enterprises.enterprise_id, as_of_dates.as_of_date
    from enterprises
    cross join as_of_dates
),

windowed as (
    select
        grid.enterprise_id,
        grid.as_of_date,
        max(monthly.max_days_past_due) filter (where monthly.month = grid.as_of_date - interval 1 month) as current_days_past_due,
        max(monthly.max_days_past_due) filter (where monthly.month >= grid.as_of_date - interval 3 month) as max_days_past_due_3m,
        max(monthly.max_days_past_due) filter (where monthly.month >= grid.as_of_date - interval 12 month) as max_days_past_due_12m,
        count(*) filter (where monthly.month >= grid.as_of_date - interval 12 month and monthly.max_days_past_due > 0) as months_in_arrears_12m,
        sum(monthly.balance) filter (where monthly.month = grid.as_of_date - interval 1 month) as outstanding_balance,
        sum(monthly.live_loans) filter (where monthly.month = grid.as_of_date - interval 1 month) as live_loans,
        count(*) as months_reported
    from grid
    inner join monthly
        on monthly.enterprise_id = grid.enterprise_id
        and monthly.month < grid.as_of_date
    group by all
)

select
    enterprise_id,
    as_of_date,
    coalesce(current_days_past_due, 0) as current_days_past_due,
    coalesce(max_days_past_due_3m, 0) as max_days_past_due_3m,
    coalesce(max_days_past_due_12m, 0) as max_days_past_due_12m,
    months_in_arrears_12m,
    coalesce(outstanding_balance, 0) as outstanding_balance,
    coalesce(live_loans, 0) as live_loans,
    months_reported
from windowed
