"""marts.enterprise_indicators, passed by the data-quality gate: what the PD models read.

Fails (GateFailure naming suite, expectation, column and counts) when the latest run of
dq_validation_results has a failed critical expectation in the suites source_reconciliation
or enterprise_indicators; otherwise returns the mart unchanged. Warnings never stop it.
"""


def model(dbt, session):
    dbt.config(materialized="table", schema="validation")
    # One ref per statement: dbt finds the dependencies by reading this source.
    dq_validation_results = dbt.ref("dq_validation_results")
    enterprise_indicators = dbt.ref("enterprise_indicators")

    from sme_credit.validation.gate import enforce_gate

    enforce_gate(dq_validation_results, enterprise_indicators, "enterprise_indicators")
    return enterprise_indicators
