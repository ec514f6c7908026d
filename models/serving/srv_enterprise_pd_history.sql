-- Grain: one row per enterprise, as-of date and model (level, variant, model).
{{ serving_select(ref('enterprise_pd_history'), cast=true) }}
