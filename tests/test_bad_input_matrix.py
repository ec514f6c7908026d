"""The bad-input matrix (README "Raw data contract", "Raw file format", "Plausibility rules"): every
corruption class, for every source, as CSV and Parquet, with its expected outcome, and proof that
nothing is silently wrong.

A 200-enterprise generated set is built clean, then with every row-level case of
tests/bad_input_cases.py added to one corrupt part file per table (one build per format; the cases'
keys never meet). Each case asserts its rows' quarantine reason (or, for an exact copy, that it was
collapsed), that raw = staged + duplicates + quarantined in its file, and that the marts equal the
clean build's. The raw sets are also laid out as a delivery would be (nested part folders, capital
extensions, header-only and empty parts): file-level cases. A wrong encoding, a missing column and
a header-only required table stop the build or fail `sme-credit check`: small builds and dry runs.
Only the staging, data-quality and indicator marts are built (`dbt run`: the pytest asserts are the checks).
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from bad_input_cases import CASES, CUTOFF, DATE_RULES, KEY, MARKER, RULE_NAMES, Clean
from bad_input_raw import CORRUPT, TABLES, clean_layout, normalise, read_clean, write_raw_set
from conftest import build_warehouse, query
from sme_credit.generate import generate

SELECT = ["--select", "+enterprise_indicators", "+loan_features", "+source_reconciliation", "+source_completeness"]
VARS = ["--vars", f"{{data_cutoff_date: '{CUTOFF}'}}"]
MARTS = {"marts.enterprise_indicators": "enterprise_id, as_of_date", "marts.loan_features": "loan_id",
         "intermediate.int_data_calendar": "final_as_of_date"}
FORMATS = ("csv", "parquet")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("matrix_generated")
    generate(out, n_enterprises=200, seed=42, n_invoices=50_000)  # 250 per enterprise: CSV builds stay fast
    return out


@pytest.fixture(scope="module")
def clean_tables(generated) -> dict[str, pd.DataFrame]:
    return read_clean(generated)


@pytest.fixture(scope="module")
def case_rows(clean_tables) -> dict[str, list[dict]]:
    """Each case's added rows, drawn once (both formats add the same rows)."""
    clean = Clean(clean_tables)
    return {case.id: case.rows(clean, i) for i, case in enumerate(CASES)}


