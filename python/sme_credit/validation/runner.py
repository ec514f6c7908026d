"""Run expectation suites on DataFrames: tidy result rows, the gate's exception, Data Docs.

GX runs on pandas DataFrames only (its SQL data source over DuckDB silently returns empty
results): feed it ``frame_from_relation(relation)``. Great Expectations is imported inside the
functions that need it, so the gate (``GateFailure``, ``check_gate``) stays cheap to import.

Data Docs: ``run_suites(..., data_docs_dir=...)`` adds the run to a static HTML site of the
suites and results in that folder; the default is ``default_data_docs_dir()``:
``$SME_CREDIT_DATA_DOCS_DIR`` or ``<project>/reports/data_docs/<warehouse>/`` (open ``index.html``).
The site keeps the last runs, shows each expectation's severity and works offline
(``sme_credit.validation.data_docs``); the full history is the table ``dq_validation_results``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import uuid
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from sme_credit.validation import data_docs
from sme_credit.warehouse import frame_from_relation  # noqa: F401  (re-exported: models and gate use it)

if TYPE_CHECKING:
    import duckdb

    from sme_credit.validation.suites import SuiteDefinition

RESULT_COLUMNS = [
    "run_id", "run_at", "suite", "expectation_type", "column_name", "kwargs", "severity", "success",
    "observed_value", "unexpected_count", "unexpected_percent", "element_count",
]
# Fixed types, so that every appended run has the same columns even when a run has only NULLs.
RESULTS_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("run_at", pa.timestamp("us")), ("suite", pa.string()),
    ("expectation_type", pa.string()), ("column_name", pa.string()), ("kwargs", pa.string()),
    ("severity", pa.string()), ("success", pa.bool_()), ("observed_value", pa.string()),
    ("unexpected_count", pa.int64()), ("unexpected_percent", pa.float64()), ("element_count", pa.int64()),
])
_PANDAS_DTYPES = {
    "run_id": "string", "run_at": "datetime64[us]", "suite": "string", "expectation_type": "string",
    "column_name": "string", "kwargs": "string", "severity": "string", "success": "bool",
    "observed_value": "string", "unexpected_count": "Int64", "unexpected_percent": "Float64",
    "element_count": "Int64",
}
# Pseudo expectation types of rows that are not a GX result.
SKIPPED_EMPTY = "suite_skipped_empty_table"
VALIDATION_ERROR = "validation_error"
DATA_DOCS_SITE = "sme_credit"
_SAMPLE_SIZE = 5


def default_data_docs_dir() -> Path:
    """Where Data Docs are built: $SME_CREDIT_DATA_DOCS_DIR, else <project>/reports/data_docs/<warehouse>."""
    return data_docs.default_data_docs_dir()


def new_run() -> tuple[str, dt.datetime]:
    """A run id (sortable: UTC time + random suffix) and its time (UTC, without time zone:
    what BI tools read most easily)."""
    run_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return f"{run_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", run_at


def empty_results() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _PANDAS_DTYPES.items()})


def _as_results(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        return empty_results()
    return pd.DataFrame(rows, columns=RESULT_COLUMNS).astype(_PANDAS_DTYPES)


def results_to_arrow(results: pd.DataFrame) -> pa.Table:
    """Results with the fixed warehouse schema (what the dbt model returns)."""
    table = pa.Table.from_pandas(results[RESULT_COLUMNS], schema=RESULTS_SCHEMA, preserve_index=False)
    return table.replace_schema_metadata(None)


# --- running suites -------------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "value"):  # enums
        return value.value
    return str(value)


def _compact(value: Any) -> Any:
    """Floats to 6 significant digits (readable samples), recursively."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, tuple)):
        value = value.item()
    if isinstance(value, float):
        return value if math.isnan(value) or math.isinf(value) else float(f"{value:.6g}")
    if isinstance(value, (list, tuple)):
        return [_compact(v) for v in value]
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    return value


