"""Ingest the CUMCM 2020 problem C data (425 enterprises, 1.1M e-invoices) as raw-contract files.

Input, in ``src_dir``, either

- the official attachments ``附件1*.xlsx`` and ``附件2*.xlsx`` (sheets 企业信息, 进项发票信息,
  销项发票信息; ``附件3*.xlsx`` optional), or
- their CSV conversions ``att1_enterprise_info.csv[.gz]``, ``att1_input_invoices…``,
  ``att1_output_invoices…`` and the same for ``att2_`` (``att3_rate_churn.xlsx`` optional).

Output, in ``out_dir`` (the warehouse's raw directory, see models/staging/_sources.yml):

- ``enterprises.parquet``: att1 and att2 enterprises, industry inferred from the masked name;
- ``invoices/<source stem>.parquet``: one file per source invoice file, so counts reconcile per file;
- ``ingest_manifest.json``: per source file its sha256, rows read and rows written.

Ingest is faithful: every row is kept (exact duplicates too) and invoice values are written as
the source text (VARCHAR, e.g. ' 作废发票', '2017/7/18', '-943.4'); the staging layer trims,
parses, collapses duplicates and quarantines. Enterprise names are sensitive: they are written to
the raw file but never logged. There are no loans, loan performance or financial statements in
this data set, so those raw files are not written (the warehouse reads absent sources as empty).

The work is split by responsibility: :mod:`.cumcm_sources` locates, reads and validates the
attachments, :mod:`.cumcm_write` writes the raw-contract files, :mod:`.cumcm_manifest` builds the
manifest. This module runs them in order (:func:`ingest_cumcm`) and re-exports their public names.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from sme_credit import __version__, project
from sme_credit.ingest.cumcm_manifest import (
    describe_rate_churn,
    describe_source_file,
    file_sha256,
    output_counts,
    write_json,
)
from sme_credit.ingest.cumcm_sources import (
    ATT1_ENTERPRISE_COLUMNS,
    ATT2_ENTERPRISE_COLUMNS,
    INPUT_INVOICE_COLUMNS,
    OUTPUT_INVOICE_COLUMNS,
    SOURCES,
    IngestError,
    MissingColumnError,
    MissingSourceError,
    SourceFile,
    SourceSpec,
    load_industry_keywords,
    locate_sources,
    open_sources,
    read_rate_churn,
)
from sme_credit.ingest.cumcm_write import (
    DEFAULTED_VALUES,
    INVOICE_CONTRACT,
    NOT_PROVIDED,
    RAW_TABLES,
    Progress,
    check_out_dir,
    industry_distribution,
    say,
    write_enterprises,
    write_invoices,
)

__all__ = [
    "ATT1_ENTERPRISE_COLUMNS",
    "ATT2_ENTERPRISE_COLUMNS",
    "DEFAULTED_VALUES",
    "INPUT_INVOICE_COLUMNS",
    "INVOICE_CONTRACT",
    "NOT_PROVIDED",
    "OUTPUT_INVOICE_COLUMNS",
    "RAW_TABLES",
    "SEEDS_DIR",
    "SOURCES",
    "IngestError",
    "MissingColumnError",
    "MissingSourceError",
    "Progress",
    "SourceFile",
    "SourceSpec",
    "ingest_cumcm",
    "locate_sources",
    "read_rate_churn",
]

SEEDS_DIR = project.PROJECT_DIR / "seeds"


def ingest_cumcm(
    src_dir: str | Path,
    out_dir: str | Path,
    progress: Progress | None = None,
    *,
    keywords_path: str | Path | None = None,
) -> dict:
    """Convert the CUMCM 2020 C data in ``src_dir`` to raw-contract files in ``out_dir``.

    Returns the manifest (also written to ``out_dir/ingest_manifest.json``). Raises
    ``MissingSourceError`` / ``MissingColumnError`` (both ``IngestError``) naming the file,
    sheet or column at fault. Every source's headers are checked before anything is written.
    """
    started = time.perf_counter()
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    keywords_path = Path(keywords_path) if keywords_path else SEEDS_DIR / "industry_keywords.csv"
    fmt, files, rate_churn_path = locate_sources(src_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    check_out_dir(out_dir)
    warnings: list[str] = []
    con = duckdb.connect()
    try:
        say(progress, f"cumcm: reading {fmt} sources in {src_dir}")
        load_industry_keywords(con, keywords_path)
        open_sources(con, files, fmt)  # every header is checked before anything is written
        (out_dir / "invoices").mkdir(exist_ok=True)
        entries = [write_invoices(con, src, out_dir, progress) for src in files if src.spec.direction]
        entries += write_enterprises(con, [s for s in files if not s.spec.direction], out_dir, progress)
        distribution = industry_distribution(con, out_dir / "enterprises.parquet")
    finally:
        con.close()
    for entry in entries:
        describe_source_file(entry, fmt, warnings)
    manifest = {
        "adapter": "cumcm2020c",
        "format": fmt,
        "source_dir": str(src_dir.resolve()),
        "out_dir": str(out_dir.resolve()),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sme_credit_version": __version__,
        "duckdb_version": duckdb.__version__,
        "files": sorted(entries, key=lambda e: e["source"]),
        "outputs": output_counts(entries),
        "not_provided": list(NOT_PROVIDED),
        "industry_keywords": {"path": str(keywords_path), "sha256": file_sha256(keywords_path)},
        "industry_distribution": distribution,
        "rate_churn": describe_rate_churn(rate_churn_path, warnings),
        "warnings": warnings,
        "seconds": round(time.perf_counter() - started, 2),
    }
    write_json(out_dir / "ingest_manifest.json", manifest)
    say(progress, f"cumcm: done in {manifest['seconds']} s, manifest {out_dir / 'ingest_manifest.json'}")
    return manifest
