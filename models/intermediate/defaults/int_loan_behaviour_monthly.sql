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

book as (
    -- the loans known at the as-of date (applied for before it) and not yet matured: their terms
    -- at application, which drive each loan's own default risk (seed 000's factors)
    select
        grid.enterprise_id,
        grid.as_of_date,
        count(*) as loans_in_book,
        sum(loans.amount) as book_amount,
        max(case loans.pre_loan_rating when 'A' then 1 when 'B' then 2 when 'C' then 3 when 'D' then 4 end) as worst_pre_loan_rating,
        bool_or(coalesce(loans.has_negative_credit_info, false)) as book_has_negative_credit_info,
        sum(loans.amount) filter (where loans.guarantee_method = 'credit') / sum(loans.amount) as book_unsecured_share,
        min(loans.daily_avg_deposit) as book_min_daily_avg_deposit
    from grid
    inner join {{ ref('stg_loans') }} as loans
        on loans.enterprise_id = grid.enterprise_id
        and loans.application_date < grid.as_of_date
        and {{ dbt.dateadd('month', 'loans.term_months', 'loans.disbursement_date') }} >= grid.as_of_date
    group by all
),

applications as (
    select grid.enterprise_id, grid.as_of_date, count(*) as loan_applications_12m
    from grid
    inner join {{ ref('stg_loans') }} as loans
        on loans.enterprise_id = grid.enterprise_id
        and loans.application_date < grid.as_of_date
        and loans.application_date >= grid.as_of_date - interval 12 month
    group by all
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
    windowed.enterprise_id,
    windowed.as_of_date,
    coalesce(current_days_past_due, 0) as current_days_past_due,
    coalesce(max_days_past_due_3m, 0) as max_days_past_due_3m,
    coalesce(max_days_past_due_12m, 0) as max_days_past_due_12m,
    months_in_arrears_12m,
    coalesce(outstanding_balance, 0) as outstanding_balance,
    coalesce(live_loans, 0) as live_loans,
    months_reported,
    coalesce(book.loans_in_book, 0) as loans_in_book,
    coalesce(book.book_amount, 0) as book_amount,
    book.worst_pre_loan_rating,
    coalesce(book.book_has_negative_credit_info, false) as book_has_negative_credit_info,
    book.book_unsecured_share,
    book.book_min_daily_avg_deposit,
    coalesce(applications.loan_applications_12m, 0) as loan_applications_12m
from windowed
left join book on book.enterprise_id = windowed.enterprise_id and book.as_of_date = windowed.as_of_date
left join applications on applications.enterprise_id = windowed.enterprise_id and applications.as_of_date = windowed.as_of_date
