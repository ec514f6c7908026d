-- The rows every back-test reads: each labelled score of every model (closed 12-month window),
-- with its out-of-time PD and grade and the window of the task's out-of-time design it falls in:
-- development (before oot_train_end: the out-of-time model's training period), gap (between
-- oot_train_end and oot_split: labels that overlap the test window, used by neither), or
-- out_of_time (from oot_split on: PDs from a model that never saw these outcomes).
with scores as (
    select * from {{ ref('pd_scores') }}
    where observed_default is not null and pd_out_of_time is not null
),

loan_windows as (
    -- a loan's label is known early when it defaults, late when it performs: keep only loans whose
    -- whole window is reported, or recent cohorts would count their defaults without their performers
    select loan_id
    from {{ ref('loan_features') }}
    where {{ dbt.dateadd('month', var('default_window_months') - 1, "date_trunc('month', disbursement_date)") }}
          <= {{ last_reported_month() }}
),

runs as (
    select level, variant, oot_split, oot_train_end from {{ ref('pd_model_runs') }}
    where status = 'fitted' and oot_split is not null
),

periods as (
    -- the boundaries as dates: ISO dates for the panel task, years for loans
    select
        level,
        variant,
        case when length(oot_split) = 4 then make_date(cast(oot_split as integer), 1, 1) else cast(oot_split as date) end as split_date,
        case when length(oot_train_end) = 4 then make_date(cast(oot_train_end as integer), 1, 1) else cast(oot_train_end as date) end as train_end_date
    from runs
)

select
    scores.level,
    scores.variant,
    scores.model,
    scores.is_champion,
    scores.entity_id,
    scores.as_of_date,
    scores.pd_out_of_time as pd,
    scores.grade_out_of_time as grade,
    scores.observed_default,
    case
        when scores.as_of_date >= periods.split_date then 'out_of_time'
        when scores.as_of_date < periods.train_end_date then 'development'
        else 'gap'
    end as evaluation_window
from scores
inner join periods on periods.level = scores.level and periods.variant = scores.variant
where scores.level = 'enterprise' or scores.entity_id in (select loan_id from loan_windows)
