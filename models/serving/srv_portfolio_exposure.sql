-- Grain: one row per live loan at the latest month.
{{ serving_select(ref('portfolio_exposure'), cast=true) }}
