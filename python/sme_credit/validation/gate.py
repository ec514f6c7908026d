"""What the dbt gate models (models/validation/validated_*.py) do, without dbt.

A gate reads the latest run of dq_validation_results and raises GateFailure when that run has
a failed critical expectation in one of the suites the mart depends on. It does not import
Great Expectations: reading the recorded rows is enough, and keeps the gate fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from sme_credit.validation.runner import GateFailure, check_gate, empty_results, frame_from_relation

if TYPE_CHECKING:
    import duckdb

# Suites whose critical failures stop each gated mart: its own, and the raw-to-staging counts
# (a mart built from a staging layer that lost rows must not be modelled either).
GATED_SUITES: dict[str, tuple[str, ...]] = {
    "enterprise_indicators": ("source_reconciliation", "enterprise_indicators"),
    "loan_features": ("source_reconciliation", "loan_features"),
}


def latest_run(results: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """Rows of the most recent run recorded in a dq_validation_results relation."""
    latest = results.order("run_at desc, run_id desc").limit(1).select("run_id").fetchall()
    if not latest:
        return empty_results()
    run_id = str(latest[0][0]).replace("'", "''")
    return frame_from_relation(results.filter(f"run_id = '{run_id}'"))


def _row_count(relation: duckdb.DuckDBPyRelation) -> int:
    return int(relation.aggregate("count(*)").fetchall()[0][0])


def enforce_gate(results: duckdb.DuckDBPyRelation, mart: duckdb.DuckDBPyRelation, mart_name: str,
                 suites: Sequence[str] | None = None) -> None:
    """Raise GateFailure unless the latest validation run passed the mart's critical expectations.

    Also refuses results that cannot be about this mart: no rows for a required suite, or a
    validated row count different from the mart's (the mart was rebuilt without re-validating).
    """
    suites = tuple(suites or GATED_SUITES[mart_name])
    latest = latest_run(results)
    run = latest["run_id"].iloc[0] if len(latest) else "none"
    missing = [s for s in suites if s not in set(latest["suite"])]
    if missing:
        raise GateFailure(
            f"Data-quality gate failed for {mart_name}: no validation results for suite(s) "
            f"{', '.join(missing)} in the latest run ({run}). Build dq_validation_results first "
            f"(dbt build runs it before the gate).", run_id=None if run == "none" else run)
    check_gate(latest, suites)
    validated_rows = latest.loc[latest["suite"] == mart_name, "element_count"].max()
    mart_rows = _row_count(mart)
    if pd.notna(validated_rows) and int(validated_rows) != mart_rows:
        raise GateFailure(
            f"Data-quality gate failed for {mart_name}: suite {mart_name}, expectation (validated row count), "
            f"column (table): run {run} validated {int(validated_rows)} rows but the mart now has {mart_rows}; "
            f"rebuild dq_validation_results before the gate.", run_id=run)
