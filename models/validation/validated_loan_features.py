"""marts.loan_features, passed by the data-quality gate: what the PD models read.

Fails (GateFailure naming suite, expectation, column and counts) when the latest run of
dq_validation_results has a failed critical expectation in the suites source_reconciliation
or loan_features; otherwise returns the mart unchanged (also when it is empty: real data
without loans, whose suite is then recorded as skipped). Warnings never stop it.
"""


def model(dbt, session):
    dbt.config(materialized="table", schema="validation")
    # One ref per statement: dbt finds the dependencies by reading this source.
    dq_validation_results = dbt.ref("dq_validation_results")
    loan_features = dbt.ref("loan_features")

    from sme_credit.validation.gate import enforce_gate

    enforce_gate(dq_validation_results, loan_features, "loan_features")
    return loan_features
