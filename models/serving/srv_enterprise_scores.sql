-- Grain: one row per enterprise, PD task variant and model: the PD every enterprise model gives.
with scores as (
    select
        pd_scores.*,
        master_scale.grade_label
    from {{ ref('pd_scores') }} as pd_scores
    left join {{ ref('srv_master_scale') }} as master_scale on pd_scores.grade = master_scale.grade
    where pd_scores.level = 'enterprise'
)

{{ serving_select('scores', {
    'grade': 'cast(grade as integer)',
    'observed_default': 'cast(observed_default as integer)',
}) }}
