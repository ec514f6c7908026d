"""The GX validation gate without dbt: suites on hand-made DataFrames, result rows, GateFailure,
Data Docs, and the gate's reading of recorded results (sme_credit.validation)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml

from sme_credit import project
from sme_credit.validation import data_docs, gate, runner, suites
from sme_credit.validation.runner import RESULT_COLUMNS, GateFailure

INDUSTRIES = pd.read_csv(project.PROJECT_DIR / "seeds" / "industries.csv")["industry"].tolist()
# The indicator catalogue, from the macro the marts select it by.
_MACRO = (project.PROJECT_DIR / "macros" / "indicator_columns.sql").read_text()
INDICATOR_COLUMNS = re.findall(r"'([a-z0-9_]+)'", _MACRO)
ENTERPRISE_COLUMNS = ["enterprise_id", "as_of_date", "is_latest", "industry", "region", "size_class",
                      "enterprise_age_years", "credit_rating", "has_credit_record", "has_defaulted"]
LOAN_COLUMNS = ["loan_id", "enterprise_id", "application_date", "disbursement_date", "application_year",
                "pre_loan_rating", "daily_avg_deposit", "industry", "term_months", "amount", "guarantee_method",
                "product", "has_negative_credit_info", "epidemic_impacted", "interest_rate", "size_class", "region",
                "indicator_as_of_date", "enterprise_age_years"]
LABEL_COLUMNS = ["label_status", "is_default", "first_default_month", "months_to_default",
                 "max_days_past_due_in_window"]


def _indicators(n: int) -> dict[str, object]:
    """Plausible indicator values for n rows; the statement ratios NULL for the last row
    (no statement: 'not defined')."""
    values: dict[str, object] = {}
    for column in INDICATOR_COLUMNS:
        if column in ("first_invoice_date", "last_invoice_date"):
            values[column] = [dt.date(2018, 1, 5)] * n if column.startswith("first") else [dt.date(2019, 12, 20)] * n
        elif column == "altman_zone":
            values[column] = ["safe"] * (n - 1) + [None]
        elif column == "statement_fiscal_year":
            values[column] = [2018.0] * (n - 1) + [np.nan]
        elif column.startswith("x") or column == "altman_z_score":
            values[column] = [0.5] * (n - 1) + [np.nan]
        else:
            values[column] = [0.1] * n
    values.update(net_sales=[1e6 + i for i in range(n)], net_purchases=[6e5] * n, order_count=[120.0] * n,
                  active_months=[24.0] * n, active_span_days=[700.0] * n, distinct_customers=[12.0] * n)
    values["annual_sales"] = [5e5] * n
    return values


def clean_enterprise_indicators(n: int = 6) -> pd.DataFrame:
    ratings = ["A", "B", "C", "D"] + [None] * (n - 4)
    return pd.DataFrame({
        "enterprise_id": [f"E{i}" for i in range(1, n + 1)],
        "as_of_date": [dt.date(2020, 1, 1)] * n,
        "is_latest": [True] * n,
        "industry": (INDUSTRIES * n)[:n],
        "region": ["Zhejiang"] * n,
        "size_class": (["micro", "small", "medium", None] * n)[:n],
        "enterprise_age_years": [8.5] * n,
        "credit_rating": ratings,
        "has_credit_record": [r is not None for r in ratings],
        "has_defaulted": [False, False, False, True] + [None] * (n - 4),  # base rate 0.25
        "is_in_default": [False] * n,
        "label_status": ["performing", "performing", "performing", "defaulted"] + ["no_credit_record"] * (n - 4),
        "default_next_12m": [0, 0, 0, 1] + [None] * (n - 4),  # 12-month rate 0.25
        **_indicators(n),
    })


def clean_loan_features(n: int = 5) -> pd.DataFrame:
    frame = pd.DataFrame({
        "loan_id": [f"L{i}" for i in range(1, n + 1)],
        "enterprise_id": [f"E{i}" for i in range(1, n + 1)],
        "application_date": [dt.date(2019, 3, 4)] * n,
        "disbursement_date": [dt.date(2019, 3, 10)] * n,
        "application_year": [2019] * n,
        "pre_loan_rating": (["A", "B", "C", "D"] * n)[:n],
        "daily_avg_deposit": [2e5] * n,
        "industry": (INDUSTRIES * n)[:n],
        "term_months": [12] * n,
        "amount": [1e6] * n,
        "guarantee_method": (["credit", "guarantee", "mortgage", "pledge"] * n)[:n],
        "product": ["working_capital"] * n,
        "has_negative_credit_info": [False] * n,
        "epidemic_impacted": [False] * n,
        "interest_rate": [0.0435] * n,
        "size_class": ["small"] * n,
        "region": [None] * n,
        "indicator_as_of_date": [dt.date(2019, 3, 1)] * n,
        "enterprise_age_years": [8.5] * n,
        **_indicators(n),
    })
    labels = ["performing", "performing", "performing", "defaulted"] + ["window_open"] * (n - 4)
    return frame.assign(
        label_status=labels,
        is_default=[{"defaulted": 1.0, "performing": 0.0}.get(s, np.nan) for s in labels],  # base rate 0.25
        first_default_month=[dt.date(2019, 9, 1) if s == "defaulted" else None for s in labels],
        months_to_default=[6.0 if s == "defaulted" else np.nan for s in labels],
        max_days_past_due_in_window=[0.0, 0.0, 15.0, 120.0] + [np.nan] * (n - 4),
    )


def clean_source_reconciliation() -> pd.DataFrame:
    return pd.DataFrame({
        "source_table": ["enterprises", "invoices", "invoices", "loans"],
        "source_file": ["enterprises.csv", "invoices/a.csv", "invoices/b.csv", "loans.csv"],
        "raw_rows": [6, 1000, 500, 5],
        "staged_rows": [6, 990, 495, 5],
        "duplicate_rows": [0, 8, 5, 0],
        "quarantined_rows": [0, 2, 0, 0],
        "is_reconciled": [True, True, True, True],
    })


def clean_frames() -> dict[str, pd.DataFrame]:
    return {"source_reconciliation": clean_source_reconciliation(),
            "enterprise_indicators": clean_enterprise_indicators(),
            "loan_features": clean_loan_features()}


def default_definitions(staged_enterprises: int = 6, staged_loans: int = 5) -> list[suites.SuiteDefinition]:
    return suites.default_suites(INDUSTRIES, staged_enterprises, staged_loans)


def corrupt(frame: pd.DataFrame) -> pd.DataFrame:
    """The issue's corrupted mart: negative sales, a duplicate key, an out-of-set rating."""
    bad = frame.copy()
    bad.loc[0, "net_sales"] = -500.0
    bad.loc[1, "credit_rating"] = "Z"
    return pd.concat([bad, bad.iloc[[2]]], ignore_index=True)


