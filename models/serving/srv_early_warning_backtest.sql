-- Grain: one row per signal ('watchlist' for the rule as a whole).
{{ serving_select(ref('early_warning_backtest'), cast=true) }}