@pytest.fixture(scope="module")
def clean_db(generated, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("matrix_clean") / "clean.duckdb"
    build_warehouse(generated, db, "run", *SELECT, *VARS)
    return db


def _frame(db: Path, table: str, order: str) -> pd.DataFrame:
    return query(db, f"select * from {table} order by {order}")


def _marts_difference(clean: Path, dirty: Path) -> str | None:
    """None when every mart and the calendar equal the clean build's, else what differs."""
    for table, order in MARTS.items():
        try:
            pd.testing.assert_frame_equal(_frame(dirty, table, order), _frame(clean, table, order))
        except AssertionError as err:
            return f"{table}: {err}"
    staged = {db: query(db, " union all ".join(f"select '{t}' as t, count(*) as n from staging.stg_{t}" for t in TABLES))
              for db in (clean, dirty)}
    if staged[clean].sort_values("t").n.tolist() != staged[dirty].sort_values("t").n.tolist():
        return f"staged rows differ: {staged}"
    return None


class Batch:
    """One corrupted build: its warehouse, the rows written per file, quarantine and reconciliation."""

    def __init__(self, root: Path, fmt: str, clean_tables, case_rows, clean_db: Path):
        self.fmt = fmt
        self.cases = [c for c in CASES if fmt in c.formats]
        bad: dict[str, list[dict]] = {}
        for case in self.cases:
            bad.setdefault(case.table, []).extend(case_rows[case.id])
        self.raw, self.db = root / "raw", root / "dirty.duckdb"
        self.written = write_raw_set(self.raw, clean_tables, bad, fmt)
        build_warehouse(self.raw, self.db, "run", *SELECT, *VARS)
        self.quarantine = query(self.db, "select * from marts.quarantine")
        self.quarantine["record"] = self.quarantine.raw_record.map(json.loads)
        self.recon = query(self.db, "select * from marts.source_reconciliation").set_index("source_file")
        self.difference = _marts_difference(clean_db, self.db)

    def quarantined(self, table: str, rows: list[dict]) -> pd.DataFrame:
        """Quarantined rows of `table` whose marker columns equal one of `rows`'."""
        markers = {tuple(normalise(r[m]) for m in MARKER[table]) for r in rows}
        q = self.quarantine[self.quarantine.source_table == table]
        hit = q.record.map(lambda rec: tuple(normalise(rec[m]) for m in MARKER[table]) in markers)
        return q[hit]

    def assert_file_reconciled(self, rel: str) -> None:
        row = self.recon.loc[rel]
        assert row.raw_rows == self.written[rel], (rel, row.raw_rows, self.written[rel])
        assert row.raw_rows == row.staged_rows + row.duplicate_rows + row.quarantined_rows and row.is_reconciled, row


@pytest.fixture(scope="module")
def batches(tmp_path_factory, clean_tables, case_rows, clean_db):
    built: dict[str, Batch] = {}

    def get(fmt: str) -> Batch:
        if fmt not in built:
            built[fmt] = Batch(tmp_path_factory.mktemp(f"matrix_{fmt}"), fmt, clean_tables, case_rows, clean_db)
        return built[fmt]
    return get


def _key_value(table: str, column: str, value):
    """A raw key value as staging holds it: numpy scalars as Python, a report month as its first day."""
    value = value.item() if hasattr(value, "item") else value
    return value.replace(day=1) if (table, column) == ("loan_performance", "month") else value


def _copies(db: Path, table: str, row: dict) -> int:
    where = " and ".join(f"{k} = ?" for k in KEY[table])
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute(f"select sum(source_row_count) from staging.stg_{table} where {where}",
                            [_key_value(table, k, row[k]) for k in KEY[table]]).fetchone()[0]
    return int(found or 0)


ROW_CASES = [pytest.param(case, fmt, id=f"{case.id}-{fmt}") for case in CASES for fmt in case.formats]


@pytest.mark.parametrize("case, fmt", ROW_CASES)
def test_row_case(case, fmt, batches, case_rows, clean_db):
    batch = batches(fmt)
    rows = case_rows[case.id]
    got = batch.quarantined(case.table, rows)
    expected = case.reason_for(fmt)
    if expected is None:  # an exact copy of a clean row: collapsed into it, not quarantined
        assert got.empty, got.quarantine_reason.tolist()
        assert _copies(batch.db, case.table, rows[0]) == _copies(clean_db, case.table, rows[0]) + 1
    else:
        assert len(got) == len(rows), (case.id, got.quarantine_reason.tolist())
        for reason in got.quarantine_reason:
            assert reason.startswith(expected), (reason, expected)
            if case.id in DATE_RULES:
                assert DATE_RULES[case.id] in reason and reason.endswith(RULE_NAMES[DATE_RULES[case.id]]), reason
        assert set(got.source_file) == {f"{case.table}/{CORRUPT}/part-00001.{fmt}"}
    batch.assert_file_reconciled(f"{case.table}/{CORRUPT}/part-00001.{fmt}")
    assert batch.difference is None, batch.difference


@pytest.mark.parametrize("fmt", FORMATS)
def test_nothing_else_is_quarantined_and_every_file_reconciles(fmt, batches, case_rows):
    batch = batches(fmt)
    expected = sum(len(case_rows[c.id]) for c in batch.cases if c.reason_for(fmt) is not None)
    assert len(batch.quarantine) == expected
    assert set(batch.recon.index) == set(batch.written)
    for rel in batch.written:
        batch.assert_file_reconciled(rel)


FILE_CASES = [pytest.param(table, fmt, kind, id=f"{kind}-{table}-{fmt}") for table in TABLES for fmt in FORMATS
              for kind in ("nested_parts", "header_only", "empty") if not (kind == "empty" and fmt == "parquet")]


@pytest.mark.parametrize("table, fmt, kind", FILE_CASES)
def test_file_case(table, fmt, kind, batches, clean_tables, clean_db):
    """Part files in nested folders with capital extensions are all read; a header-only or an empty
    (0-byte) part is listed with 0 rows; the staged rows and the marts are the clean build's."""
    batch = batches(fmt)
    if kind == "nested_parts":
        ext = {"csv": "CSV", "parquet": "Parquet"}[fmt]
        parts = list(clean_layout(table, clean_tables[table], ext))
        assert len(parts) >= 2 and all("/" in p for p in parts)
        for rel in parts:
            batch.assert_file_reconciled(rel)
        clean_count = query(clean_db, f"select count(*) as n from staging.stg_{table}").n[0]
        assert query(batch.db, f"select count(*) as n from staging.stg_{table}").n[0] == clean_count
    else:
        rel = f"{table}/{CORRUPT}/{kind}.{'csv' if kind == 'empty' else fmt}"
        batch.assert_file_reconciled(rel)
        assert batch.recon.loc[rel].raw_rows == 0
    assert batch.difference is None, batch.difference


def test_matrix_outcomes_by_class(capsys):
    """The matrix's size and outcome counts (printed for the report); at least 40 cases."""
    from test_bad_input_files import FILE_ERROR_CASES  # noqa: PLC0415 (the other half of the matrix)
    outcomes = Counter()
    for case in CASES:
        for fmt in case.formats:
            outcomes["quarantined" if case.reason_for(fmt) else "duplicate collapsed"] += 1
    outcomes["file read, 0 rows or all parts"] = len(FILE_CASES)
    for case in FILE_ERROR_CASES:
        outcomes[case.values[-1]] += 1
    with capsys.disabled():
        print("\nbad-input matrix:", sum(outcomes.values()), "cases:", dict(outcomes),
              "\nby class:", dict(Counter(c.cls for c in CASES)))
    assert sum(outcomes.values()) >= 40