def _text(value: Any) -> str | None:
    """An observed value as text: numbers compactly, lists/dicts as JSON."""
    value = _compact(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    return str(value)


def _exception_message(exception_info: Any) -> str | None:
    """GX reports a failed metric (e.g. a missing column) as exception_info, not by raising."""
    if not isinstance(exception_info, dict):
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for info in infos:
        if isinstance(info, dict) and (info.get("raised_exception") or info.get("exception_message")):
            return str(info.get("exception_message") or "exception while computing the expectation")
    return None


def _observed(result: Any) -> str | None:
    error = _exception_message(result.exception_info)
    if error:
        return f"error: {error}"
    res = result.result or {}
    if "observed_value" in res:
        return _text(res["observed_value"])
    if res.get("unexpected_count"):
        counts = res.get("partial_unexpected_counts")
        sample = [c["value"] for c in counts] if counts else res.get("partial_unexpected_list") or []
        return "unexpected values (sample): " + _text(list(sample)[:_SAMPLE_SIZE])
    return None


def _column_name(kwargs: Mapping[str, Any]) -> str | None:
    if kwargs.get("column"):
        return str(kwargs["column"])
    columns = kwargs.get("column_list") or [kwargs[k] for k in ("column_A", "column_B") if kwargs.get(k)]
    return ", ".join(map(str, columns)) or None


def _kwargs_json(kwargs: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in kwargs.items() if k != "batch_id"}, sort_keys=True,
                      default=_json_default, ensure_ascii=False)


def _severity(expectation: Any) -> str:
    severity = getattr(expectation, "severity", "critical")
    return str(getattr(severity, "value", severity))


def _row(run_id: str, run_at: dt.datetime, suite: str, element_count: int, **values: Any) -> dict[str, Any]:
    return {"run_id": run_id, "run_at": run_at, "suite": suite, "element_count": element_count,
            "column_name": None, "observed_value": None, "unexpected_count": None,
            "unexpected_percent": None, **values}


def _result_rows(validation: Any, order: Mapping[str, int], run_id: str, run_at: dt.datetime,
                 suite: str, element_count: int) -> list[dict[str, Any]]:
    rows = []
    # GX returns results grouped by metric, not in suite order: restore the suite's order.
    results = sorted(validation.results, key=lambda r: order.get(r.expectation_config.id, len(order)))
    for result in results:
        config = result.expectation_config
        res = result.result or {}
        unexpected_percent = res.get("unexpected_percent")
        rows.append(_row(
            run_id, run_at, suite, element_count,
            expectation_type=config.type,
            column_name=_column_name(config.kwargs),
            kwargs=_kwargs_json(config.kwargs),
            severity=_severity(config),
            success=bool(result.success),
            observed_value=_observed(result),
            unexpected_count=res.get("unexpected_count"),
            unexpected_percent=None if unexpected_percent is None else float(unexpected_percent),
        ))
    return rows


