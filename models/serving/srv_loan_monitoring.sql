-- Grain: one row per loan and month.
{{ serving_select(ref('loan_monitoring'), cast=true) }}
