-- Grain: one row per loan and month.
-- Disabled until marts.loan_monitoring lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('loan_monitoring'), cast=true) }}
