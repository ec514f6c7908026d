"""The WoE scorecard of every task: feature, bin, WoE, event rate and points (what a scorecard committee signs off).

Read from the fits of intermediate.int_pd_model_fits (no refitting)."""


def model(dbt, session):
    dbt.config(materialized="table")
    int_pd_model_fits = dbt.ref("int_pd_model_fits")

    from sme_credit.modeling import marts

    return marts.table_from_fits(int_pd_model_fits, "scorecard_points")
