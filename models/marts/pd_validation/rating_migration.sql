-- Grade-to-grade migration of every enterprise model over 1, 3 and 12 months: for each as-of
-- date (from) and horizon, how many enterprises moved from each grade to each grade, and the
-- share of the from-grade. Only enterprises scored at both dates count: a default or the end of
-- the data ends the path (default rates by grade are in pd_backtest).
with history as (
    select enterprise_id, as_of_date, level, variant, model, grade
    from {{ ref('enterprise_pd_history') }}
),

horizons as (
    select unnest([1, 3, 12]) as horizon_months
),

moves as (
    select
        start.level,
        start.variant,
        start.model,
        start.as_of_date,
        horizons.horizon_months,
        start.grade as from_grade,
        finish.grade as to_grade
    from history as start
    cross join horizons
    inner join history as finish
        on finish.enterprise_id = start.enterprise_id
        and finish.level = start.level
        and finish.variant = start.variant
        and finish.model = start.model
        and finish.as_of_date = start.as_of_date + to_months(horizons.horizon_months)
),

counts as (
    select level, variant, model, as_of_date, horizon_months, from_grade, to_grade, count(*) as n
    from moves
    group by all
)

select
    *,
    n / sum(n) over (partition by level, variant, model, as_of_date, horizon_months, from_grade) as share
from counts
