"""Raw sets of the bad-input matrix: the clean generated tables written as a delivery would be (part
files in nested folders with capital extensions, a header-only and an empty part per table) plus a
corrupt part with the cases' rows, as CSV (all text) or Parquet (typed)."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bad_input_cases import V

TABLES = ("enterprises", "loans", "loan_performance", "financial_statements", "invoices", "default_events")
# counts that a corrupt part holds fractional (89.6 days, a 12.5-month term, fiscal year 2019.5)
FRACTIONAL_COUNTS = {"loans": ["term_months"], "loan_performance": ["days_past_due"],
                     "financial_statements": ["fiscal_year"]}
CORRUPT = "zz-corrupt"  # sorts after the clean parts: a collapsed copy is attributed to the clean file


def read_clean(generated: Path) -> dict[str, pd.DataFrame]:
    """The generated tables, typed (dates as datetime.date)."""
    out = {}
    for name in TABLES:
        path = generated / name if name == "invoices" else generated / f"{name}.parquet"
        out[name] = pq.read_table(path).to_pandas()
    return out


def clean_layout(name: str, frame: pd.DataFrame, ext: str) -> dict[str, pd.DataFrame]:
    """Part files of a clean table: invoices per year in nested folders, other tables in two parts."""
    if name == "invoices":
        years = pd.to_datetime(frame.issue_date).dt.year
        return {f"invoices/{y}-01/part-{i:05d}.{ext}": part for i, (y, part) in enumerate(frame.groupby(years), 1)}
    half = len(frame) // 2
    return {f"{name}/part-00001.{ext}": frame.iloc[:half], f"{name}/part-00002.{ext}": frame.iloc[half:]}


def _csv_text(value) -> str:
    if isinstance(value, V):
        return value.csv
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return str(value)


def _typed(value):
    """A corrupt row's Parquet value; pandas' NaN for a missing clean value is a null."""
    if isinstance(value, V):
        return value.parquet
    return None if isinstance(value, float) and math.isnan(value) else value


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.map(_csv_text).to_csv(path, index=False)


def _parquet_schema(name: str, clean: pd.DataFrame, corrupt: bool) -> pa.Schema:
    schema = pa.Schema.from_pandas(clean, preserve_index=False)
    if corrupt:
        for col in FRACTIONAL_COUNTS.get(name, []):
            schema = schema.set(schema.get_field_index(col), pa.field(col, pa.float64()))
    return schema


def _write_parquet(path: Path, frame: pd.DataFrame, schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{k: _typed(v) for k, v in r.items()} for r in frame.to_dict("records")]
    pq.write_table(pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table(), path)


def write_raw_set(raw: Path, clean: dict[str, pd.DataFrame], bad: dict[str, list[dict]], fmt: str) -> dict[str, int]:
    """Write the set; returns the rows written per file (relative path)."""
    ext = {"csv": "CSV", "parquet": "Parquet"}[fmt]
    written: dict[str, int] = {}
    for name, frame in clean.items():
        for rel, part in clean_layout(name, frame, ext).items():
            (raw / rel).parent.mkdir(parents=True, exist_ok=True)
            if fmt == "csv":
                part.astype("string").to_csv(raw / rel, index=False)  # vectorised, unlike the corrupt rows
            else:
                pq.write_table(pa.Table.from_pandas(part, preserve_index=False), raw / rel)
            written[rel] = len(part)
        corrupt = pd.DataFrame(bad.get(name, []), columns=frame.columns)
        header_only = frame.iloc[:0]
        if fmt == "csv":
            _write_csv(raw / name / CORRUPT / "part-00001.csv", corrupt)
            _write_csv(raw / name / CORRUPT / "header_only.csv", header_only)
            (raw / name / CORRUPT / "empty.csv").write_bytes(b"")
            written[f"{name}/{CORRUPT}/empty.csv"] = 0
        else:
            _write_parquet(raw / name / CORRUPT / "part-00001.parquet", corrupt, _parquet_schema(name, frame, True))
            _write_parquet(raw / name / CORRUPT / "header_only.parquet", header_only, _parquet_schema(name, frame, False))
        written[f"{name}/{CORRUPT}/part-00001.{fmt}"] = len(corrupt)
        written[f"{name}/{CORRUPT}/header_only.{fmt}"] = 0
    return written


def normalise(value) -> str:
    """A raw value as compared across formats: 2031, 2031.0 and '2031' alike; dates as ISO text."""
    if isinstance(value, V):
        value = value.csv
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else str(value)
