-- Characteristic stability (CSI) of every numeric feature of the point-in-time task per as-of date
-- (grain: level, variant, model, feature, as_of_date), against the development sample (the
-- champion's training rows): bins are the deciles of the development values plus one bin for
-- NULL; CSI = Σ (a − e) · ln(a / e) over the bins, shares floored at var('psi_share_floor');
-- is_alert when CSI > 0.25. pd_stability holds the PSI of the score itself.
{% set floor = var('psi_share_floor') %}
{% set excluded = ['is_latest', 'has_credit_record', 'has_defaulted', 'is_in_default', 'default_next_12m',
                   'is_label_window_closed', 'statement_fiscal_year'] %}
{% set numeric = [] %}
{% if execute %}
  {% for col in adapter.get_columns_in_relation(ref('enterprise_indicators')) %}
    {% if col.name not in excluded and (col.is_number() or col.dtype | lower in ('double', 'float', 'integer', 'bigint', 'hugeint', 'smallint', 'decimal')) %}
      {% do numeric.append(col.name) %}
    {% endif %}
  {% endfor %}
{% endif %}
with champion as (
    select level, variant, champion as model from {{ ref('pd_model_runs') }}
    where level = 'enterprise' and variant = 'point_in_time' and status = 'fitted'
),

development as (
    select scores.enterprise_id, scores.as_of_date
    from {{ ref('pd_scores') }} as scores
    inner join champion using (level, variant, model)
    where scores.in_training_sample
),

wide as (
    select enterprise_id, as_of_date
        {% for col in numeric %}, cast({{ adapter.quote(col) }} as double) as {{ adapter.quote(col) }}{% endfor %}
    from {{ ref('enterprise_indicators') }}
    where not is_in_default and (select count(*) from champion) > 0
),

long as (
    -- one row per row and feature, NULLs kept: missing gets its own bin
    select * from wide
    unpivot include nulls (value for feature in ({% for col in numeric %}{{ adapter.quote(col) }}{% if not loop.last %}, {% endif %}{% endfor %}))
),

edges as (
    select long.feature, quantile_cont(long.value, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) as cuts
    from long
    inner join development using (enterprise_id, as_of_date)
    where long.value is not null
    group by all
),

binned as (
    select
        long.enterprise_id,
        long.as_of_date,
        long.feature,
        case when long.value is null then -1 else length(list_filter(edges.cuts, lambda x: x < long.value)) end as bin,
        development.enterprise_id is not null as is_development
    from long
    inner join edges using (feature)
    left join development using (enterprise_id, as_of_date)
),

expected_counts as (
    select feature, bin, count(*) as n from binned where is_development group by all
),

expected as (
    select feature, bin, n / sum(n) over (partition by feature) as share from expected_counts
),

actual_counts as (
    select feature, as_of_date, bin, count(*) as n from binned group by all
),

actual as (
    select feature, as_of_date, bin, n / sum(n) over (partition by feature, as_of_date) as share from actual_counts
),

bins as (
    -- every bin seen anywhere for the feature, at every as-of date
    select distinct a.feature, a.as_of_date, b.bin
    from (select distinct feature, as_of_date from actual) as a
    inner join (select distinct feature, bin from binned) as b using (feature)
),

csi as (
    select
    champion.level,
    champion.variant,
    champion.model,
    bins.feature,
    bins.as_of_date,
    sum((greatest(coalesce(actual.share, 0), {{ floor }}) - greatest(coalesce(expected.share, 0), {{ floor }}))
        * ln(greatest(coalesce(actual.share, 0), {{ floor }}) / greatest(coalesce(expected.share, 0), {{ floor }}))) as csi
    from bins
    cross join champion
    left join actual using (feature, as_of_date, bin)
    left join expected using (feature, bin)
    group by all
)

select *, csi > 0.25 as is_alert from csi
