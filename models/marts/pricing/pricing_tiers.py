"""Tier, RAROC-optimal rate on the grid, term, churn and per-yuan economics of every enterprise,
per scenario and question (sme_credit.pricing.tiers.price_enterprises; docs/pricing.md)."""


def model(dbt, session):
    dbt.config(materialized="table")
    int_pricing_books = dbt.ref("int_pricing_books")
    pricing_parameters = dbt.ref("pricing_parameters")
    rate_churn = dbt.ref("rate_churn")

    from sme_credit.pricing import warehouse
    from sme_credit.warehouse import frame_from_relation

    params = warehouse.params_from_relation(pricing_parameters)
    return warehouse.pricing_tiers(frame_from_relation(int_pricing_books), params, frame_from_relation(rate_churn))
