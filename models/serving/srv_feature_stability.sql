-- Grain: one row per model, feature and as-of date.
{{ serving_select(ref('feature_stability'), cast=true) }}
