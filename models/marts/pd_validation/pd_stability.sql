-- Population stability of every enterprise model's grades: per as-of date, the PSI of the grade
-- distribution against the development sample (the task's training rows), and its band:
-- stable (< 0.10), monitor (0.10–0.25), shift (>= 0.25). PSI = Σ (a − e) · ln(a / e) over the
-- ten master-scale grades, shares floored at var('psi_share_floor') so an empty grade counts.
{% set floor = var('psi_share_floor') %}
with scores as (
    select * from {{ ref('pd_scores') }}
    where level = 'enterprise'
),

grades as (
    select unnest(range(1, 11)) as grade
),

models_ as (
    select distinct level, variant, model from scores
),

development as (
    select models_.level, models_.variant, models_.model, grades.grade,
           coalesce(count(scores.grade), 0) as n
    from models_
    cross join grades
    left join scores
        on scores.level = models_.level and scores.variant = models_.variant and scores.model = models_.model
        and scores.grade = grades.grade and scores.in_training_sample
    group by all
),

development_shares as (
    select *, n / sum(n) over (partition by level, variant, model) as expected_share
    from development
),

dates as (
    select distinct level, variant, model, as_of_date from scores
),

actual as (
    select dates.level, dates.variant, dates.model, dates.as_of_date, grades.grade,
           coalesce(count(scores.grade), 0) as n
    from dates
    cross join grades
    left join scores
        on scores.level = dates.level and scores.variant = dates.variant and scores.model = dates.model
        and scores.as_of_date = dates.as_of_date and scores.grade = grades.grade
    group by all
),

actual_shares as (
    select *, n / sum(n) over (partition by level, variant, model, as_of_date) as actual_share
    from actual
),

psi as (
    select
        a.level, a.variant, a.model, a.as_of_date,
        sum(a.n) as n,
        sum((greatest(a.actual_share, {{ floor }}) - greatest(d.expected_share, {{ floor }}))
            * ln(greatest(a.actual_share, {{ floor }}) / greatest(d.expected_share, {{ floor }}))) as psi
    from actual_shares as a
    inner join development_shares as d using (level, variant, model, grade)
    group by all
)

select
    level,
    variant,
    model,
    as_of_date,
    cast(n as bigint) as n,
    psi,
    case when psi < 0.10 then 'stable' when psi < 0.25 then 'monitor' else 'shift' end as psi_band
from psi
