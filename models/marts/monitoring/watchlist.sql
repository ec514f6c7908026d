-- The watchlist at every panel as-of date (grain: enterprise_id, as_of_date; is_latest marks
-- today's list): every borrower with at least one warning or critical signal, or a PD at or above
-- the policy threshold. A borrower is an enterprise with exposure at that date (a positive loan
-- balance at the last report); where the warehouse has no loan data (CUMCM) it is an enterprise
-- with a credit record, and exposure is NULL.
{% set severity_rank = "case severity when 'critical' then 3 when 'warning' then 2 when 'watch' then 1 end" %}
{% set pd_threshold = var('watchlist_pd_threshold') if var('watchlist_pd_threshold') != ''
   else "(select threshold from " ~ ref('early_warning_rules') ~ " where signal_id = 'pd_above_policy')" %}
with indicators as (
    select * from {{ ref('int_early_warning_indicators') }}
),

signals as (
    select * from {{ ref('early_warning_signals') }}
),

has_loan_data as (
    select count(*) > 0 as has_loans from {{ ref('stg_loans') }}
),

borrowers as (
    select indicators.*
    from indicators
    cross join has_loan_data
    where not indicators.is_in_default
      and case when has_loan_data.has_loans then coalesce(indicators.outstanding_balance, 0) > 0
               else indicators.has_credit_record end
),

signal_summary as (
    select
        signals.enterprise_id,
        signals.as_of_date,
        max({{ severity_rank }}) as severity_rank,
        count(*) as n_signals,
        string_agg(signals.signal_id, ', ' order by {{ severity_rank }} desc, signals.signal_id) as signals,
        arg_max(signals.recommended_action, {{ severity_rank }} * 100 - length(signals.signal_id)) as recommended_action
    from signals
    group by all
),

listed as (
    select
        borrowers.*,
        signal_summary.severity_rank,
        signal_summary.n_signals,
        signal_summary.signals,
        signal_summary.recommended_action
    from borrowers
    left join signal_summary
        on signal_summary.enterprise_id = borrowers.enterprise_id and signal_summary.as_of_date = borrowers.as_of_date
    where signal_summary.severity_rank >= 2 or borrowers.pd >= {{ pd_threshold }}
),

streaks as (
    -- consecutive monthly as-of dates on the list (gaps and islands on the month number)
    select
        enterprise_id,
        as_of_date,
        row_number() over (partition by enterprise_id, island order by as_of_date) as months_on_watch
    from (
        select
            enterprise_id,
            as_of_date,
            date_diff('month', date '2000-01-01', as_of_date)
                - row_number() over (partition by enterprise_id order by as_of_date) as island
        from listed
    )
),

loans as (
    -- loans with a positive balance at the report before each as-of date
    select l.enterprise_id, p.month + interval 1 month as as_of_date, count(*) as n_loans
    from {{ ref('stg_loan_performance') }} as p
    inner join {{ ref('stg_loans') }} as l using (loan_id)
    where p.balance > 0
    group by all
)

select
    listed.enterprise_id,
    listed.as_of_date,
    listed.as_of_date = (select max(as_of_date) from indicators) as is_latest,
    case coalesce(listed.severity_rank, 0) when 3 then 'critical' when 2 then 'warning' when 1 then 'watch' else 'none' end
        as max_severity,
    coalesce(listed.n_signals, 0) as n_signals,
    listed.signals,
    listed.pd,
    listed.grade,
    streaks.months_on_watch,
    coalesce(loans.n_loans, 0) as n_loans,
    case when (select has_loans from has_loan_data) then listed.outstanding_balance end as exposure,
    coalesce(listed.recommended_action, 'credit review') as recommended_action
from listed
inner join streaks on streaks.enterprise_id = listed.enterprise_id and streaks.as_of_date = listed.as_of_date
left join loans on loans.enterprise_id = listed.enterprise_id and loans.as_of_date = listed.as_of_date
