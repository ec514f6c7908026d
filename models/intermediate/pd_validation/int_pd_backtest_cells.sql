-- Back-test cells: per model, as-of cohort and out-of-time grade, the count, defaults and mean PD
-- (the aggregates pd_backtest tests with scipy).
select
    level,
    variant,
    model,
    is_champion,
    as_of_date,
    evaluation_window,
    grade,
    count(*) as n,
    cast(sum(observed_default) as bigint) as defaults,
    avg(pd) as mean_pd
from {{ ref('int_pd_backtest_rows') }}
group by all
