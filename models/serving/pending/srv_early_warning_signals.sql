-- Grain: one row per enterprise, as-of date and signal.
-- Disabled until marts.early_warning_signals lands (planned schema of HELPERS §4.3/4.4): enable it in _pending.yml.
{{ serving_select(ref('early_warning_signals'), cast=true) }}
