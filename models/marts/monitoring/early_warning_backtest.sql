-- How early and how well the signals fire (grain: signal_id; 'watchlist' = the watchlist rule:
-- any warning or critical signal, which includes the PD policy threshold), measured on the
-- realised defaults of the warehouse (int_enterprise_defaults), never the generator's oracle:
--   precision_12m: of the flags on rows with a closed 12-month window, the share followed by a
--                  default within 12 months;
--   recall_3m:     of the defaults, the share flagged 3 to 12 months before the default date;
--   median_lead_months: over the defaults flagged in the 12 months before, the median months
--                  from the first such flag to the default;
--   flags_per_month: flagged enterprises per as-of date (the loan officers' workload).
with signals as (
    select enterprise_id, as_of_date, signal_id, severity from {{ ref('early_warning_signals') }}
),

flags as (
    select enterprise_id, as_of_date, signal_id from signals
    union all
    select distinct enterprise_id, as_of_date, 'watchlist' as signal_id from signals where severity in ('warning', 'critical')
),

labels as (
    select enterprise_id, as_of_date, default_next_12m, is_label_window_closed
    from {{ ref('enterprise_indicators') }}
    where has_credit_record and not is_in_default
),

panel_dates as (
    select min(as_of_date) as first_as_of, max(as_of_date) as last_as_of, count(distinct as_of_date) as n_dates
    from labels
),

defaults as (
    -- dated defaults with a year of panel before them
    select d.enterprise_id, d.first_default_date
    from {{ ref('int_enterprise_defaults') }} as d
    cross join panel_dates
    where d.first_default_date >= panel_dates.first_as_of + interval 12 month
      and d.first_default_date < panel_dates.last_as_of
      and d.has_credit_record
),

rules as (
    select signal_id from {{ ref('early_warning_rules') }}
    union all
    select 'watchlist'
),

precision_ as (
    select
        flags.signal_id,
        count(*) as flags,
        avg(labels.default_next_12m) filter (where labels.is_label_window_closed and labels.default_next_12m is not null)
            as precision_12m
    from flags
    inner join labels using (enterprise_id, as_of_date)
    group by all
),

leads as (
    -- per default and signal: the earliest flag in the 12 months before the default
    select
        flags.signal_id,
        defaults.enterprise_id,
        date_diff('month', min(flags.as_of_date), defaults.first_default_date) as lead_months,
        max(case when flags.as_of_date <= defaults.first_default_date - interval 3 month then 1 else 0 end) as flagged_3m_ahead
    from defaults
    inner join flags
        on flags.enterprise_id = defaults.enterprise_id
        and flags.as_of_date >= defaults.first_default_date - interval 12 month
        and flags.as_of_date < defaults.first_default_date
    group by flags.signal_id, defaults.enterprise_id, defaults.first_default_date
),

recall as (
    select
        rules.signal_id,
        coalesce(sum(leads.flagged_3m_ahead), 0) / nullif((select count(*) from defaults), 0) as recall_3m,
        median(leads.lead_months) as median_lead_months
    from rules
    left join leads using (signal_id)
    group by all
)

select
    rules.signal_id,
    coalesce(precision_.flags, 0) as flags,
    coalesce(precision_.flags, 0) / panel_dates.n_dates as flags_per_month,
    -- without a dated default (the CUMCM files) the labelled rows are the non-defaulters only
    case when (select count(*) from defaults) > 0 then precision_.precision_12m end as precision_12m,
    recall.recall_3m,
    recall.median_lead_months,
    (select count(*) from defaults) as defaults,
    (select avg(default_next_12m) from labels where is_label_window_closed) as base_rate
from rules
cross join panel_dates
left join precision_ using (signal_id)
left join recall using (signal_id)
