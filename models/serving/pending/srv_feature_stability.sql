-- Grain: one row per model, feature and as-of date.
-- Disabled until marts.feature_stability lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('feature_stability'), cast=true) }}
