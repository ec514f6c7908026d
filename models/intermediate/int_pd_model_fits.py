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

    from sme_credit.modeling import marts
    from sme_credit.warehouse import frame_from_relation

    settings = marts.settings_from_config(dbt.config.get)
    fits = marts.fit_warehouse_models(
        frame_from_relation(validated_enterprise_indicators),
        frame_from_relation(validated_loan_features),
        **settings,
    )
    return marts.fits_table(fits)
