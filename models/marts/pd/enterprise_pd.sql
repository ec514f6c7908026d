-- One row per enterprise: the PD the bank decides on (the pricing models read it).
-- Rated enterprises take the champion of enterprise/with_rating (the bank's rating carries
-- repayment experience); the others the champion of enterprise/without_rating. NULL PD =
-- no model could score the enterprise (its task was skipped); pricing declines it.
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
        annual_sales
    from {{ ref('validated_enterprise_indicators') }}
    where is_latest
),

champion_scores as (
    select * from {{ ref('pd_scores') }}
    where level = 'enterprise' and is_champion
),

with_rating as (
    select * from champion_scores where variant = 'with_rating'
),

without_rating as (
    select * from champion_scores where variant = 'without_rating'
)

select
    enterprises.enterprise_id,
    enterprises.as_of_date,
    coalesce(with_rating.pd, without_rating.pd) as pd,
    coalesce(with_rating.score, without_rating.score) as score,
    coalesce(with_rating.grade, without_rating.grade) as grade,
    case
        when with_rating.pd is not null then 'with_rating'
        when without_rating.pd is not null then 'without_rating'
    end as pd_variant,
    coalesce(with_rating.model, without_rating.model) as pd_model,
    with_rating.pd as pd_with_rating,
    without_rating.pd as pd_without_rating,
    enterprises.industry,
    enterprises.size_class,
    enterprises.region,
    enterprises.credit_rating,
    enterprises.has_credit_record,
    enterprises.has_defaulted,
    enterprises.annual_sales
from enterprises
left join with_rating on enterprises.enterprise_id = with_rating.entity_id
left join without_rating on enterprises.enterprise_id = without_rating.entity_id
