-- Discrimination and accuracy of every model per as-of cohort, on the out-of-time PDs of
-- int_pd_backtest_rows: AUC (Mann–Whitney, tied PDs at their average rank), KS (largest gap
-- between the defaulters' and non-defaulters' PD distributions), Brier, mean PD and default rate.
with rows_ as (
    select * from {{ ref('int_pd_backtest_rows') }}
),

ranked as (
    select
        *,
        -- average rank of the PD within the cohort (ties share the mean of their ranks)
        rank() over cohort + (count(*) over (partition by level, variant, model, as_of_date, pd) - 1) / 2.0 as pd_rank
    from rows_
    window cohort as (partition by level, variant, model, as_of_date order by pd)
),

distinct_pds as (
    -- empirical CDFs of PD among defaulters and non-defaulters at every distinct PD
    select
        level, variant, model, as_of_date, pd,
        sum(observed_default) as defaults_at,
        sum(1 - observed_default) as goods_at
    from rows_
    group by all
),

cdf as (
    select
        level, variant, model, as_of_date,
        sum(defaults_at) over w / nullif(sum(defaults_at) over (partition by level, variant, model, as_of_date), 0) as cdf_defaults,
        sum(goods_at) over w / nullif(sum(goods_at) over (partition by level, variant, model, as_of_date), 0) as cdf_goods
    from distinct_pds
    window w as (partition by level, variant, model, as_of_date order by pd rows between unbounded preceding and current row)
),

ks as (
    select level, variant, model, as_of_date, max(abs(cdf_goods - cdf_defaults)) as ks
    from cdf
    group by all
)

select
    ranked.level,
    ranked.variant,
    ranked.model,
    bool_or(ranked.is_champion) as is_champion,
    ranked.as_of_date,
    min(ranked.evaluation_window) as evaluation_window,
    count(*) as n,
    cast(sum(ranked.observed_default) as bigint) as defaults,
    case when sum(ranked.observed_default) > 0 and sum(1 - ranked.observed_default) > 0 then
        (sum(ranked.pd_rank) filter (where ranked.observed_default = 1)
         - sum(ranked.observed_default) * (sum(ranked.observed_default) + 1) / 2.0)
        / (sum(ranked.observed_default) * sum(1 - ranked.observed_default))
    end as auc,
    case when sum(ranked.observed_default) > 0 and sum(1 - ranked.observed_default) > 0 then any_value(ks.ks) end as ks,
    avg(power(ranked.pd - ranked.observed_default, 2)) as brier,
    avg(ranked.pd) as mean_pd,
    avg(ranked.observed_default) as observed_default_rate
from ranked
inner join ks using (level, variant, model, as_of_date)
group by ranked.level, ranked.variant, ranked.model, ranked.as_of_date
