"""Seed 002's grid search over tier-rate schemes: portfolio totals and RAROC of each scheme per
question (base case), to plot RAROC against the rates (sme_credit.pricing.schemes)."""


def model(dbt, session):
    dbt.config(materialized="table")
    int_pricing_books = dbt.ref("int_pricing_books")
    pricing_parameters = dbt.ref("pricing_parameters")
    rate_churn = dbt.ref("rate_churn")

    from sme_credit.pricing import warehouse
    from sme_credit.warehouse import frame_from_relation

    params = warehouse.params_from_relation(pricing_parameters)
    return warehouse.scheme_search(frame_from_relation(int_pricing_books), params, frame_from_relation(rate_churn))
