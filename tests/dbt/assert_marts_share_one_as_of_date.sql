-- Every mart that carries an as-of date is for the calendar's final as-of date (the latest row of a
-- history mart, every row of a snapshot mart); the live book is at the last reported month.
-- A row here is a mart left at another date: e.g. a monthly update whose build stopped after
-- enterprise_pd and pricing_tiers, leaving credit_allocation and the scenarios at the month before.
-- It reads every one of them, so `dbt build` runs it after all of them.
with calendar as (
    select final_as_of_date, last_reported_month from {{ ref('int_data_calendar') }}
),

mart_dates as (
    -- snapshot marts: every row is at the final as-of date
    select 'enterprise_pd' as mart, as_of_date from {{ ref('enterprise_pd') }} group by all
    union all select 'pricing_tiers', as_of_date from {{ ref('pricing_tiers') }} group by all
    union all select 'credit_allocation', as_of_date from {{ ref('credit_allocation') }} group by all
    union all select 'portfolio_summary', as_of_date from {{ ref('portfolio_summary') }} group by all
    union all select 'scenario_allocation', as_of_date from {{ ref('scenario_allocation') }} group by all
    union all select 'scenario_summary', as_of_date from {{ ref('scenario_summary') }} group by all
    union all select 'pricing_schemes', as_of_date from {{ ref('pricing_schemes') }} group by all
    union all select 'watchlist (is_latest)', as_of_date from {{ ref('watchlist') }} where is_latest group by all
    -- history marts: the latest as-of date is the final one
    union all select 'enterprise_indicators', max(as_of_date) from {{ ref('enterprise_indicators') }}
    union all select 'enterprise_indicators (is_latest)', as_of_date from {{ ref('enterprise_indicators') }}
        where is_latest group by all
    union all select 'enterprise_pd_history', max(as_of_date) from {{ ref('enterprise_pd_history') }}
    union all select 'pd_scores (enterprise)', max(as_of_date) from {{ ref('pd_scores') }} where level = 'enterprise'
),

live_book_dates as (
    select 'portfolio_exposure' as mart, month from {{ ref('portfolio_exposure') }} group by all
)

select mart_dates.mart, mart_dates.as_of_date, 'final_as_of_date' as calendar_date,
       calendar.final_as_of_date as expected
from mart_dates cross join calendar
where mart_dates.as_of_date <> calendar.final_as_of_date  -- an empty mart (NULL max) has no date to disagree
union all
select live_book_dates.mart, live_book_dates.month, 'last_reported_month', calendar.last_reported_month
from live_book_dates cross join calendar
where live_book_dates.month <> calendar.last_reported_month
