-- One row per PD model task: fitted (with its champion) or skipped (with the reason).
-- int_pd_model_fits without the pickled fit, for BI users and monitoring.
select
    level,
    variant,
    status,
    reason,
    champion,
    training_rows,
    training_defaults,
    scored_rows,
    oot_split,
    oot_train_end,
    notes
from {{ ref('int_pd_model_fits') }}
