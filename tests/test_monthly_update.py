"""The monthly update (issue 15): a warehouse built on months 1..N gets month N+1's invoices and loan
reports as new part files and is rebuilt. The demo data (the session's demo_warehouse raw files)
are split at their last month, 2021-12: build 1 reads 2016-01..2021-11; then December arrives, first
with a corrupt extra file (a failed build), then clean (build 2). Build 2 reads exactly the demo
files, so its point-in-time panel must equal demo_warehouse's, built from scratch."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest

from conftest import query
from sme_credit import project
from sme_credit.as_of_dates import AS_OF_TEST, marts_off_the_as_of_date
from sme_credit.serving.contract import load_manifest
from sme_credit.serving.publish import serving_paths

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "sme_credit.cli"]
NEW_MONTH = pd.Timestamp("2021-12-01")  # the demo data's last month, appended by the update
OLD_AS_OF, NEW_AS_OF = date(2021, 12, 1), date(2022, 1, 1)
# Two PD families and one CV pass keep the two builds fast; the update path is the same for seven.
FAST_PD = ["--", "--vars", "{pd_models: 'logistic,regularised_logistic', pd_cv_repeats: 1}"]
# Forward-looking columns of a panel row: December's reports and defaults legitimately close or
# fill its label window. Everything else at an old as-of date is history and must not move.
LABEL_COLUMNS = ["label_status", "default_next_12m", "is_label_window_closed", "is_latest"]
SNAPSHOT_MARTS = ["enterprise_pd", "pricing_tiers", "credit_allocation", "portfolio_summary", "scenario_allocation",
                  "scenario_summary", "pricing_schemes"]


def _before(frame: pd.DataFrame, column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    dated = pd.to_datetime(frame[column])
    return frame[dated < NEW_MONTH], frame[dated >= NEW_MONTH]


def split_demo_raw(full: Path, old: Path) -> dict[str, pd.DataFrame]:
    """Write months 1..N of the demo files to ``old`` (one part file per table folder); return
    month N+1's new rows and the full loans and default events (what December's delivery brings)."""
    (old / "invoices").mkdir(parents=True)
    (old / "loan_performance").mkdir()
    invoices = pd.concat([pd.read_parquet(p) for p in sorted((full / "invoices").glob("*.parquet"))], ignore_index=True)
    old_invoices, new_invoices = _before(invoices, "issue_date")
    old_invoices.to_parquet(old / "invoices" / "2016-01_2021-11.parquet", index=False)
    old_reports, new_reports = _before(pd.read_parquet(full / "loan_performance.parquet"), "month")
    old_reports.to_parquet(old / "loan_performance" / "2017-01_2021-11.parquet", index=False)
    loans, events = pd.read_parquet(full / "loans.parquet"), pd.read_parquet(full / "default_events.parquet")
    _before(loans, "application_date")[0].to_parquet(old / "loans.parquet", index=False)
    _before(events, "default_date")[0].to_parquet(old / "default_events.parquet", index=False)
    for table in ("enterprises", "financial_statements"):
        shutil.copy(full / f"{table}.parquet", old / f"{table}.parquet")
    return {"invoices": new_invoices, "loan_performance": new_reports, "loans": loans, "default_events": events}


def _build(raw: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "build", "--raw-dir", str(raw), "--db", str(db), *FAST_PD],
                          capture_output=True, text=True)


def _serving_state(db: Path) -> dict:
    paths = serving_paths(db)
    with duckdb.connect(str(paths.db), read_only=True) as con:
        as_of = con.execute("select distinct as_of_date from enterprise_pd").fetchall()
    return {"sha256": hashlib.sha256(paths.db.read_bytes()).hexdigest(), "parquet": paths.parquet_dir.resolve(),
            "log": paths.log.read_text(), "as_of": [d for (d,) in as_of]}


@pytest.fixture(scope="module")
def update(demo_warehouse, tmp_path_factory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("monthly")
    raw, db = root / "raw", root / "wh.duckdb"
    december = split_demo_raw(demo_warehouse.raw, raw)
    first = _build(raw, db)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    panel_before = query(db, "select * from marts.enterprise_indicators")
    serving_before = _serving_state(db)
    # December arrives as new part files; loans and default events are redelivered whole.
    december["invoices"].to_parquet(raw / "invoices" / "2021-12.parquet", index=False)
    december["loan_performance"].to_parquet(raw / "loan_performance" / "2021-12.parquet", index=False)
    for table in ("loans", "default_events"):
        december[table].to_parquet(raw / f"{table}.parquet", index=False)
    corrupt = raw / "invoices" / "2021-12-late.parquet"  # a required column missing: the build must stop
    december["invoices"].head(3).drop(columns="amount").to_parquet(corrupt, index=False)
    failed = _build(raw, db)
    serving_after_failure = _serving_state(db)
    corrupt.unlink()
    second = _build(raw, db)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    return SimpleNamespace(raw=raw, db=db, december=december, panel_before=panel_before, failed=failed,
                           serving_before=serving_before, serving_after_failure=serving_after_failure,
                           serving_after=_serving_state(db), second=second)


def test_every_mart_moves_to_the_new_as_of_date(update):
    calendar = query(update.db, "select final_as_of_date, last_reported_month from intermediate.int_data_calendar")
    assert calendar.iloc[0].tolist() == [NEW_AS_OF, OLD_AS_OF]  # one month later; December's reports count
    for mart in SNAPSHOT_MARTS:
        dates = query(update.db, f"select distinct as_of_date from marts.{mart}")["as_of_date"]
        assert dates.tolist() == [NEW_AS_OF], mart
    latest = query(update.db, "select max(as_of_date) as d from marts.enterprise_indicators")["d"][0]
    assert latest == NEW_AS_OF and AS_OF_TEST in update.second.stdout  # the singular test ran and passed
    assert marts_off_the_as_of_date(update.db, load_manifest(project.PROJECT_DIR / "target")).empty


def test_the_new_part_files_reconcile(update):
    recon = query(update.db, "select * from marts.source_reconciliation").set_index("source_file")
    for table in ("invoices", "loan_performance"):
        row = recon.loc[f"{table}/2021-12.parquet"]
        assert row["raw_rows"] == len(update.december[table]) > 0 and row["is_reconciled"], row
    assert recon["is_reconciled"].all()


def test_old_as_of_rows_keep_their_history(update):
    """Point in time: the rows at the old as-of dates are what the one-month-earlier build said."""
    key = ["enterprise_id", "as_of_date"]
    before = update.panel_before.drop(columns=LABEL_COLUMNS).sort_values(key, ignore_index=True)
    after = query(update.db, f"select * from marts.enterprise_indicators where as_of_date <= date '{OLD_AS_OF}'")
    after = after.drop(columns=LABEL_COLUMNS).sort_values(key, ignore_index=True)[before.columns]
    pd.testing.assert_frame_equal(after, before, check_exact=False, rtol=1e-9)


def test_the_update_equals_a_build_from_scratch(update, demo_warehouse):
    """Build 2 read the same rows as demo_warehouse in other files: the same point-in-time panel."""
    key = ["enterprise_id", "as_of_date"]
    updated = query(update.db, "select * from marts.enterprise_indicators").sort_values(key, ignore_index=True)
    scratch = query(demo_warehouse.db, "select * from marts.enterprise_indicators").sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(updated, scratch[updated.columns], check_exact=False, rtol=1e-9)


def test_a_failed_build_leaves_the_last_publication(update):
    assert update.failed.returncode != 0
    assert "2021-12-late.parquet" in update.failed.stdout + update.failed.stderr
    assert update.serving_after_failure == update.serving_before
    assert update.serving_before["as_of"] == [OLD_AS_OF] and update.serving_after["as_of"] == [NEW_AS_OF]


def test_marts_of_two_as_of_dates_are_caught(update, tmp_path):
    """What a build that stops after pricing_tiers leaves: credit_allocation still at the old month."""
    mixed = tmp_path / "mixed.duckdb"
    shutil.copy(update.db, mixed)
    with duckdb.connect(str(mixed)) as con:
        con.execute(f"update marts.credit_allocation set as_of_date = date '{OLD_AS_OF}'")
    rows = marts_off_the_as_of_date(mixed, load_manifest(project.PROJECT_DIR / "target"))
    assert rows["mart"].tolist() == ["credit_allocation"] and pd.to_datetime(rows["as_of_date"]).dt.date.tolist() == [OLD_AS_OF]
    assert project.run_dbt(["test", "--select", AS_OF_TEST, "--quiet"], update.raw, mixed) != 0
