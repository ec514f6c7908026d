-- Grain: one row per model and out-of-fold PD decile (1 = lowest PDs).
with calibration as (
    select
        calibration.*,
        registry.is_champion,
        cast(round(calibration.n * calibration.observed_rate) as bigint) as defaults
    from {{ ref('pd_calibration') }} as calibration
    inner join {{ ref('pd_model_registry') }} as registry
        on calibration.level = registry.level and calibration.variant = registry.variant
        and calibration.model = registry.model
)

{{ serving_select('calibration', {'decile': 'cast(decile as integer)'}) }}
