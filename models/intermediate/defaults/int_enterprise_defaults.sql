-- One row per enterprise: its first default date, from the dated default events together with
-- the obligor 90-days-past-due rule (Basel: the obligor is in default from the first month any
-- of its loans is var('default_dpd_threshold')+ DPD; the date is that report month's first day).
-- An enterprise stays in default from that date on (cures are not modelled).
with enterprises as (
    select enterprise_id, has_credit_record, has_defaulted from {{ ref('stg_enterprises') }}
),

events as (
    select
        enterprise_id,
        min(default_date) as first_event_date,
        arg_min(default_type, (default_date, default_type)) as first_event_type,
        count(*) as default_events
    from {{ ref('stg_default_events') }}
    group by all
),

past_due as (
    select
        loans.enterprise_id,
        min(performance.month) as first_dpd90_month
    from {{ ref('stg_loan_performance') }} as performance
    inner join {{ ref('stg_loans') }} as loans on loans.loan_id = performance.loan_id
    where performance.days_past_due >= {{ var('default_dpd_threshold') }}
    group by all
)

select
    enterprises.enterprise_id,
    least(events.first_event_date, past_due.first_dpd90_month) as first_default_date,
    case
        when events.first_event_date is null and past_due.first_dpd90_month is null then null
        when past_due.first_dpd90_month is null or events.first_event_date < past_due.first_dpd90_month then 'default_events'
        when events.first_event_date is null or past_due.first_dpd90_month < events.first_event_date then 'loan_performance'
        else 'both'
    end as first_default_source,
    events.first_event_date,
    events.first_event_type,
    coalesce(events.default_events, 0) as default_events,
    past_due.first_dpd90_month,
    enterprises.has_credit_record,
    enterprises.has_defaulted,
    -- the bank says the enterprise defaulted but nothing dates it: unusable for dated labels
    coalesce(enterprises.has_defaulted, false)
        and events.first_event_date is null and past_due.first_dpd90_month is null as is_default_undated
from enterprises
left join events on events.enterprise_id = enterprises.enterprise_id
left join past_due on past_due.enterprise_id = enterprises.enterprise_id
