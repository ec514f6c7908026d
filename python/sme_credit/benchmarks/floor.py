"""The bench's floor: floor.sql, one hand-written DuckDB script from the raw files to the invoice
columns of marts.enterprise_indicators, with the build's plausibility settings (dbt_project.yml)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from string import Template

import duckdb
import yaml

from sme_credit import project

SCRIPT = Path(__file__).with_name("floor.sql")


def build_vars() -> dict:
    """The vars of dbt_project.yml that the floor's rules use (the bench builds with the defaults)."""
    return yaml.safe_load((project.PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def render(raw_dir: Path, out: Path, threads: int, memory_limit: str) -> str:
    v = build_vars()
    return Template(SCRIPT.read_text()).substitute(
        raw_dir=Path(raw_dir).resolve(), out=Path(out).resolve(), threads=threads, memory_limit=memory_limit,
        earliest=v["earliest_plausible_date"],
        cutoff=v["data_cutoff_date"] or datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        max_abs_amount=float(v["max_abs_amount"]), total_tolerance=v["invoice_total_tolerance"],
        min_share=v["data_month_min_share"], step_months=v["panel_step_months"],
    )


def run_floor(raw_dir: Path, out: Path, threads: int, memory_limit: str, temp_dir: Path) -> dict:
    con = duckdb.connect()
    con.execute(f"set temp_directory = '{temp_dir}'")
    con.execute(render(raw_dir, out, threads, memory_limit))
    rows = con.execute(f"select count(*) from read_parquet('{out}')").fetchone()[0]
    return {"rows": rows}