def _row(results: pd.DataFrame, expectation_type: str, column: str | None = None) -> pd.Series:
    rows = results[results["expectation_type"] == expectation_type]
    if column is not None:
        rows = rows[rows["column_name"] == column]
    assert len(rows) == 1, f"{expectation_type} {column}: {len(rows)} rows"
    return rows.iloc[0]


@pytest.fixture(scope="module")
def clean_results() -> pd.DataFrame:
    return runner.run_suites(default_definitions(), clean_frames())


@pytest.fixture(scope="module")
def corrupted_results() -> pd.DataFrame:
    definition = suites.enterprise_indicators_suite(INDUSTRIES, staged_enterprises=6)
    return runner.run_suite(definition, corrupt(clean_enterprise_indicators()))


# --- the suites as code ---------------------------------------------------------------------

def test_every_expectation_has_a_severity_and_a_reason() -> None:
    for definition in default_definitions():
        assert definition.suite.expectations, definition.name
        for expectation in definition.suite.expectations:
            assert runner._severity(expectation) in suites.SEVERITIES, expectation
            assert expectation.notes, f"{definition.name}: {expectation.expectation_type} has no notes"


def test_suites_check_columns_the_marts_have() -> None:
    mart_columns = {
        "enterprise_indicators": set(ENTERPRISE_COLUMNS + INDICATOR_COLUMNS + ["annual_sales", "is_in_default",
                                                                          "label_status", "default_next_12m"]),
        "loan_features": set(LOAN_COLUMNS + INDICATOR_COLUMNS + LABEL_COLUMNS + ["annual_sales"]),
        "source_reconciliation": {"source_table", "source_file", "raw_rows", "staged_rows", "duplicate_rows",
                                  "quarantined_rows", "is_reconciled", "quarantined_share", "duplicate_share"},
    }
    for definition in default_definitions():
        for expectation in definition.suite.expectations:
            kwargs = expectation.configuration.kwargs
            columns = [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B"),
                       *(kwargs.get("column_list") or [])]
            for column in filter(None, columns):
                assert column in mart_columns[definition.name], f"{definition.name}: unknown column {column}"


