"""Write the CUMCM sources as raw-contract files in ``out_dir``.

``invoices/<stem>.parquet`` row for row and ``enterprises.parquet`` (industry inferred from the
masked name), each via a temporary name and read back to check its row count. Also: the refusal
of an ``out_dir`` holding foreign raw files, and the name-free status messages (:func:`say`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from sme_credit.ingest.cumcm_manifest import source_entry
from sme_credit.ingest.cumcm_sources import (
    SOURCES,
    IngestError,
    SourceFile,
    sql_literal,
)

log = logging.getLogger("sme_credit.ingest.cumcm")  # one logger for the whole adapter

Progress = Callable[[str], None]
"""Callback receiving one short, name-free status message per step."""

INVOICE_CONTRACT = (
    "enterprise_id", "direction", "invoice_number", "issue_date", "counterparty_id",
    "amount", "tax", "total", "status",
)
RAW_TABLES = ("enterprises", "invoices", "loans", "loan_performance", "financial_statements")
NOT_PROVIDED = ("loans", "loan_performance", "financial_statements")
DEFAULTED_VALUES = {"是": True, "否": False}


def check_out_dir(out_dir: Path) -> None:
    """Refuse an out_dir holding other raw-contract files: the warehouse would read them with ours."""
    own = {"enterprises.parquet"} | {f"invoices/{s.stem}.parquet" for s in SOURCES if s.direction}
    present = {
        p.relative_to(out_dir).as_posix()
        for table in RAW_TABLES
        for ext in (".parquet", ".csv", ".csv.gz")
        for p in [*out_dir.glob(f"{table}{ext}"), *out_dir.glob(f"{table}/*{ext}")]
    }
    foreign = sorted(present - own)
    if foreign:
        raise IngestError(
            f"{out_dir} already holds raw files this ingest would not replace ({', '.join(foreign)}); "
            "the warehouse would read them together with the CUMCM data. Use an empty directory."
        )


# --------------------------------------------------------------------------- writing outputs


def write_invoices(con: duckdb.DuckDBPyConnection, src: SourceFile, out_dir: Path,
                   progress: Progress | None) -> dict:
    """Copy one invoice source, row for row and as text, to invoices/<stem>.parquet."""
    started = time.perf_counter()
    target = out_dir / "invoices" / f"{src.spec.stem}.parquet"
    columns = ", ".join(f"'{src.spec.direction}' as direction" if c == "direction" else c for c in INVOICE_CONTRACT)
    try:
        src.rows_read = _copy_to_parquet(con, f"select {columns} from src_{src.spec.stem}", target)
    except duckdb.Error as exc:  # e.g. a malformed CSV line: say which file
        raise IngestError(f"{src.path.name}: cannot be read: {exc}") from exc
    rows_written = _parquet_rows(con, target)
    if rows_written != src.rows_read:
        raise IngestError(f"{target}: wrote {rows_written} rows but read {src.rows_read} from {src.path.name}")
    say(progress, f"cumcm: {src.spec.stem}: {rows_written:,} invoices → invoices/{target.name}")
    return source_entry(src, rows_written, f"invoices/{target.name}", started)


def write_enterprises(con: duckdb.DuckDBPyConnection, sources: list[SourceFile], out_dir: Path,
                      progress: Progress | None) -> list[dict]:
    """Write att1 + att2 enterprises (in source order) with industry, rating and label."""
    started = time.perf_counter()
    con.execute(
        "create or replace temp table ent_raw (source varchar, enterprise_id varchar, "
        "enterprise_name varchar, credit_rating varchar, has_defaulted varchar)"
    )
    for src in sources:  # sequential inserts keep source order in rowid
        has = src.spec.columns.values()
        rating = "credit_rating" if "credit_rating" in has else "null"
        label = "has_defaulted" if "has_defaulted" in has else "null"
        try:
            src.rows_read = con.execute(
                f"insert into ent_raw select '{src.spec.stem}', enterprise_id, enterprise_name, {rating}, {label} "
                f"from src_{src.spec.stem}"
            ).fetchone()[0]
        except duckdb.Error as exc:
            raise IngestError(f"{src.path.name}: cannot be read: {exc}") from exc
    _check_defaulted_values(con, sources)
    query = f"""
        with ent as (select rowid as row_no, * from ent_raw),
        matched as (
            -- several keywords may match one name: lowest priority, then longest keyword, wins
            select e.row_no, k.industry
            from ent e join industry_keywords k on contains(e.enterprise_name, k.keyword)
            qualify row_number() over (
                partition by e.row_no order by k.priority, length(k.keyword) desc, k.keyword) = 1
        )
        select e.enterprise_id, e.enterprise_name, coalesce(m.industry, 'unknown') as industry,
               cast(null as varchar) as region, cast(null as varchar) as size_class,
               cast(null as date) as founded_on, e.credit_rating,
               case trim(e.has_defaulted) {_defaulted_cases()} end as has_defaulted
        from ent e left join matched m using (row_no)
        order by e.row_no
    """
    target = out_dir / "enterprises.parquet"
    copied = _copy_to_parquet(con, query, target)
    total = _parquet_rows(con, target)
    expected = sum(s.rows_read or 0 for s in sources)
    if not copied == total == expected:
        raise IngestError(f"{target}: wrote {total} rows but read {expected} enterprises")
    say(progress, f"cumcm: {total:,} enterprises → {target.name}")
    return [source_entry(src, src.rows_read or 0, target.name, started) for src in sources]


def _defaulted_cases() -> str:
    """SQL CASE arms mapping 是/否 to booleans."""
    return " ".join(f"when '{text}' then {str(value).lower()}" for text, value in DEFAULTED_VALUES.items())


def _check_defaulted_values(con: duckdb.DuckDBPyConnection, sources: list[SourceFile]) -> None:
    """Stop on a 是否违约 value other than 是/否: mapping it to NULL would silently alter the label."""
    allowed = ", ".join(f"'{v}'" for v in DEFAULTED_VALUES)
    bad = con.execute(
        f"select source, list(distinct has_defaulted order by has_defaulted) from ent_raw "
        f"where nullif(trim(has_defaulted), '') is not null and trim(has_defaulted) not in ({allowed}) "
        "group by source order by source"
    ).fetchall()
    if bad:
        names = {s.spec.stem: s.path.name for s in sources}
        source, values = bad[0]
        raise IngestError(f"{names[source]}: column '是否违约' holds values other than 是/否: {values[:10]}")


def _copy_to_parquet(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> int:
    """COPY ``query`` to ``target`` via a temporary name (no half-written file is ever picked up)."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        rows = con.execute(f"copy ({query}) to {sql_literal(tmp)} (format parquet, compression zstd)").fetchone()[0]
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return int(rows)


def _parquet_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Rows in a written Parquet file, read back (independent of the COPY's own count)."""
    return int(con.execute(f"select count(*) from read_parquet({sql_literal(path)})").fetchone()[0])


def industry_distribution(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, int]:
    """Enterprises per inferred industry, largest first."""
    rows = con.execute(
        f"select industry, count(*) from read_parquet({sql_literal(path)}) group by 1 order by 2 desc, 1"
    ).fetchall()
    return {industry: int(n) for industry, n in rows}


def say(progress: Progress | None, message: str) -> None:
    """Log a status message (never containing enterprise names) and pass it to ``progress``."""
    log.info(message)
    if progress is not None:
        progress(message)
