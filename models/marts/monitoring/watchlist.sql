-- The watchlist at the final as-of date (grain: enterprise_id): every borrower with at least one
-- warning or critical signal, or a PD at or above the policy threshold. A borrower is an
-- enterprise with exposure (a positive loan balance at the last report); where the warehouse has
-- no loan data (CUMCM) it is an enterprise with a credit record, and exposure is NULL.
{% set severity_rank = "case severity when 'critical' then 3 when 'warning' then 2 when 'watch' then 1 end" %}
with indicators as (
    select * from {{ ref('int_early_warning_indicators') }}
),

signals as (
    select * from {{ ref('early_warning_signals') }}
),

has_loan_data as (
    select count(*) > 0 as has_loans from {{ ref('stg_loans') }}
),

qualifying as (
    -- enterprise and as-of dates that would put the enterprise on the list
    select enterprise_id, as_of_date
    from signals
    where severity in ('warning', 'critical')
    group by all
),

latest as (
    select indicators.*
    from indicators
    cross join has_loan_data
    where indicators.as_of_date = (select max(as_of_date) from indicators)
      and not indicators.is_in_default
      and case when has_loan_data.has_loans then coalesce(indicators.outstanding_balance, 0) > 0
               else indicators.has_credit_record end
),

latest_signals as (
    select
        signals.enterprise_id,
        max({{ severity_rank }}) as severity_rank,
        count(*) as n_signals,
        string_agg(signals.signal_id, ', ' order by {{ severity_rank }} desc, signals.signal_id) as signals,
        arg_max(signals.recommended_action, {{ severity_rank }} * 100 - length(signals.signal_id)) as recommended_action
    from signals
    inner join latest on latest.enterprise_id = signals.enterprise_id and latest.as_of_date = signals.as_of_date
    group by all
),

streaks as (
    -- consecutive as-of dates on the list up to the latest (gaps-and-islands on the month index)
    select
        enterprise_id,
        count(*) as months_on_watch
    from (
        select
            q.enterprise_id,
            q.as_of_date,
            date_diff('month', q.as_of_date, (select max(as_of_date) from indicators))
                - row_number() over (partition by q.enterprise_id order by q.as_of_date desc) + 1 as island
        from qualifying as q
    )
    where island = 0
    group by all
),

loans as (
    select
        enterprise_id,
        count(*) filter (where balance > 0) as n_loans
    from {{ ref('stg_loan_performance') }} as p
    inner join {{ ref('stg_loans') }} as l using (loan_id)
    where p.month = (select max(month) from {{ ref('stg_loan_performance') }})
    group by all
)

select
    latest.enterprise_id,
    latest.as_of_date,
    case coalesce(latest_signals.severity_rank, 0) when 3 then 'critical' when 2 then 'warning' when 1 then 'watch' else 'none' end
        as max_severity,
    coalesce(latest_signals.n_signals, 0) as n_signals,
    latest_signals.signals,
    latest.pd,
    latest.grade,
    coalesce(streaks.months_on_watch, 0) as months_on_watch,
    coalesce(loans.n_loans, 0) as n_loans,
    case when (select has_loans from has_loan_data) then latest.outstanding_balance end as exposure,
    coalesce(latest_signals.recommended_action, 'credit review') as recommended_action
from latest
left join latest_signals on latest_signals.enterprise_id = latest.enterprise_id
left join streaks on streaks.enterprise_id = latest.enterprise_id
left join loans on loans.enterprise_id = latest.enterprise_id
where latest_signals.severity_rank >= 2
   or latest.pd >= {{ var('watchlist_pd_threshold') if var('watchlist_pd_threshold') != '' else '(select threshold from ' ~ ref('early_warning_rules') ~ " where signal_id = 'pd_above_policy')" }}
