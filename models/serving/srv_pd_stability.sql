-- Grain: one row per model and as-of date.
{{ serving_select(ref('pd_stability'), cast=true) }}