def test_builders_take_parameters() -> None:
    definition = suites.enterprise_indicators_suite(["trade"], staged_enterprises=42, label_base_rate=(0.1, 0.2))
    by_type = {e.expectation_type: e for e in definition.suite.expectations}
    assert by_type["expect_column_unique_value_count_to_be_between"].min_value == 42
    means = {e.column: e for e in definition.suite.expectations if e.expectation_type == "expect_column_mean_to_be_between"}
    assert means["has_defaulted"].max_value == 0.2
    assert (means["default_next_12m"].min_value, means["default_next_12m"].max_value) == suites.FORWARD_DEFAULT_RATE_BAND
    industry = [e for e in definition.suite.expectations
                if e.expectation_type == "expect_column_values_to_be_in_set" and e.column == "industry"]
    assert industry[0].value_set == ["trade"]
    # Without a staged count, the consistency expectation is left out rather than guessed.
    assert not any(e.expectation_type == "expect_table_row_count_to_equal"
                   for e in suites.loan_features_suite(INDUSTRIES).suite.expectations)



def _accepted_label_statuses(yml: str, model: str) -> list[str]:
    """The accepted_values of label_status in a mart's dbt YAML."""
    doc = yaml.safe_load((project.PROJECT_DIR / "models" / "marts" / "indicators" / yml).read_text())
    column = next(c for m in doc["models"] if m["name"] == model for c in m["columns"] if c["name"] == "label_status")
    return next(t["accepted_values"]["arguments"]["values"] for t in column["data_tests"]
                if isinstance(t, dict) and "accepted_values" in t)


def test_label_status_sets_are_each_marts_own() -> None:
    """Each suite checks label_status against its own mart's states: the loan suite once used the
    enterprise panel's set, so a loan disbursed in the last month (no report yet: no_performance_data,
    the monthly-update case) stopped the gate."""
    yml = {"enterprise_indicators": "_enterprise_indicators.yml", "loan_features": "_loan_features.yml"}
    for definition in (d for d in default_definitions() if d.name in yml):
        (in_set,) = [e for e in definition.suite.expectations
                     if e.expectation_type == "expect_column_values_to_be_in_set" and e.column == "label_status"]
        assert sorted(in_set.value_set) == sorted(_accepted_label_statuses(yml[definition.name], definition.name))
    frame = clean_loan_features().assign(label_status=lambda f: f["label_status"].where(f.index < 4, "no_performance_data"))
    runner.check_gate(runner.run_suite(suites.loan_features_suite(INDUSTRIES, staged_loans=5), frame))

# --- clean data passes ----------------------------------------------------------------------

def test_clean_marts_pass_the_gate(clean_results: pd.DataFrame) -> None:
    runner.check_gate(clean_results)  # does not raise
    failed = clean_results[~clean_results["success"]]
    assert failed.empty, failed[["suite", "expectation_type", "column_name", "observed_value"]].to_string()


def test_results_have_one_row_per_expectation(clean_results: pd.DataFrame) -> None:
    assert list(clean_results.columns) == RESULT_COLUMNS
    expected = {d.name: len(d.suite.expectations) for d in default_definitions()}
    assert clean_results.groupby("suite").size().to_dict() == expected
    assert clean_results["run_id"].nunique() == 1 and clean_results["run_at"].nunique() == 1
    assert re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{8}", clean_results["run_id"].iloc[0])
    assert set(clean_results["severity"]) == {"critical", "warning"}
    element_counts = clean_results.groupby("suite")["element_count"].unique().map(list).to_dict()
    assert element_counts == {"source_reconciliation": [4], "enterprise_indicators": [6], "loan_features": [5]}
    for kwargs in clean_results["kwargs"]:
        assert "batch_id" not in json.loads(kwargs)
    table = runner.results_to_arrow(clean_results)
    assert table.schema.equals(runner.RESULTS_SCHEMA)


