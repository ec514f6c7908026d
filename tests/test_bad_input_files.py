"""The bad-input matrix's file-level cases that stop a build (tests/test_bad_input_matrix.py has the
rest): a GBK file without an encoding setting, a file missing a contract column, a header-only
required table. Each has the documented outcome (README "Raw data contract", "Raw file format",
"Completeness"): `sme-credit check` names the problem in a dry run, and the build stops with an
error naming the file; nothing is built from the delivery. Small raw sets (10 enterprises).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from bad_input_raw import TABLES, read_clean
from sme_credit.generate import generate
from sme_credit.onboarding.check import check_raw_dir
from test_raw_files import _dbt

# a Chinese value a bank's export would hold in each table with text (a GBK file of ASCII text is UTF-8)
CHINESE = {"enterprises": ("region", "浙江"), "loans": ("has_negative_credit_info", "否"),
           "invoices": ("status", "有效发票"), "default_events": ("source", "法院公告")}
DROPPED = {"enterprises": "founded_on", "loans": "amount", "loan_performance": "days_past_due",
           "financial_statements": "total_assets", "invoices": "total", "default_events": "default_date"}
DRY, BUILD = "dry-run error", "build error"

FILE_ERROR_CASES = (
    [pytest.param("gbk", t, "csv", DRY, id=f"gbk-{t}-csv-check") for t in CHINESE]
    + [pytest.param("missing_column", t, f, DRY, id=f"missing_column-{t}-{f}-check") for t in TABLES for f in ("csv", "parquet")]
    + [pytest.param("header_only", t, f, DRY, id=f"header_only-{t}-{f}-check") for t in ("enterprises", "invoices")
       for f in ("csv", "parquet")]
    # check's twin of the staging rule: 89.6 days is a parse failure, not rounded to 90
    + [pytest.param("fractional", "loan_performance", "csv", DRY, id="fractional-loan_performance-csv-check")]
    + [pytest.param("gbk", "invoices", "csv", BUILD, id="gbk-invoices-csv-build"),
       pytest.param("missing_column", "loans", "csv", BUILD, id="missing_column-loans-csv-build"),
       pytest.param("missing_column", "loan_performance", "parquet", BUILD, id="missing_column-loan_performance-parquet-build"),
       pytest.param("header_only", "enterprises", "csv", BUILD, id="header_only-enterprises-csv-build"),
       pytest.param("header_only", "invoices", "parquet", BUILD, id="header_only-invoices-parquet-build")]
)


@pytest.fixture(scope="module")
def small_tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("files_generated")
    generate(out, n_enterprises=10, seed=42, n_invoices=3_000)
    return read_clean(out)


def _corrupt(tables: dict[str, pd.DataFrame], kind: str, table: str) -> dict[str, pd.DataFrame]:
    tables = {name: frame.copy() for name, frame in tables.items()}
    if kind == "gbk":
        column, text = CHINESE[table]
        tables[table][column] = text
    elif kind == "missing_column":
        tables[table] = tables[table].drop(columns=DROPPED[table])
    elif kind == "header_only":
        tables[table] = tables[table].iloc[:0]
    elif kind == "fractional":
        tables[table]["days_past_due"] = tables[table]["days_past_due"].astype("string").where(
            tables[table].index != tables[table].index[0], "89.6")
    return tables


def _write(raw: Path, tables: dict[str, pd.DataFrame], fmt: str, gbk: str | None, clean: dict[str, pd.DataFrame]) -> Path:
    raw.mkdir(parents=True)
    for name, frame in tables.items():
        if fmt == "csv":
            text = frame.astype("string").to_csv(index=False)
            (raw / f"{name}.csv").write_bytes(text.encode("gbk" if name == gbk else "utf-8"))
        else:
            # a header-only table keeps the clean file's column types
            schema = pa.Schema.from_pandas(clean[name], preserve_index=False) if frame.empty else None
            pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), raw / f"{name}.parquet")
    return raw


@pytest.mark.parametrize("kind, table, fmt, outcome", FILE_ERROR_CASES)
def test_file_error_case(kind, table, fmt, outcome, small_tables, tmp_path):
    raw = _write(tmp_path / "raw", _corrupt(small_tables, kind, table), fmt, table if kind == "gbk" else None,
                 small_tables)
    rel = f"{table}.{fmt}"
    if outcome == DRY:
        report = check_raw_dir(raw)
        file = next(f for f in report.files if f.file == rel)
        if kind == "gbk":
            assert file.error.startswith("byte ") and file.error.endswith("is not valid UTF-8"), file.error
            assert file.needs[0].startswith("the file is not UTF-8 (it decodes as")
            assert "gbk" in file.needs[0] and file.needs[0].endswith(f"set encoding for {table} in _format.yml")
        elif kind == "missing_column":
            assert file.missing_columns == [DROPPED[table]] and file.problems
        elif kind == "fractional":
            assert [(c.column, c.failures, c.examples) for c in file.failures] == [("days_past_due", 1, ["89.6"])]
        else:
            assert file.rows == 0 and f"{table}: required, but its files hold no rows" in report.table_problems
        assert report.problems
        return
    result = _dbt(raw, tmp_path / "w.duckdb", "run", "--select", "+source_completeness")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    if kind == "gbk":
        assert f"file = {raw / rel}" in output and "This file is not utf-8 encoded" in output, output[-3000:]
    elif kind == "missing_column":
        assert f"raw table '{table}': missing column(s): {rel} lacks {DROPPED[table]}." in output, output[-3000:]
    else:
        assert f"{table}: no usable rows at all in {rel}" in output, output[-3000:]
