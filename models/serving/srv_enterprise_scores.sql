-- Grain: one row per enterprise, PD task variant and model: the PD every enterprise model gives
-- at the task's latest as-of date.
with scores as (
    select
        pd_scores.*,
        master_scale.grade_label
    from {{ ref('pd_scores') }} as pd_scores
    left join {{ ref('srv_master_scale') }} as master_scale on pd_scores.grade = master_scale.grade
    where pd_scores.level = 'enterprise'
    -- the task's latest as-of date: the earlier months are in srv_enterprise_pd_history
    qualify pd_scores.as_of_date = max(pd_scores.as_of_date) over (partition by pd_scores.variant)
)

{{ serving_select('scores', {
    'grade': 'cast(grade as integer)',
    'observed_default': 'cast(observed_default as integer)',
}) }}
