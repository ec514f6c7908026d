-- Grain: one row per model, as-of date (from), horizon, from_grade and to_grade.
{{ serving_select(ref('rating_migration'), cast=true) }}