# --- the corrupted mart fails, with the expected message ------------------------------------

def test_corrupted_mart_fails_the_gate(corrupted_results: pd.DataFrame) -> None:
    with pytest.raises(GateFailure) as raised:
        runner.check_gate(corrupted_results)
    message = str(raised.value)
    assert "3 critical expectation(s) failed in suite(s) enterprise_indicators" in message
    assert ("suite 'enterprise_indicators', expectation expect_column_values_to_be_between, column net_sales: "
            "1 of 7 rows unexpected") in message
    assert "[-500.0]" in message
    assert ("suite 'enterprise_indicators', expectation expect_compound_columns_to_be_unique, "
            "column enterprise_id, as_of_date: 2 of 7 rows unexpected") in message
    assert ("suite 'enterprise_indicators', expectation expect_column_values_to_be_in_set, column credit_rating: "
            "1 of 7 rows unexpected") in message
    assert '["Z"]' in message
    failures = raised.value.failures
    assert sorted(failures["column_name"]) == ["credit_rating", "enterprise_id, as_of_date", "net_sales"]
    assert raised.value.run_id == corrupted_results["run_id"].iloc[0]


def test_corrupted_result_rows_are_correct(corrupted_results: pd.DataFrame) -> None:
    row = _row(corrupted_results, "expect_column_values_to_be_between", "net_sales")
    assert row["severity"] == "critical" and not row["success"]
    assert row["unexpected_count"] == 1 and row["element_count"] == 7
    assert row["unexpected_percent"] == pytest.approx(100 / 7)
    assert json.loads(row["kwargs"]) == {"column": "net_sales", "min_value": 0.0, "mostly": 0.999}
    assert row["observed_value"] == "unexpected values (sample): [-500.0]"
    rating = _row(corrupted_results, "expect_column_values_to_be_in_set", "credit_rating")
    # Enterprises without a credit record (NULL rating) are not counted as unexpected.
    assert rating["unexpected_count"] == 1 and rating["unexpected_percent"] == pytest.approx(100 / 5)
    count = _row(corrupted_results, "expect_column_unique_value_count_to_be_between", "enterprise_id")
    assert count["success"] and count["observed_value"] == "6"


def test_missing_column_is_a_critical_failure() -> None:
    definition = suites.enterprise_indicators_suite(INDUSTRIES, staged_enterprises=6)
    results = runner.run_suite(definition, clean_enterprise_indicators().drop(columns=["net_sales"]))
    row = _row(results, "expect_column_values_to_be_between", "net_sales")
    assert not row["success"] and row["observed_value"].startswith("error:")
    with pytest.raises(GateFailure, match="column net_sales"):
        runner.check_gate(results)


def test_staged_count_mismatch_is_critical() -> None:
    definition = suites.enterprise_indicators_suite(INDUSTRIES, staged_enterprises=7)
    results = runner.run_suite(definition, clean_enterprise_indicators())
    with pytest.raises(GateFailure, match="expect_column_unique_value_count_to_be_between, column enterprise_id"):
        runner.check_gate(results)


# --- warnings are recorded, not raised ------------------------------------------------------

def test_warning_only_failures_do_not_stop_the_gate() -> None:
    frame = clean_enterprise_indicators()
    frame["sales_tax_rate"] = 0.5  # implausible VAT rate: warning
    frame["has_defaulted"] = [True, True, True, True, None, None]  # base rate 1.0: warning
    results = runner.run_suite(suites.enterprise_indicators_suite(INDUSTRIES, 6), frame)
    runner.check_gate(results)  # does not raise
    failed = results[~results["success"]]
    assert set(failed["severity"]) == {"warning"}
    assert set(failed["column_name"]) == {"sales_tax_rate", "has_defaulted"}
    assert _row(results, "expect_column_mean_to_be_between", "has_defaulted")["observed_value"] == "1"
    assert runner.gate_failure(results) is None


