"""Logistic regression coefficient tables (B, S.E., Wald, df, Sig., Exp(B)) of every task.

Read from the fits of intermediate.int_pd_model_fits (no refitting)."""


def model(dbt, session):
    dbt.config(materialized="table")
    int_pd_model_fits = dbt.ref("int_pd_model_fits")

    from sme_credit.modeling import marts

    return marts.table_from_fits(int_pd_model_fits, "coefficients")
