"""Every command-line form README.md documents, run as written (small data, narrow selections)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import query
from sme_credit import project
from sme_credit.serving.publish import serving_paths

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "sme_credit.cli"]
README = (project.PROJECT_DIR / "README.md").read_text()


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("SME_CREDIT_DB", "SME_CREDIT_RAW_DIR")}
    result = subprocess.run(args, capture_output=True, text=True, cwd=project.PROJECT_DIR, env={**base, **env})
    assert result.returncode == 0, " ".join(args) + "\n" + result.stdout[-3000:] + result.stderr[-3000:]
    return result


def documented(form: str) -> str:
    assert form in README, f"README no longer documents {form!r}: update this test"
    return form


def test_documented_forms_work_as_written(tmp_path: Path):
    from test_ingest_cumcm import write_csv_layout

    raw, db = tmp_path / "raw", tmp_path / "w.duckdb"
    documented("sme-credit generate --enterprises N --seed S --out DIR")
    run([*CLI, "generate", "--enterprises", "100", "--seed", "7", "--out", str(raw)])

    documented("-- --select +enterprise_indicators")
    run([*CLI, "build", "--raw-dir", str(raw), "--db", str(db), "--", "--select", "+enterprise_indicators",
         "+loan_features"])
    documented("-- --full-refresh")
    documented("-- --vars '{pd_cv_repeats: 2}'")
    # the warehouse and raw directory from the environment this time
    vars_run = run([*CLI, "build", "--data", "dir", "--", "--full-refresh", "--vars", "{pd_cv_repeats: 2}",
                    "--select", "stg_enterprises"], SME_CREDIT_DB=str(db), SME_CREDIT_RAW_DIR=str(raw))
    assert f"raw files {raw.resolve()} → warehouse {db.resolve()}" in vars_run.stdout

    documented("sme-credit dbt -- show --select enterprise_indicators --limit 10")
    shown = run([*CLI, "dbt", "--db", str(db), "--", "show", "--select", "enterprise_indicators", "--limit", "10"])
    assert "enterprise_id" in shown.stdout
    documented("""--inline "select * from {{ ref('loan_features') }} where is_default = 1\"""")
    run([*CLI, "dbt", "--db", str(db), "--", "show", "--inline",
         "select * from {{ ref('loan_features') }} where is_default = 1"])
    documented("sme-credit dbt --db warehouse/cumcm2020c.duckdb -- docs generate")
    run([*CLI, "dbt", "--db", str(db), "--", "docs", "generate"])
    assert query(db, "select raw_dir from raw.raw_registration")["raw_dir"][0] == str(raw.resolve())

    documented("DBT_INDIRECT_SELECTION=buildable SME_CREDIT_RAW_DIR=$PWD/data/demo SME_CREDIT_DB=$PWD/warehouse/sme_credit.duckdb")
    dbt = Path(sys.executable).with_name("dbt")
    run([str(dbt), "build", "--select", "stg_enterprises"], DBT_PROFILES_DIR=str(project.PROJECT_DIR),
        DBT_SEND_ANONYMOUS_USAGE_STATS="False", DBT_INDIRECT_SELECTION="buildable",
        SME_CREDIT_RAW_DIR=str(raw), SME_CREDIT_DB=str(db))

    # the Makefile's `make build` form, on a narrow selection
    run([*CLI, "build", "--data", "demo", "--enterprises", "50", "--seed", "3", "--raw-dir", str(tmp_path / "demo"),
         "--db", str(tmp_path / "demo.duckdb"), "--", "--select", "+stg_enterprises"])
    assert query(tmp_path / "demo.duckdb", "select count(*) as n from staging.stg_enterprises")["n"][0] == 50

    documented("sme-credit ingest cumcm DIR --out OUT")
    src = write_csv_layout(tmp_path / "cumcm_src")
    run([*CLI, "ingest", "cumcm", str(src), "--out", str(tmp_path / "cumcm_raw")])
    documented("sme-credit build --data cumcm [SRC_DIR]")
    cumcm_db = tmp_path / "cumcm.duckdb"
    run([*CLI, "build", "--data", "cumcm", str(src), "--raw-dir", str(tmp_path / "cumcm_raw2"), "--db", str(cumcm_db),
         "--", "--select", "+stg_invoices"])
    assert query(cumcm_db, "select count(*) as n from staging.stg_enterprises")["n"][0] > 0


def test_documented_report_forms(demo_warehouse, tmp_path: Path):
    documented("sme-credit report --html [--serving FILE] [--site-dir DIR]")
    run([*CLI, "report", "--html", "--serving", str(serving_paths(demo_warehouse.db).db),
         "--site-dir", str(tmp_path / "site")])
    assert (tmp_path / "site" / "index.html").exists()
    documented("sme-credit report [--db FILE] [--out FILE]")
    run([*CLI, "report", "--db", str(demo_warehouse.db), "--out", str(tmp_path / "results.md")])
    assert (tmp_path / "results.md").read_text().strip()
