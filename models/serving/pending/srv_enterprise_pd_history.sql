-- Grain: one row per enterprise, as-of date and model (level, variant, model).
-- Disabled until marts.enterprise_pd_history lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('enterprise_pd_history'), cast=true) }}
