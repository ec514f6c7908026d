-- Grain: one row per fitted PD model (level, variant, model).
{{ serving_select(ref('pd_model_registry'), {'trained_at': "timezone('UTC', trained_at)"}) }}
