"""The dbt Python models of models/validation, called as dbt calls them (model(dbt, session))
with a small fake `dbt` over an in-memory DuckDB: results appended run after run, gates that
pass clean marts through and stop on critical failures."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from fake_dbt import FakeDbt, create_table
from fake_dbt import load_model as load_validation_model
from sme_credit.validation.runner import RESULT_COLUMNS, RESULTS_SCHEMA, GateFailure
from test_validation_suites import (
    INDUSTRIES,
    clean_enterprise_indicators,
    clean_loan_features,
    clean_source_reconciliation,
    corrupt,
)


def load_model(name: str):
    return load_validation_model(f"validation/{name}.py")


def warehouse(enterprise_indicators: pd.DataFrame, loan_features: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    session = duckdb.connect()
    create_table(session, "enterprise_indicators", enterprise_indicators)
    create_table(session, "loan_features", loan_features)
    create_table(session, "source_reconciliation", clean_source_reconciliation())
    create_table(session, "stg_enterprises", pd.DataFrame({"enterprise_id": enterprise_indicators["enterprise_id"].unique()}))
    create_table(session, "stg_loans", pd.DataFrame({"loan_id": pd.Series(loan_features["loan_id"].unique(), dtype="str")}))
    create_table(session, "industries", pd.DataFrame({"industry": INDUSTRIES}))
    return session


def run_results_model(session: duckdb.DuckDBPyConnection, dbt: FakeDbt | None = None) -> pa.Table:
    """What dbt's incremental append does: create the table on the first run, insert afterwards."""
    rows = load_model("dq_validation_results").model(dbt or FakeDbt(session), session)
    exists = session.sql(
        "select count(*) from information_schema.tables where table_name = 'dq_validation_results'").fetchall()[0][0]
    session.register("run_rows", rows)
    session.execute(("insert into dq_validation_results" if exists else "create table dq_validation_results as")
                    + " select * from run_rows")
    session.unregister("run_rows")
    return rows


@pytest.fixture(scope="module")
def data_docs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("validation_models") / "data_docs"


@pytest.fixture(autouse=True)
def _docs_outside_the_repository(monkeypatch: pytest.MonkeyPatch, data_docs_dir: Path) -> None:
    monkeypatch.setenv("SME_CREDIT_DATA_DOCS_DIR", str(data_docs_dir))