def _context(data_docs_dir: Path | None) -> Any:
    """An in-memory GX context; its only Data Docs site (if any) is data_docs_dir."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if data_docs_dir is not None:
        sites[DATA_DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        stores=data_docs.stores_config(data_docs_dir),  # the validation results of the site's runs are kept
        data_docs_sites=sites,
        progress_bars=ProgressBarsConfig(globally=False),  # no tqdm bars in dbt's log
        analytics_enabled=False,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _suite_for(definition: SuiteDefinition, frame: pd.DataFrame) -> tuple[Any, int]:
    """The suite to run and how many of its expectations are skipped (empty table)."""
    import great_expectations as gx

    kept = list(definition.suite.expectations)
    if definition.skip_when_empty and frame.empty:
        kept = [e for e in kept if e.expectation_type.startswith("expect_table_")]
    # Copies: adding a suite to a context assigns ids in place; the definition stays reusable.
    # The copies carry their severity where Data Docs render it.
    copies = [data_docs.with_severity(e, _severity(e)) for e in kept]
    suite = gx.ExpectationSuite(name=definition.name, expectations=copies, notes=definition.suite.notes)
    return suite, len(definition.suite.expectations) - len(kept)


def _validate(context: Any, definition: SuiteDefinition, frame: pd.DataFrame, run_id: str,
              run_at: dt.datetime) -> list[dict[str, Any]]:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    suite, skipped = _suite_for(definition, frame)
    batch = (context.data_sources.add_pandas(f"{definition.name}_source")
             .add_dataframe_asset(definition.name)
             .add_batch_definition_whole_dataframe("whole_table"))
    suite = context.suites.add(suite)
    order = {e.id: i for i, e in enumerate(suite.expectations)}
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=definition.name, data=batch, suite=suite))
    result = validation.run(batch_parameters={"dataframe": frame},
                            run_id=RunIdentifier(run_name=run_id, run_time=run_at.replace(tzinfo=dt.timezone.utc)))
    rows = _result_rows(result, order, run_id, run_at, definition.name, len(frame))
    if skipped:
        rows.append(_row(run_id, run_at, definition.name, len(frame), expectation_type=SKIPPED_EMPTY,
                         kwargs=json.dumps({"skipped_expectations": skipped}), severity="warning",
                         success=True, observed_value=definition.empty_note or "table is empty"))
    return rows


def build_data_docs(context: Any, directory: Path, run_id: str | None = None) -> str | None:
    """Add run `run_id` (default: every stored run) to the Data Docs site in `directory`, keep the
    last runs, make the pages offline; returns the index URL."""
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Generated by sme_credit.validation on each run\n*\n")
    shutil.rmtree(directory / "expectations", ignore_errors=True)  # the current suites only
    data_docs.prune_history(directory)
    resources = data_docs.run_identifiers(context, run_id) if run_id else None
    url = context.build_data_docs(site_names=[DATA_DOCS_SITE], resource_identifiers=resources).get(DATA_DOCS_SITE)
    data_docs.add_severity_tables(directory)
    left = data_docs.make_offline(directory)
    if left:
        warnings.warn("Data Docs still load from the network: " + "; ".join(left[:5]), stacklevel=2)
    if directory.parent == default_data_docs_dir().parent:
        data_docs.write_warehouse_index(directory.parent)
    return url


def run_suites(
    definitions: Sequence[SuiteDefinition],
    frames: Mapping[str, pd.DataFrame],
    run_id: str | None = None,
    run_at: dt.datetime | None = None,
    data_docs_dir: Path | str | None = None,
) -> pd.DataFrame:
    """Validate frames[definition.name] with each suite; one row per expectation (RESULT_COLUMNS).

    Never raises for bad data or a broken suite: a suite that cannot run is recorded as a
    failed critical `validation_error` row, so the gate stops the model step. Data Docs are
    built when data_docs_dir is given (a failure there only warns).
    """
    if run_id is None or run_at is None:
        new_id, new_at = new_run()
        run_id, run_at = run_id or new_id, run_at or new_at
    docs_dir = Path(data_docs_dir) if data_docs_dir is not None else None
    try:
        context, context_error = _context(docs_dir), None
    except Exception as exc:  # noqa: BLE001 - each suite is then recorded as a validation_error
        context, context_error, docs_dir = None, exc, None
    rows: list[dict[str, Any]] = []
    for definition in definitions:
        frame = frames.get(definition.name)
        try:
            if context_error is not None:
                raise context_error
            if frame is None:
                raise KeyError(f"no table given for suite {definition.name}")
            if definition.prepare is not None:
                frame = definition.prepare(frame)
            rows += _validate(context, definition, frame, run_id, run_at)
        except Exception as exc:  # noqa: BLE001 - recorded as a critical failure instead
            rows.append(_row(run_id, run_at, definition.name, 0 if frame is None else len(frame),
                             expectation_type=VALIDATION_ERROR, kwargs="{}", severity="critical",
                             success=False, observed_value=f"error: {type(exc).__name__}: {exc}"))
    if docs_dir is not None:
        try:
            build_data_docs(context, docs_dir, run_id)
        except Exception as exc:  # noqa: BLE001 - docs are a by-product; the results are recorded
            warnings.warn(f"Data Docs were not built in {docs_dir}: {exc}", stacklevel=2)
    return _as_results(rows)


def run_suite(definition: SuiteDefinition, frame: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """run_suites for one suite and one DataFrame."""
    return run_suites([definition], {definition.name: frame}, **kwargs)


# --- the gate -------------------------------------------------------------------------------

def _describe(row: Any) -> str:
    column = row.column_name if isinstance(row.column_name, str) else "(table)"
    rows = int(row.element_count) if pd.notna(row.element_count) else 0
    if pd.notna(row.unexpected_count):
        percent = f" ({row.unexpected_percent:.2f}% of non-null values)" if pd.notna(row.unexpected_percent) else ""
        counts = f"{int(row.unexpected_count)} of {rows} rows unexpected{percent}"
    else:
        counts = f"{rows} rows validated"
    observed = f"; observed: {row.observed_value}" if isinstance(row.observed_value, str) else ""
    kwargs = row.kwargs if isinstance(row.kwargs, str) else ""
    kwargs = kwargs if len(kwargs) <= 300 else kwargs[:297] + "..."
    return (f"suite '{row.suite}', expectation {row.expectation_type}, column {column}: "
            f"{counts}{observed}; kwargs {kwargs}")


class GateFailure(Exception):
    """Critical expectations failed: the PD models must not be fitted on this data.

    The message names, for every failed critical expectation, the suite, the expectation,
    the column and the failing counts; `failures` holds the result rows themselves.
    """

    def __init__(self, message: str, failures: pd.DataFrame | None = None, run_id: str | None = None):
        super().__init__(message)
        self.failures = failures if failures is not None else empty_results()
        self.run_id = run_id

    @classmethod
    def from_failures(cls, failures: pd.DataFrame, warnings_failed: int = 0) -> GateFailure:
        run_ids = sorted(set(failures["run_id"].dropna()))
        suites = ", ".join(dict.fromkeys(failures["suite"]))
        lines = [f"Data-quality gate failed: {len(failures)} critical expectation(s) failed in suite(s) "
                 f"{suites} (run {', '.join(run_ids)}):"]
        lines += [f"  - {_describe(row)}" for row in failures.itertuples(index=False)]
        if warnings_failed:
            lines.append(f"  ({warnings_failed} warning expectation(s) also failed; warnings do not stop the build.)")
        run = run_ids[0] if run_ids else ""
        lines.append(f"Details: select * from marts.dq_validation_results where run_id = '{run}' and not success;"
                     f" Data Docs: {default_data_docs_dir() / 'index.html'}")
        return cls("\n".join(lines), failures=failures, run_id=run_ids[0] if run_ids else None)


def gate_failure(results: pd.DataFrame, suites: Iterable[str] | None = None) -> GateFailure | None:
    """The GateFailure for the failed critical rows of `results` (optionally only `suites`), or None."""
    if suites is not None:
        results = results[results["suite"].isin(list(suites))]
    failed = results[~results["success"].astype(bool)]
    critical = failed[failed["severity"] == "critical"]
    if critical.empty:
        return None
    return GateFailure.from_failures(critical.reset_index(drop=True), warnings_failed=len(failed) - len(critical))


def check_gate(results: pd.DataFrame, suites: Iterable[str] | None = None) -> None:
    """Raise GateFailure if a critical expectation failed; warnings pass."""
    failure = gate_failure(results, suites)
    if failure is not None:
        raise failure
