"""Validate the marts with the GX suites and append the run's results (one row per expectation).

Incremental, append-only: dbt-duckdb 1.11.1 supports incremental Python models (its
incremental materialization declares supported_languages=['sql', 'python']); each run writes
its rows to a temporary table that the 'append' strategy inserts, so earlier runs stay as the
data-quality history. full_refresh=False keeps that history through `dbt build --full-refresh`
(drop the table by hand to reset it). This model never fails on bad data: failures are rows,
and the gate models validated_* decide. Data Docs: see sme_credit.validation.runner.
"""


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="append",
        on_schema_change="append_new_columns",
        full_refresh=False,
        schema="marts",
    )
    # One ref per statement: dbt finds the dependencies by reading this source.
    source_reconciliation = dbt.ref("source_reconciliation")
    enterprise_indicators = dbt.ref("enterprise_indicators")
    loan_features = dbt.ref("loan_features")
    stg_enterprises = dbt.ref("stg_enterprises")
    stg_loans = dbt.ref("stg_loans")
    industries = dbt.ref("industries")

    # Imported here: Great Expectations is slow to import and only this model needs it.
    from sme_credit.validation import runner, suites

    def row_count(relation):
        return int(relation.aggregate("count(*)").fetchall()[0][0])

    definitions = suites.default_suites(
        industries=[row[0] for row in industries.select("industry").fetchall()],
        staged_enterprises=row_count(stg_enterprises),
        staged_loans=row_count(stg_loans),
    )
    frames = {
        "source_reconciliation": runner.frame_from_relation(source_reconciliation),
        "enterprise_indicators": runner.frame_from_relation(enterprise_indicators),
        "loan_features": runner.frame_from_relation(loan_features),
    }
    results = runner.run_suites(definitions, frames, data_docs_dir=runner.default_data_docs_dir())
    return runner.results_to_arrow(results)
