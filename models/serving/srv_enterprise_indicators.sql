-- Grain: one row per enterprise and as-of date (marts.enterprise_indicators; is_latest marks the
-- final as-of date). The default flag is typed like every outcome label of the serving layer.
{{ serving_select(ref('enterprise_indicators'), {'observed_default': 'cast(has_defaulted as integer)'}) }}
