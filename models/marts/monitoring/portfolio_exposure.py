"""The live loan book at the latest report month, one row per loan: exposure, PD, LGD, expected
loss and IRB capital (sme_credit.monitoring.exposure)."""


def model(dbt, session):
    dbt.config(materialized="table")
    int_portfolio_book = dbt.ref("int_portfolio_book")
    pricing_parameters = dbt.ref("pricing_parameters")

    from sme_credit.monitoring import portfolio_exposure
    from sme_credit.pricing import warehouse
    from sme_credit.warehouse import frame_from_relation

    params = warehouse.params_from_relation(pricing_parameters)
    return portfolio_exposure(frame_from_relation(int_portfolio_book), params)
