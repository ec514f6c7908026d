-- Every enterprise PD over time: one row per enterprise, as-of date and model of every
-- enterprise task (pd_scores). The point-in-time task scores every panel month of every
-- enterprise not yet in default; a snapshot task scores the latest as-of date only.
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
    'model' as pd_source,
    {{ var('pd_horizon_months') }} as pd_horizon_months
from {{ ref('pd_scores') }} as scores
where scores.level = 'enterprise'
