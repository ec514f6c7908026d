-- Every enterprise PD over time: one row per enterprise, as-of date and model of every
-- enterprise task (pd_scores). The point-in-time task scores every panel month of every
-- enterprise not yet in default; a snapshot task scores the latest as-of date only.
-- pd_source: 'model' (fitted by this build) or 'reused_model' (a task this build could not fit,
-- scored with the fit of an earlier build or of var('pd_models_from'); see pd_model_runs).
with runs as (
    select level, variant, status from {{ ref('int_pd_model_fits') }}
)

select
    scores.enterprise_id,
    scores.as_of_date,
    scores.level,
    scores.variant,
    scores.level || '/' || scores.variant as task,
    scores.model,
    scores.is_champion,
    scores.pd,
    scores.score,
    scores.grade,
    scores.pd_out_of_time,
    case when runs.status = 'reused' then 'reused_model' else 'model' end as pd_source,
    {{ var('pd_horizon_months') }} as pd_horizon_months
from {{ ref('pd_scores') }} as scores
left join runs
    on runs.level = scores.level and runs.variant = scores.variant
where scores.level = 'enterprise'