def test_mostly_tolerates_noise() -> None:
    # x01_current_ratio: warning with mostly=0.99, judged on the non-NULL values only.
    small = clean_enterprise_indicators(60)
    small.loc[0, "x01_current_ratio"] = 5000.0  # 1 of 59 statements: 1.7 % > 1 %
    results = runner.run_suite(suites.enterprise_indicators_suite(INDUSTRIES, 60), small)
    assert not _row(results, "expect_column_values_to_be_between", "x01_current_ratio")["success"]
    big = clean_enterprise_indicators(200)
    big.loc[0, "x01_current_ratio"] = 5000.0  # 1 of 199 statements: 0.5 %
    results = runner.run_suite(suites.enterprise_indicators_suite(INDUSTRIES, 200), big)
    row = _row(results, "expect_column_values_to_be_between", "x01_current_ratio")
    assert row["success"] and row["unexpected_count"] == 1


# --- empty loan_features (real data without loans) ------------------------------------------

def test_empty_loan_features_is_skipped_with_a_note() -> None:
    empty = clean_loan_features().iloc[0:0]
    results = runner.run_suite(suites.loan_features_suite(INDUSTRIES, staged_loans=0), empty)
    runner.check_gate(results)
    assert list(results["expectation_type"]) == ["expect_table_row_count_to_equal", runner.SKIPPED_EMPTY]
    note = results.iloc[1]
    assert note["success"] and note["severity"] == "warning" and "no rows" in note["observed_value"]
    assert json.loads(note["kwargs"])["skipped_expectations"] == len(
        suites.loan_features_suite(INDUSTRIES, 0).suite.expectations) - 1


def test_empty_loan_features_with_staged_loans_fails() -> None:
    empty = clean_loan_features().iloc[0:0]
    results = runner.run_suite(suites.loan_features_suite(INDUSTRIES, staged_loans=5), empty)
    with pytest.raises(GateFailure, match="expect_table_row_count_to_equal, column \\(table\\)"):
        runner.check_gate(results)


def test_loan_feature_corruptions() -> None:
    frame = clean_loan_features()
    frame.loc[0, "amount"] = 0.0
    frame.loc[1, "disbursement_date"] = dt.date(2019, 1, 1)  # before application
    frame.loc[2, "label_status"] = "cured"
    frame.loc[3, "loan_id"] = "L1"
    results = runner.run_suite(suites.loan_features_suite(INDUSTRIES, staged_loans=5), frame)
    failure = runner.gate_failure(results)
    assert failure is not None
    assert set(failure.failures["column_name"]) == {"amount", "disbursement_date, application_date",
                                                    "label_status", "loan_id"}


# --- raw-to-staging counts ------------------------------------------------------------------

def test_unreconciled_file_is_critical_and_quarantine_share_a_warning() -> None:
    frame = clean_source_reconciliation()
    frame.loc[3, "quarantined_rows"] = 2  # 40 % of loans.csv quarantined: warning
    frame.loc[3, "staged_rows"] = 3
    results = runner.run_suite(suites.source_reconciliation_suite(), frame)
    runner.check_gate(results)
    assert not _row(results, "expect_column_values_to_be_between", "quarantined_share")["success"]
    frame.loc[1, "is_reconciled"] = False
    with pytest.raises(GateFailure, match="column is_reconciled: 1 of 4 rows unexpected"):
        runner.check_gate(runner.run_suite(suites.source_reconciliation_suite(), frame))


def test_a_suite_that_cannot_run_is_a_critical_row() -> None:
    results = runner.run_suites(default_definitions(), {"source_reconciliation": clean_source_reconciliation()})
    errors = results[results["expectation_type"] == runner.VALIDATION_ERROR]
    assert sorted(errors["suite"]) == ["enterprise_indicators", "loan_features"]
    assert (errors["severity"] == "critical").all() and not errors["success"].any()
    with pytest.raises(GateFailure, match="validation_error"):
        runner.check_gate(results, ["enterprise_indicators"])
    runner.check_gate(results, ["source_reconciliation"])  # that suite ran and passed


# --- Data Docs ------------------------------------------------------------------------------

