-- One row per enterprise: the PD the bank decides on at the final as-of date, a 12-month
-- point-in-time PD (var('pd_horizon_months')) that the pricing models read. It is the latest
-- row of enterprise_pd_history from the champion of enterprise/point_in_time; where the data
-- date no default (the CUMCM files) that task is skipped and the snapshot champions stand in:
-- snapshot_with_rating for rated enterprises, snapshot_without_rating for the others. An
-- enterprise already in default has PD 1 (pd_source in_default). Where no task could be fitted
-- or reused, the PD falls back to the bank's PD per rating grade (seed rating_pd_master_scale,
-- 'unrated' without a rating; pd_source rating_master_scale) -- a documented assumption that
-- the build announces at its end. Order: in_default > model > reused_model > rating_master_scale.
with enterprises as (
    select
        enterprise_id,
        as_of_date,
        industry,
        size_class,
        region,
        credit_rating,
        has_credit_record,
        has_defaulted,
        is_in_default,
        annual_sales
    from {{ ref('validated_enterprise_indicators') }}
    where is_latest
),

champions as (
    select * from {{ ref('enterprise_pd_history') }}
    where is_champion
),

point_in_time as (
    select * from champions where variant = 'point_in_time'
),

with_rating as (
    select * from champions where variant = 'snapshot_with_rating'
),

without_rating as (
    select * from champions where variant = 'snapshot_without_rating'
),

chosen as (
    select
        enterprises.*,
        coalesce(point_in_time.pd, with_rating.pd, without_rating.pd) as model_pd,
        coalesce(point_in_time.score, with_rating.score, without_rating.score) as model_score,
        coalesce(point_in_time.grade, with_rating.grade, without_rating.grade) as model_grade,
        case
            when point_in_time.pd is not null then 'point_in_time'
            when with_rating.pd is not null then 'snapshot_with_rating'
            when without_rating.pd is not null then 'snapshot_without_rating'
        end as model_variant,
        coalesce(point_in_time.model, with_rating.model, without_rating.model) as model_name,
        coalesce(point_in_time.pd_source, with_rating.pd_source, without_rating.pd_source) as model_pd_source,
        with_rating.pd as pd_with_rating,
        without_rating.pd as pd_without_rating,
        master_scale.pd_12m as master_scale_pd
    from enterprises
    left join point_in_time
        on point_in_time.enterprise_id = enterprises.enterprise_id and point_in_time.as_of_date = enterprises.as_of_date
    left join with_rating
        on with_rating.enterprise_id = enterprises.enterprise_id and with_rating.as_of_date = enterprises.as_of_date
    left join without_rating
        on without_rating.enterprise_id = enterprises.enterprise_id and without_rating.as_of_date = enterprises.as_of_date
    left join {{ ref('rating_pd_master_scale') }} as master_scale
        on master_scale.credit_rating = coalesce(enterprises.credit_rating, 'unrated')
)

select
    enterprise_id,
    as_of_date,
    case when is_in_default then 1.0 else coalesce(model_pd, master_scale_pd) end as pd,
    case
        when is_in_default then null
        when model_pd is not null then model_score
        -- the project's score scale: 600 points at 50:1 good:bad odds, 20 points to double them
        else round(600 - 20 / ln(2) * ln(50) + 20 / ln(2) * ln((1 - master_scale_pd) / master_scale_pd), 6)
    end as score,
    case when is_in_default then 10 else coalesce(model_grade, {{ master_scale_grade('master_scale_pd') }}) end as grade,
    case
        when is_in_default then 'in_default'
        when model_pd is not null then model_pd_source
        when master_scale_pd is not null then 'rating_master_scale'
    end as pd_source,
    model_variant as pd_variant,
    model_name as pd_model,
    {{ var('pd_horizon_months') }} as pd_horizon_months,
    pd_with_rating,
    pd_without_rating,
    is_in_default,
    industry,
    size_class,
    region,
    credit_rating,
    has_credit_record,
    has_defaulted,
    annual_sales
from chosen
