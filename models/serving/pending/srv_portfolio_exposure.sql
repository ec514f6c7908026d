-- Grain: one row per live loan at the latest month.
-- Disabled until marts.portfolio_exposure lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('portfolio_exposure'), cast=true) }}
