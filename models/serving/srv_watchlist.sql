-- Grain: one row per enterprise and as-of date on the watchlist.
{{ serving_select(ref('watchlist'), cast=true) }}
