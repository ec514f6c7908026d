-- Grain: one row per signal ('watchlist' for the rule as a whole).
-- Disabled until marts.early_warning_backtest lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('early_warning_backtest'), cast=true) }}
