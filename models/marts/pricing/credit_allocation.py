"""Loan amounts under each question's budget that maximise the book's expected risk-adjusted
profit, solved as a MILP with scipy HiGHS (sme_credit.pricing.allocation; docs/pricing.md)."""


def model(dbt, session):
    dbt.config(materialized="table")
    pricing_tiers = dbt.ref("pricing_tiers")
    int_pricing_books = dbt.ref("int_pricing_books")
    pricing_parameters = dbt.ref("pricing_parameters")

    from sme_credit.pricing import warehouse
    from sme_credit.warehouse import frame_from_relation

    params = warehouse.params_from_relation(pricing_parameters)
    return warehouse.credit_allocation(frame_from_relation(pricing_tiers), frame_from_relation(int_pricing_books), params)
