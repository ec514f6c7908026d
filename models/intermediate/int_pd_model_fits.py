"""Fit the PD models of every task on the gated marts; one row per task with the pickled fit.

Tasks: enterprise/with_rating, enterprise/without_rating, loan/all (sme_credit.modeling.marts).
A task without enough labelled rows (e.g. no loans in the CUMCM data) is a 'skipped' row
with its reason. The pd_* marts unpickle `artifact` instead of refitting.
"""


def model(dbt, session):
    dbt.config(materialized="table", schema="intermediate")
    # One ref per statement: dbt finds the dependencies by reading this source.
    validated_enterprise_indicators = dbt.ref("validated_enterprise_indicators")
    validated_loan_features = dbt.ref("validated_loan_features")
    indicator_expected_signs = dbt.ref("indicator_expected_signs")

    from sme_credit.modeling import marts
    from sme_credit.warehouse import frame_from_relation

    # dbt hands a Python model only the config keys it finds as literal dbt.config.get("...") calls
    config = {
        "pd_models": dbt.config.get("pd_models"),
        "pd_cv_repeats": dbt.config.get("pd_cv_repeats"),
        "pd_cv_folds": dbt.config.get("pd_cv_folds"),
        "pd_random_state": dbt.config.get("pd_random_state"),
        "pd_pit_training_step_months": dbt.config.get("pd_pit_training_step_months"),
        "pd_pit_cv_repeats": dbt.config.get("pd_pit_cv_repeats"),
        "pd_horizon_months": dbt.config.get("pd_horizon_months"),
    }
    settings = marts.settings_from_config(config.get)
    if str(dbt.config.get("pd_monotone_constraints")).lower() in ("true", "1", "yes"):
        signs = frame_from_relation(indicator_expected_signs)
        settings["config"] = marts.PDModelConfig(monotone=dict(zip(signs["feature"], signs["expected_sign"].astype(int))))
    # fallback for tasks this build can't fit: another warehouse's fits (score-only mode), or
    # this warehouse's fits of its previous build, still in place until this model replaces them
    models_from = dbt.config.get("pd_models_from") or None
    reusable = marts.earlier_fits(session, models_from)
    fits = marts.fit_warehouse_models(
        frame_from_relation(validated_enterprise_indicators),
        frame_from_relation(validated_loan_features),
        reusable=reusable,
        reusable_source=models_from or "this warehouse's previous build",
        score_only=bool(models_from),
        **settings,
    )
    return marts.fits_table(fits)
