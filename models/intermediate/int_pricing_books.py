"""Pricing books: every question's enterprises under the base case and each stress scenario.

Stressed PD = min(PD × pd_multiplier, stress_pd_cap) and stressed sales = sales × (1 − sales_shock)
by industry (seed industry_stress_shocks; sme_credit.pricing.stress.apply_stress).
"""


def model(dbt, session):
    dbt.config(materialized="table", schema="intermediate")
    int_pricing_enterprises = dbt.ref("int_pricing_enterprises")
    industry_stress_shocks = dbt.ref("industry_stress_shocks")
    pricing_parameters = dbt.ref("pricing_parameters")

    from sme_credit.pricing import warehouse
    from sme_credit.warehouse import frame_from_relation

    params = warehouse.params_from_relation(pricing_parameters)
    return warehouse.pricing_books(frame_from_relation(int_pricing_enterprises), frame_from_relation(industry_stress_shocks), params)
