-- Grain: one row per loan and model: the PD every loan model gives (open-window loans included).
with scores as (
    select
        pd_scores.*,
        pd_scores.entity_id as loan_id,
        master_scale.grade_label
    from {{ ref('pd_scores') }} as pd_scores
    left join {{ ref('srv_master_scale') }} as master_scale on pd_scores.grade = master_scale.grade
    where pd_scores.level = 'loan'
)

{{ serving_select('scores', {
    'grade': 'cast(grade as integer)',
    'observed_default': 'cast(observed_default as integer)',
}) }}
