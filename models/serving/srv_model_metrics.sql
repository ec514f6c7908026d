-- Grain: one row per model, evaluation, metric and cut-off (cutoff NULL for metrics without one).
with metrics as (
    select
        metrics.*,
        registry.is_champion
    from {{ ref('pd_model_metrics') }} as metrics
    inner join {{ ref('pd_model_registry') }} as registry
        on metrics.level = registry.level and metrics.variant = registry.variant and metrics.model = registry.model
)

{{ serving_select('metrics') }}
