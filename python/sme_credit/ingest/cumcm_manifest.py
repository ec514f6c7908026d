"""The ingest manifest of the CUMCM adapter, written atomically as JSON.

Per source table: rows read and written, size, sha256 and (CSV only) physical line count; the
optional attachment 3; rows per output file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import time
from pathlib import Path

from sme_credit.ingest.cumcm_sources import IngestError, SourceFile, read_rate_churn


def source_entry(src: SourceFile, rows_written: int, output: str, started: float) -> dict:
    """Manifest entry of one source table."""
    return {
        "source": src.spec.stem,
        "file": src.path.name,
        "sheet": src.sheet,
        "table": "invoices" if src.spec.direction else "enterprises",
        "direction": src.spec.direction,
        "rows_read": src.rows_read,
        "rows_written": rows_written,
        "output": output,
        "extra_columns": list(src.extra_columns),
        "seconds": round(time.perf_counter() - started, 2),
        "_path": src.path,
    }


def describe_source_file(entry: dict, fmt: str, warnings: list[str]) -> None:
    """Add the source file's size and sha256 (and, for CSV, its physical line count) to ``entry``."""
    path: Path = entry.pop("_path")
    entry["bytes"] = path.stat().st_size
    entry["sha256"] = file_sha256(path)
    if fmt == "csv":
        entry["source_lines"] = _csv_data_lines(path)
        if entry["source_lines"] != entry["rows_read"]:
            # legitimate with blank lines or quoted line breaks, so worth a look but not an error
            warnings.append(
                f"{path.name}: {entry['source_lines']:,} lines after the header but {entry['rows_read']:,} rows parsed"
            )


def describe_rate_churn(path: Path | None, warnings: list[str]) -> dict | None:
    """Record the optional attachment 3 (not written: it becomes a seed elsewhere)."""
    if path is None:
        return None
    info: dict = {"file": path.name, "bytes": path.stat().st_size, "sha256": file_sha256(path)}
    try:
        frame = read_rate_churn(path)
    except IngestError as exc:  # optional input: report, do not fail the ingest
        warnings.append(str(exc))
        return info
    info.update(rows=len(frame), ratings=sorted(frame["credit_rating"].unique().tolist()))
    return info


def output_counts(entries: list[dict]) -> dict[str, int]:
    """Rows per output file."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["output"]] = counts.get(entry["output"], 0) + entry["rows_written"]
    return dict(sorted(counts.items()))


def write_json(path: Path, payload: dict) -> None:
    """Write JSON atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- small helpers


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _csv_data_lines(path: Path) -> int:
    """Physical lines after the header (a parser-independent row count)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    newlines, last = 0, b"\n"
    with opener(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(newlines + (last != b"\n") - 1, 0)
