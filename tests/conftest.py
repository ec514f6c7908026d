"""Shared fixtures: build a warehouse from raw files written by a test, with the real dbt project."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest

from sme_credit import project

REPO = project.PROJECT_DIR
CUMCM_DIR = REPO.parent / "shared" / "data" / "cumcm2020c"


def write_raw(raw_dir: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write raw-contract CSV files (all text, as a bank's export would be)."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.astype("string").to_csv(raw_dir / f"{name}.csv", index=False)
    return raw_dir


def build_warehouse(raw_dir: Path, db_path: Path, *dbt_args: str) -> None:
    """Run `dbt build` (or the given dbt command) on raw_dir into db_path; fail the test on error."""
    args = list(dbt_args) or ["build"]
    code = project.run_dbt([*args, "--quiet"], raw_dir, db_path)
    assert code == 0, f"dbt {' '.join(args)} failed on {raw_dir} (exit {code})"


def query(db_path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(sql).to_arrow_table().to_pandas()


@pytest.fixture(scope="session")
def cumcm_dir() -> Path:
    if not CUMCM_DIR.exists():
        pytest.skip(f"real CUMCM 2020 C data not found at {CUMCM_DIR}")
    return CUMCM_DIR


DEMO_ENTERPRISES = 1000  # the size `make build` uses: enough defaults for the PD and oracle checks
DEMO_SEED = 42


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> SimpleNamespace:
    """`sme-credit generate` + `sme-credit build` run as a user would: raw dir, warehouse, build output."""
    root = tmp_path_factory.mktemp("demo")
    raw, db = root / "raw", root / "demo.duckdb"
    cmd = [sys.executable, "-m", "sme_credit.cli"]
    subprocess.run([*cmd, "generate", "--enterprises", str(DEMO_ENTERPRISES), "--seed", str(DEMO_SEED),
                    "--out", str(raw)], check=True, capture_output=True)
    result = subprocess.run([*cmd, "build", "--raw-dir", str(raw), "--db", str(db)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return SimpleNamespace(raw=raw, db=db, stdout=result.stdout)
