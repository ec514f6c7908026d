"""Whether the marts of a warehouse agree on one as-of date, asked after a failed build.

A failed `dbt build` skips only what depends on the failure, so a monthly update can stop after
enterprise_pd and pricing_tiers moved to the new month and leave credit_allocation and the
scenarios at the old one. The rule is the dbt singular test assert_marts_share_one_as_of_date; this
runs that test's SQL (its refs resolved from the dbt manifest) straight on the warehouse file, so it
works even when dbt itself can't start (a raw file that stops the on-run-start hook).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd

from sme_credit.warehouse import connect_read_only

AS_OF_TEST = "assert_marts_share_one_as_of_date"
_REF = re.compile(r"\{\{\s*ref\(\s*'([^']+)'\s*\)\s*\}\}")


def as_of_test_sql(manifest: dict) -> str | None:
    """The singular test's SQL with every ref as schema.table; None when the manifest lacks it."""
    nodes = manifest.get("nodes", {}).values()
    test = next((n for n in nodes if n.get("resource_type") == "test" and n.get("name") == AS_OF_TEST), None)
    if test is None:
        return None
    relations = {n["name"]: f'"{n["schema"]}"."{n.get("alias") or n["name"]}"'
                 for n in nodes if n.get("resource_type") in ("model", "seed")}
    try:
        return _REF.sub(lambda m: relations[m.group(1)], test["raw_code"])
    except KeyError:
        return None


def marts_off_the_as_of_date(db_path: str | Path, manifest: dict) -> pd.DataFrame | None:
    """The test's failing rows (mart, as_of_date, calendar_date, expected) on the warehouse as it is.

    Empty when every mart agrees; None when it can't be told (no warehouse, a mart never built).
    """
    sql = as_of_test_sql(manifest)
    if sql is None or not Path(db_path).exists():
        return None
    try:
        with connect_read_only(db_path) as con:
            return con.sql(sql).df()
    except duckdb.Error:  # a mart not built yet (a first build that failed)
        return None


def mixed_warehouse_warning(db_path: str | Path, manifest: dict) -> str | None:
    """The CLI's warning after a failed build when its marts now disagree on the as-of date."""
    rows = marts_off_the_as_of_date(db_path, manifest)
    if rows is None or rows.empty:
        return None
    expected = rows.groupby(["calendar_date", "expected"]).size().index
    calendar = ", ".join(f"{name} {pd.Timestamp(date):%Y-%m-%d}" for name, date in expected)
    marts = "; ".join(f"{mart} at {pd.Timestamp(date):%Y-%m-%d}" for mart, date in zip(rows["mart"], rows["as_of_date"]))
    return (f"WARNING: the build warehouse {Path(db_path).resolve()} is left mixed: the calendar is at {calendar}, "
            f"but {marts}. Do not read its marts directly until a build passes; the serving publication "
            f"(what BI reads) is the last good build's, untouched.")


def warn_if_mixed(db_path: str | Path, target_dir: Path, progress=print) -> None:
    """What `sme-credit build` runs after a failed dbt build (nothing is published then)."""
    path = Path(target_dir) / "manifest.json"
    if path.exists():  # no manifest: dbt stopped before parsing, so it built nothing
        warning = mixed_warehouse_warning(db_path, json.loads(path.read_text()))
        if warning:
            progress(warning)
