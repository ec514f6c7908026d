-- Grain: one row per enterprise, as-of date and signal.
{{ serving_select(ref('early_warning_signals'), cast=true) }}
