"""Tier, RAROC-optimal rate on the grid, term, churn and per-yuan economics of every enterprise,
per scenario and question (sme_credit.pricing.tiers.price_enterprises; docs/pricing.md)."""


def model(dbt, session):
    dbt.config(materialized="table")
    int_pricing_books = dbt.ref("int_pricing_books")
    pricing_parameters = dbt.ref("pricing_parameters")
    rate_churn = dbt.ref("rate_churn")

    from sme_credit.pricing import warehouse

    params = warehouse.params_from_relation(pricing_parameters)
    return warehouse.pricing_tiers(warehouse.to_frame(int_pricing_books), params, warehouse.to_frame(rate_churn))
