-- Grain: one row per master-scale grade (1 = best … 10). The bands are those of
-- sme_credit.modeling.scorecard.MASTER_SCALE_BOUNDS, which grade every PD of the warehouse
-- (tests/test_serving_models.py checks that both agree); scores use the same scale as pd_scores
-- (600 points at good:bad odds 50:1, 20 points to double the odds, PD clipped to [1e-6, 1 − 1e-6]).
with bands (grade, grade_label, pd_upper) as (
    values
        (1, 'AAA', 0.0005), (2, 'AA', 0.0015), (3, 'A', 0.0040), (4, 'BBB', 0.0100), (5, 'BB', 0.0200),
        (6, 'B', 0.0400), (7, 'CCC+', 0.0800), (8, 'CCC', 0.1500), (9, 'CC', 0.3000), (10, 'C', 1.0000)
),

bounded as (
    select
        cast(grade as integer) as grade,
        grade_label,
        cast(coalesce(lag(pd_upper) over (order by grade), 0) as double) as pd_lower,
        cast(pd_upper as double) as pd_upper
    from bands
),

scale as (
    select 20 / ln(2) as factor, 600 - 20 / ln(2) * ln(50) as offset
)

select
    bounded.grade,
    bounded.grade_label,
    bounded.pd_lower,
    bounded.pd_upper,
    case
        when bounded.pd_upper < 1 then sqrt(greatest(bounded.pd_lower, 1e-6) * bounded.pd_upper)
        else (bounded.pd_lower + bounded.pd_upper) / 2
    end as pd_mid,
    scale.offset + scale.factor * ln((1 - least(bounded.pd_upper, 1 - 1e-6)) / least(bounded.pd_upper, 1 - 1e-6)) as score_min,
    scale.offset + scale.factor * ln((1 - greatest(bounded.pd_lower, 1e-6)) / greatest(bounded.pd_lower, 1e-6)) as score_max
from bounded
cross join scale
