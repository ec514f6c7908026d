-- Grain: one row per scenario, book (question) and enterprise: tier, rate, capital and RAROC.
with tiers as (
    select
        tiers.*,
        {{ book_of_question('tiers.question') }} as book,
        enterprise_pd.industry,
        master_scale.grade_label
    from {{ ref('pricing_tiers') }} as tiers
    left join {{ ref('enterprise_pd') }} as enterprise_pd on tiers.enterprise_id = enterprise_pd.enterprise_id
    left join {{ ref('srv_master_scale') }} as master_scale on tiers.grade = master_scale.grade
)

{{ serving_select('tiers', {'grade': 'cast(grade as integer)', 'term_months': 'cast(term_months as integer)'}) }}
