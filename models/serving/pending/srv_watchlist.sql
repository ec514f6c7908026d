-- Grain: one row per enterprise and as-of date on the watchlist.
-- Disabled until marts.watchlist lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('watchlist'), cast=true) }}
