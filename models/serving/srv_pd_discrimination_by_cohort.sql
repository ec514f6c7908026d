-- Grain: one row per model and cohort (as-of date).
{{ serving_select(ref('pd_discrimination_by_cohort'), cast=true) }}
