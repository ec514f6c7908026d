-- Grain: one row per model, cohort (as-of date) and grade.
-- Disabled until marts.pd_backtest lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('pd_backtest'), cast=true) }}
