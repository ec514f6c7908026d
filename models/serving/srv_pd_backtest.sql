-- Grain: one row per model, cohort (as-of date) and grade.
{{ serving_select(ref('pd_backtest'), cast=true) }}
