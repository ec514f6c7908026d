-- Grain: one row per model, as-of date (from), horizon, from_grade and to_grade.
-- Disabled until marts.rating_migration lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('rating_migration'), cast=true) }}
