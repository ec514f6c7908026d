-- Grain: one row per model and cohort (as-of date).
-- Disabled until marts.pd_discrimination_by_cohort lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('pd_discrimination_by_cohort'), cast=true) }}
