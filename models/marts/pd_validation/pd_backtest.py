"""Back-test of PDs per model, as-of cohort and grade: predicted mean PD against the observed
12-month default rate, with the one-sided binomial and Jeffreys test p-values (ECB guide to
internal models; EBA GL on PD estimation). Formulas: python/sme_credit/pd_validation.py."""


def model(dbt, session):
    dbt.config(materialized="table")
    int_pd_backtest_cells = dbt.ref("int_pd_backtest_cells")

    from sme_credit.pd_validation import backtest_table
    from sme_credit.warehouse import frame_from_relation

    return backtest_table(frame_from_relation(int_pd_backtest_cells))