def test_data_docs_are_built(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    frames = {"source_reconciliation": clean_source_reconciliation()}
    runner.run_suites([suites.source_reconciliation_suite()], frames, data_docs_dir=docs)
    index = (docs / "index.html").read_text()
    assert "source_reconciliation" in index
    assert list((docs / "validations").rglob("*.html"))
    assert (docs / ".gitignore").exists()
    # A rebuild adds its run: the site keeps the history (the last data_docs.RUNS_KEPT runs).
    second = runner.run_suites([suites.source_reconciliation_suite()], frames, data_docs_dir=docs)
    pages = sorted((docs / "validations").rglob("*.html"))
    assert len(pages) == 2
    index = (docs / "index.html").read_text()
    assert second["run_id"].iloc[0] in index and pages[0].parts[-3] in index
    # every page shows each expectation's severity, and nothing loads from the network
    page = pages[-1].read_text()
    assert "Expectations by severity" in page and page.count("<td>critical</td>") >= 1
    assert "Severity: critical." in (docs / "expectations" / "source_reconciliation.html").read_text()
    assert data_docs.make_offline(docs) == []
    assert (docs / data_docs.VENDOR / "js" / "jquery.min.js").exists()
    data_docs.prune_history(docs, keep=1)
    assert len(list((docs / "validations").rglob("*.html"))) == 1


def test_default_data_docs_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SME_CREDIT_DATA_DOCS_DIR", raising=False)
    monkeypatch.delenv("SME_CREDIT_DB", raising=False)
    assert runner.default_data_docs_dir() == project.PROJECT_DIR / "reports" / "data_docs" / "sme_credit"
    monkeypatch.setenv("SME_CREDIT_DB", str(tmp_path / "cumcm2020c.duckdb"))  # one site per warehouse
    assert runner.default_data_docs_dir() == project.PROJECT_DIR / "reports" / "data_docs" / "cumcm2020c"
    monkeypatch.setenv("SME_CREDIT_DATA_DOCS_DIR", str(tmp_path))
    assert runner.default_data_docs_dir() == tmp_path


# --- the gate over recorded results (DuckDB relations) --------------------------------------

def _history(con: duckdb.DuckDBPyConnection, *runs: pd.DataFrame) -> duckdb.DuckDBPyRelation:
    con.execute("drop table if exists dq_validation_results")
    for i, run in enumerate(runs):
        arrow = runner.results_to_arrow(run)
        con.register("run_rows", arrow)
        con.execute(("insert into dq_validation_results" if i else "create table dq_validation_results as")
                    + " select * from run_rows")
        con.unregister("run_rows")
    return con.table("dq_validation_results")


def test_gate_reads_only_the_latest_run(clean_results: pd.DataFrame, corrupted_results: pd.DataFrame) -> None:
    con = duckdb.connect()
    mart = con.from_arrow(pa.Table.from_pandas(clean_enterprise_indicators()))
    older = corrupted_results.assign(run_at=pd.Timestamp("2020-01-01"))
    gate.enforce_gate(_history(con, older, clean_results), mart, "enterprise_indicators")  # latest is clean
    # A later run whose reconciliation passed but whose enterprise_indicators are corrupted.
    later = pd.concat([clean_results[clean_results["suite"] == "source_reconciliation"], corrupted_results])
    later = later.assign(run_id="later", run_at=clean_results["run_at"].iloc[0] + pd.Timedelta(seconds=1))
    with pytest.raises(GateFailure, match="column net_sales"):
        gate.enforce_gate(_history(con, clean_results, later), mart, "enterprise_indicators")


def test_gate_refuses_missing_or_stale_results(clean_results: pd.DataFrame) -> None:
    con = duckdb.connect()
    mart = con.from_arrow(pa.Table.from_pandas(clean_enterprise_indicators(7)))
    with pytest.raises(GateFailure, match="validated 6 rows but the mart now has 7"):
        gate.enforce_gate(_history(con, clean_results), mart, "enterprise_indicators")
    only_loans = clean_results[clean_results["suite"] == "loan_features"]
    with pytest.raises(GateFailure, match="no validation results for suite\\(s\\) source_reconciliation, "
                                          "enterprise_indicators"):
        gate.enforce_gate(_history(con, only_loans), mart, "enterprise_indicators")
