-- Grain: one row per scenario, book (question) and enterprise: the amount lent (0 = no loan) and
-- what it earns, loses and ties up. The as-of date is that of the PDs the book was priced on.
with allocation as (
    select
        allocation.*,
        {{ book_of_question('allocation.question') }} as book,
        enterprise_pd.as_of_date,
        enterprise_pd.industry,
        tiers.pd,
        tiers.grade,
        master_scale.grade_label,
        allocation.expected_income - allocation.expected_loss - allocation.funding_operating_cost as net_income,
        allocation.capital * coalesce(allocation.term_months, 0) / 12.0 as capital_years
    from {{ ref('credit_allocation') }} as allocation
    inner join {{ ref('pricing_tiers') }} as tiers
        on allocation.scenario = tiers.scenario and allocation.question = tiers.question
        and allocation.enterprise_id = tiers.enterprise_id
    inner join {{ ref('enterprise_pd') }} as enterprise_pd on allocation.enterprise_id = enterprise_pd.enterprise_id
    left join {{ ref('srv_master_scale') }} as master_scale on tiers.grade = master_scale.grade
)

{{ serving_select('allocation', {'grade': 'cast(grade as integer)', 'term_months': 'cast(term_months as integer)'}) }}
