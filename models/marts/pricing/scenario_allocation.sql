-- Each stress scenario's re-optimised book next to the base case, per enterprise and question.
with tiers as (
    select
        pricing_tiers.as_of_date,
        pricing_tiers.scenario,
        pricing_tiers.question,
        pricing_tiers.enterprise_id,
        pricing_tiers.pd,
        pricing_tiers.tier,
        pricing_tiers.rate,
        credit_allocation.amount
    from {{ ref('pricing_tiers') }} as pricing_tiers
    inner join {{ ref('credit_allocation') }} as credit_allocation
        on pricing_tiers.as_of_date = credit_allocation.as_of_date
        and pricing_tiers.scenario = credit_allocation.scenario
        and pricing_tiers.question = credit_allocation.question
        and pricing_tiers.enterprise_id = credit_allocation.enterprise_id
),

base as (
    select * from tiers where scenario = 'base'
),

stressed as (
    select * from tiers where scenario <> 'base'
)

select
    stressed.as_of_date,
    stressed.scenario,
    stressed.question,
    stressed.enterprise_id,
    enterprises.industry,
    base.pd as base_pd,
    stressed.pd as stressed_pd,
    base.tier as base_tier,
    stressed.tier as stressed_tier,
    base.rate as base_rate,
    stressed.rate as stressed_rate,
    base.amount as base_amount,
    stressed.amount as stressed_amount,
    stressed.amount - base.amount as amount_change
from stressed
inner join base
    on stressed.as_of_date = base.as_of_date
    and stressed.question = base.question
    and stressed.enterprise_id = base.enterprise_id
left join {{ ref('int_pricing_enterprises') }} as enterprises
    on stressed.enterprise_id = enterprises.enterprise_id