@pytest.fixture(scope="module")
def clean_session(data_docs_dir: Path) -> duckdb.DuckDBPyConnection:
    """Clean marts, validated once (the module-scoped fixtures share the runs: GX takes seconds)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SME_CREDIT_DATA_DOCS_DIR", str(data_docs_dir))
        session = warehouse(clean_enterprise_indicators(), clean_loan_features())
        run_results_model(session)
    return session


@pytest.fixture(scope="module")
def corrupted_session(data_docs_dir: Path) -> duckdb.DuckDBPyConnection:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SME_CREDIT_DATA_DOCS_DIR", str(data_docs_dir))
        session = warehouse(corrupt(clean_enterprise_indicators()), clean_loan_features())
        run_results_model(session)
    return session


def test_results_model_appends_runs_and_builds_data_docs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SME_CREDIT_DATA_DOCS_DIR", str(tmp_path / "docs"))
    session = warehouse(clean_enterprise_indicators(), clean_loan_features())
    dbt = FakeDbt(session)
    first = run_results_model(session, dbt)
    assert dbt.configured["materialized"] == "incremental"
    assert dbt.configured["incremental_strategy"] == "append"
    assert dbt.configured["full_refresh"] is False
    assert set(dbt.refs) == {"source_reconciliation", "enterprise_indicators", "loan_features",
                             "stg_enterprises", "stg_loans", "industries"}
    assert first.schema.equals(RESULTS_SCHEMA) and first.column_names == RESULT_COLUMNS
    assert "enterprise_indicators" in (tmp_path / "docs" / "index.html").read_text()
    run_results_model(session)
    runs = session.sql("select run_id, count(*) as n, count(*) filter (where not success) as failed "
                       "from dq_validation_results group by run_id").fetchall()
    assert len(runs) == 2 and {n for _, n, _ in runs} == {first.num_rows} and {f for *_, f in runs} == {0}
    suites = {row[0] for row in session.sql("select distinct suite from dq_validation_results").fetchall()}
    assert suites == {"source_reconciliation", "enterprise_indicators", "loan_features"}


def test_results_model_records_failures_without_failing(corrupted_session: duckdb.DuckDBPyConnection) -> None:
    rows = corrupted_session.table("dq_validation_results").to_arrow_table().to_pandas()  # the run did not raise
    failed = rows[~rows["success"] & (rows["severity"] == "critical")]
    assert set(failed["suite"]) == {"enterprise_indicators"}
    assert set(failed["column_name"]) == {"net_sales", "enterprise_id, as_of_date", "credit_rating"}


def test_gates_pass_clean_marts_through_unchanged(clean_session: duckdb.DuckDBPyConnection) -> None:
    session = clean_session
    for name in ("enterprise_indicators", "loan_features"):
        dbt = FakeDbt(session)
        out = load_model(f"validated_{name}").model(dbt, session)
        assert dbt.configured["materialized"] == "table"
        assert dbt.refs == ["dq_validation_results", name]
        assert out.to_arrow_table().equals(session.table(name).to_arrow_table())


def test_gate_stops_a_corrupted_mart_but_not_the_other(corrupted_session: duckdb.DuckDBPyConnection) -> None:
    session = corrupted_session
    with pytest.raises(GateFailure) as raised:
        load_model("validated_enterprise_indicators").model(FakeDbt(session), session)
    message = str(raised.value)
    for expected in ("expectation expect_column_values_to_be_between, column net_sales: 1 of 7 rows unexpected",
                     "expectation expect_compound_columns_to_be_unique, column enterprise_id, as_of_date: 2 of 7",
                     "expectation expect_column_values_to_be_in_set, column credit_rating: 1 of 7"):
        assert f"suite 'enterprise_indicators', {expected}" in message
    # loan_features' own suites passed: its gate lets it through.
    load_model("validated_loan_features").model(FakeDbt(session), session)


def test_warning_only_failures_pass_the_gate() -> None:
    frame = clean_enterprise_indicators()
    frame["sales_tax_rate"] = 0.5
    session = warehouse(frame, clean_loan_features())
    run_results_model(session)
    load_model("validated_enterprise_indicators").model(FakeDbt(session), session)
    failed = session.sql("select severity, column_name from dq_validation_results where not success").fetchall()
    assert failed == [("warning", "sales_tax_rate")]


def test_empty_loan_features_pass_with_a_note() -> None:
    session = warehouse(clean_enterprise_indicators(), clean_loan_features().iloc[0:0])
    run_results_model(session)
    out = load_model("validated_loan_features").model(FakeDbt(session), session)
    assert out.aggregate("count(*)").fetchall()[0][0] == 0
    rows = session.sql("select expectation_type, success from dq_validation_results "
                       "where suite = 'loan_features'").fetchall()
    assert rows == [("expect_table_row_count_to_equal", True), ("suite_skipped_empty_table", True)]


def test_gate_uses_the_latest_run_only(corrupted_session: duckdb.DuckDBPyConnection) -> None:
    session = warehouse(corrupt(clean_enterprise_indicators()), clean_loan_features())
    history = corrupted_session.table("dq_validation_results").to_arrow_table()
    create_table(session, "dq_validation_results", history)  # a failing run ...
    create_table(session, "enterprise_indicators", clean_enterprise_indicators())
    run_results_model(session)  # ... fixed by the next one
    load_model("validated_enterprise_indicators").model(FakeDbt(session), session)
    assert session.sql("select count(distinct run_id) from dq_validation_results").fetchall()[0][0] == 2
