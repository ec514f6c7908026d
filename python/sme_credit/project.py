"""Where the dbt project, the warehouse and the data live, and how dbt is run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# python/sme_credit/project.py → repository root (the package is installed editable).
PROJECT_DIR = Path(os.environ.get("SME_CREDIT_PROJECT_DIR", Path(__file__).resolve().parents[2]))
DEFAULT_DB = PROJECT_DIR / "warehouse" / "sme_credit.duckdb"
DEFAULT_RAW_DIR = PROJECT_DIR / "data" / "demo"


def dbt_env(raw_dir: Path, db_path: Path) -> dict[str, str]:
    """Environment for a dbt subprocess: absolute paths (the raw views store them) and no telemetry."""
    env = dict(os.environ)
    env.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        # a test runs only when all its parents are selected: a relationship test from a PD mart to
        # staging must not run in `--select +enterprise_indicators` before the PD mart exists
        DBT_INDIRECT_SELECTION="buildable",
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        SME_CREDIT_RAW_DIR=str(Path(raw_dir).resolve()),
        SME_CREDIT_DB=str(Path(db_path).resolve()),
    )
    # OpenMP on one thread in the dbt process and the CV worker processes it starts: histogram
    # gradient boosting sums in thread order, and a rebuild must give the same models. The CV
    # folds run in parallel processes, so this costs little.
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def run_dbt(args: list[str], raw_dir: Path, db_path: Path) -> int:
    """Run a dbt command in the project directory; returns dbt's exit code (2 when a raw file
    can't be transcoded to UTF-8 as its table's _format.yml encoding says)."""
    from sme_credit.onboarding.raw_format import RawFormatError, prepare_utf8_copies

    db = Path(db_path).resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    env = dbt_env(raw_dir, db_path)
    try:
        # non-UTF-8 CSV files (README "Raw file format") are read by dbt from UTF-8 copies beside the warehouse
        utf8_dir = prepare_utf8_copies(Path(raw_dir), db.parent / f".{db.stem}.raw_utf8")
    except RawFormatError as err:
        print(f"ERROR {err}", file=sys.stderr)
        return 2
    if utf8_dir is not None:
        env["SME_CREDIT_RAW_UTF8_DIR"] = str(utf8_dir)
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt) if dbt.exists() else "dbt", *args, "--project-dir", str(PROJECT_DIR)]
    return subprocess.call(cmd, cwd=PROJECT_DIR, env=env)
