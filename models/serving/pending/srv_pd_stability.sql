-- Grain: one row per model and as-of date.
-- Disabled until marts.pd_stability lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('pd_stability'), cast=true) }}
