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
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from sme_credit import __version__, project

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
"""Callback receiving one short, name-free status message per step."""

ATT1_ENTERPRISE_COLUMNS = {
    "企业代号": "enterprise_id",
    "企业名称": "enterprise_name",
    "信誉评级": "credit_rating",
    "是否违约": "has_defaulted",
}
ATT2_ENTERPRISE_COLUMNS = {"企业代号": "enterprise_id", "企业名称": "enterprise_name"}
_INVOICE_TAIL = {"金额": "amount", "税额": "tax", "价税合计": "total", "发票状态": "status"}
_INVOICE_HEAD = {"企业代号": "enterprise_id", "发票号码": "invoice_number", "开票日期": "issue_date"}
INPUT_INVOICE_COLUMNS = {**_INVOICE_HEAD, "销方单位代号": "counterparty_id", **_INVOICE_TAIL}
OUTPUT_INVOICE_COLUMNS = {**_INVOICE_HEAD, "购方单位代号": "counterparty_id", **_INVOICE_TAIL}

INVOICE_CONTRACT = (
    "enterprise_id", "direction", "invoice_number", "issue_date", "counterparty_id",
    "amount", "tax", "total", "status",
)
RAW_TABLES = ("enterprises", "invoices", "loans", "loan_performance", "financial_statements")
NOT_PROVIDED = ("loans", "loan_performance", "financial_statements")
DEFAULTED_VALUES = {"是": True, "否": False}
SEEDS_DIR = project.PROJECT_DIR / "seeds"


@dataclass(frozen=True)
class SourceSpec:
    """One table of the CUMCM attachments and how its headers map to the raw contract."""

    stem: str  # name of the CSV conversion; also names the output invoice file
    attachment: int  # 1 → 附件1 (with credit record), 2 → 附件2 (without)
    sheet: str  # sheet of the official workbook
    columns: dict[str, str]  # source header → contract column
    direction: str | None = None  # invoices only: 'purchase' (进项) or 'sales' (销项)


SOURCES = (
    SourceSpec("att1_enterprise_info", 1, "企业信息", ATT1_ENTERPRISE_COLUMNS),
    SourceSpec("att1_input_invoices", 1, "进项发票信息", INPUT_INVOICE_COLUMNS, "purchase"),
    SourceSpec("att1_output_invoices", 1, "销项发票信息", OUTPUT_INVOICE_COLUMNS, "sales"),
    SourceSpec("att2_enterprise_info", 2, "企业信息", ATT2_ENTERPRISE_COLUMNS),
    SourceSpec("att2_input_invoices", 2, "进项发票信息", INPUT_INVOICE_COLUMNS, "purchase"),
    SourceSpec("att2_output_invoices", 2, "销项发票信息", OUTPUT_INVOICE_COLUMNS, "sales"),
)


@dataclass
class SourceFile:
    """A located source table: its file, sheet (xlsx only) and what reading it found."""

    spec: SourceSpec
    path: Path
    sheet: str | None = None
    extra_columns: tuple[str, ...] = ()
    rows_read: int | None = None


class IngestError(Exception):
    """Input the adapter cannot ingest; the message names the file (and column)."""


class MissingSourceError(IngestError, FileNotFoundError):
    """A required source file or sheet is absent."""


class MissingColumnError(IngestError, ValueError):
    """A source file lacks an expected header."""


# --------------------------------------------------------------------------- public API


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
    _check_out_dir(out_dir)
    warnings: list[str] = []
    con = duckdb.connect()
    try:
        _say(progress, f"cumcm: reading {fmt} sources in {src_dir}")
        _load_industry_keywords(con, keywords_path)
        _open_sources(con, files, fmt)  # every header is checked before anything is written
        (out_dir / "invoices").mkdir(exist_ok=True)
        entries = [_write_invoices(con, src, out_dir, progress) for src in files if src.spec.direction]
        entries += _write_enterprises(con, [s for s in files if not s.spec.direction], out_dir, progress)
        distribution = _industry_distribution(con, out_dir / "enterprises.parquet")
    finally:
        con.close()
    for entry in entries:
        _describe_source_file(entry, fmt, warnings)
    manifest = {
        "adapter": "cumcm2020c",
        "format": fmt,
        "source_dir": str(src_dir.resolve()),
        "out_dir": str(out_dir.resolve()),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sme_credit_version": __version__,
        "duckdb_version": duckdb.__version__,
        "files": sorted(entries, key=lambda e: e["source"]),
        "outputs": _output_counts(entries),
        "not_provided": list(NOT_PROVIDED),
        "industry_keywords": {"path": str(keywords_path), "sha256": _sha256(keywords_path)},
        "industry_distribution": distribution,
        "rate_churn": _describe_rate_churn(rate_churn_path, warnings),
        "warnings": warnings,
        "seconds": round(time.perf_counter() - started, 2),
    }
    _write_json(out_dir / "ingest_manifest.json", manifest)
    _say(progress, f"cumcm: done in {manifest['seconds']} s, manifest {out_dir / 'ingest_manifest.json'}")
    return manifest


def read_rate_churn(path: str | Path) -> pd.DataFrame:
    """Read attachment 3 (loan interest rate vs customer churn rate per rating) as a long frame.

    The sheet (Sheet1) has two header rows: 贷款年利率 | 客户流失率 over 信誉评级A/B/C.
    Returns columns credit_rating (A, B, C), interest_rate and churn_rate (fractions), one row
    per rating and rate, ordered by rating then rate.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingSourceError(f"rate/churn workbook not found: {path}")
    with pd.ExcelFile(path, engine="openpyxl") as xl:
        sheet = "Sheet1" if "Sheet1" in xl.sheet_names else xl.sheet_names[0]
        raw = pd.read_excel(xl, sheet_name=sheet, header=None, dtype=object)
    where = f"{path.name} (sheet {sheet})"
    if len(raw) < 3:
        raise IngestError(f"{where}: expected two header rows and data rows, found {len(raw)} rows")
    top = raw.iloc[0].astype(str).str.strip()
    rate_cols = list(top.index[top == "贷款年利率"])
    if len(rate_cols) != 1:
        raise MissingColumnError(f"{where}: missing column '贷款年利率' in the first header row")
    ratings = raw.iloc[1].astype(str).str.strip().str.extract(r"^信誉评级\s*([A-Z])$")[0].dropna()
    if ratings.empty:
        raise MissingColumnError(f"{where}: missing columns '信誉评级A/B/C' in the second header row")
    body = raw.iloc[2:]
    body = body[body[rate_cols[0]].notna()]
    wide = body[[rate_cols[0], *ratings.index]].set_axis(["interest_rate", *ratings], axis=1)
    try:
        wide = wide.apply(pd.to_numeric)
    except (ValueError, TypeError) as exc:
        raise IngestError(f"{where}: non-numeric rate or churn value ({exc})") from exc
    long = wide.melt(id_vars="interest_rate", var_name="credit_rating", value_name="churn_rate")
    long = long.sort_values(["credit_rating", "interest_rate"], kind="stable", ignore_index=True)
    return long[["credit_rating", "interest_rate", "churn_rate"]].astype(
        {"credit_rating": str, "interest_rate": "float64", "churn_rate": "float64"}
    )


# --------------------------------------------------------------------------- locating sources


def locate_sources(src_dir: Path) -> tuple[str, list[SourceFile], Path | None]:
    """Find the source layout in ``src_dir``: ('csv' | 'xlsx', the six tables, att3 or None).

    CSV conversions win when present (faster to read, same content).
    """
    if not src_dir.is_dir():
        raise MissingSourceError(f"CUMCM source directory not found: {src_dir}")
    csv_paths = {spec.stem: _find_csv(src_dir, spec.stem) for spec in SOURCES}
    if any(csv_paths.values()):
        missing = [f"{stem}.csv.gz (or .csv)" for stem, p in csv_paths.items() if p is None]
        if missing:
            raise MissingSourceError(f"{src_dir}: missing source file {', '.join(missing)}")
        att3 = src_dir / "att3_rate_churn.xlsx"
        files = [SourceFile(spec, csv_paths[spec.stem]) for spec in SOURCES]
        return "csv", files, att3 if att3.is_file() else _find_one(src_dir, "附件3*.xlsx")
    books = {n: _find_one(src_dir, f"附件{n}*.xlsx") for n in (1, 2)}
    if not any(books.values()):
        expected = ", ".join(f"{spec.stem}.csv.gz" for spec in SOURCES)
        raise MissingSourceError(
            f"{src_dir}: no CUMCM 2020 C data found; expected 附件1.xlsx and 附件2.xlsx, "
            f"or the CSV conversions {expected}"
        )
    missing = [f"附件{n}.xlsx" for n, p in books.items() if p is None]
    if missing:
        raise MissingSourceError(f"{src_dir}: missing source file {', '.join(missing)}")
    files = [SourceFile(spec, books[spec.attachment], spec.sheet) for spec in SOURCES]
    return "xlsx", files, _find_one(src_dir, "附件3*.xlsx")


def _find_csv(src_dir: Path, stem: str) -> Path | None:
    """The CSV or CSV.gz file of ``stem``; both at once is ambiguous."""
    found = [p for p in (src_dir / f"{stem}.csv.gz", src_dir / f"{stem}.csv") if p.is_file()]
    if len(found) > 1:
        raise IngestError(f"{src_dir}: both {found[0].name} and {found[1].name} present; keep one")
    return found[0] if found else None


def _find_one(src_dir: Path, pattern: str) -> Path | None:
    """The single file matching ``pattern`` (official names carry long suffixes), ignoring Excel lock files."""
    found = sorted(p for p in src_dir.glob(pattern) if p.is_file() and not p.name.startswith("~$"))
    if len(found) > 1:
        raise IngestError(f"{src_dir}: several files match {pattern}: {', '.join(p.name for p in found)}")
    return found[0] if found else None


def _check_out_dir(out_dir: Path) -> None:
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


# --------------------------------------------------------------------------- reading sources


def _open_sources(con: duckdb.DuckDBPyConnection, files: list[SourceFile], fmt: str) -> None:
    """Expose each source as view ``src_<stem>`` with contract column names, every value as text."""
    if fmt == "csv":
        for src in files:
            relation = _csv_reader(src.path)
            _create_source_view(con, src, relation, _csv_headers(con, src.path))
        return
    for path in dict.fromkeys(src.path for src in files):  # each workbook is parsed once
        _register_workbook(con, path, [src for src in files if src.path == path])


def _create_source_view(con: duckdb.DuckDBPyConnection, src: SourceFile, relation: str,
                        headers: list[str]) -> None:
    """Create view ``src_<stem>`` renaming the source headers to contract columns."""
    where = src.path.name + (f" (sheet {src.sheet})" if src.sheet else "")
    mapping, extra = _match_headers(headers, src.spec.columns, where)
    src.extra_columns = tuple(extra)
    select = ", ".join(f"{_ident(found)} as {contract}" for found, contract in mapping.items())
    con.execute(f"create or replace temp view src_{src.spec.stem} as select {select} from {relation}")


def _csv_reader(path: Path) -> str:
    """read_csv call for one source: every column text, quoted "" kept as '' (empty ≠ missing).

    The dialect is fixed rather than sniffed, so no line can be taken for a comment or skipped.
    """
    return (
        f"read_csv({_lit(path)}, header = true, all_varchar = true, delim = ',', quote = '\"', "
        "escape = '\"', comment = '', skip = 0, allow_quoted_nulls = false, strict_mode = true)"
    )


def _csv_headers(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Header names of a CSV file as DuckDB reads them."""
    try:
        return [row[0] for row in con.execute(f"describe select * from {_csv_reader(path)}").fetchall()]
    except duckdb.Error as exc:
        raise IngestError(f"{path.name}: cannot be read as CSV: {exc}") from exc


def _match_headers(found: list[str], expected: dict[str, str], where: str) -> tuple[dict[str, str], list[str]]:
    """Map found headers to contract columns, tolerating surrounding blanks and a BOM."""
    by_clean = {str(h).lstrip("\ufeff").strip(): str(h) for h in found}
    missing = [h for h in expected if h not in by_clean]
    if missing:
        raise MissingColumnError(
            f"{where}: missing column {', '.join(repr(m) for m in missing)} "
            f"(expected {', '.join(expected)}; found {', '.join(map(str, found))})"
        )
    mapping = {by_clean[h]: contract for h, contract in expected.items()}
    return mapping, [str(h) for h in found if str(h) not in mapping]


def _register_workbook(con: duckdb.DuckDBPyConnection, path: Path, sources: list[SourceFile]) -> None:
    """Read the sheets of one workbook as text columns, register them in DuckDB, create the views."""
    with pd.ExcelFile(path, engine="openpyxl") as xl:  # the workbook is opened once
        sheets = {str(name).strip(): name for name in xl.sheet_names}
        for src in sources:  # all sheets are checked before the slow reads
            if src.spec.sheet not in sheets:
                raise MissingSourceError(
                    f"{path.name}: missing sheet '{src.spec.sheet}' (sheets: {', '.join(map(str, xl.sheet_names))})"
                )
            src.sheet = str(sheets[src.spec.sheet])
        for src in sources:  # one sheet at a time: only one frame of Python objects in memory
            # Only '' becomes missing: literal texts like 'NA' or 'null' stay as read.
            frame = pd.read_excel(xl, sheet_name=sheets[src.spec.sheet], dtype=object,
                                  keep_default_na=False, na_values=[""])
            headers = [str(c) for c in frame.columns]
            frame.columns = headers
            mapping, _ = _match_headers(headers, src.spec.columns, f"{path.name} (sheet {src.sheet})")
            table = pa.table({
                found: _cell_text(frame[found], date=contract == "issue_date") for found, contract in mapping.items()
            })
            del frame
            con.register(f"xlsx_{src.spec.stem}", table)
            _create_source_view(con, src, f"xlsx_{src.spec.stem}", headers)


def _cell_text(values: pd.Series, *, date: bool) -> pa.Array:
    """Cell values as text (str() of the cell), empty cells as NULL.

    Excel stores date cells as datetimes; their text would end in ' 00:00:00', so a date column
    keeps the date part alone (yyyy-mm-dd, which the contract accepts).
    """
    text = values.astype(str).where(values.notna(), None)
    if date:
        text = text.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1", regex=True)
    return pa.array(text, type=pa.string(), from_pandas=True)


# --------------------------------------------------------------------------- writing outputs


def _write_invoices(con: duckdb.DuckDBPyConnection, src: SourceFile, out_dir: Path,
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
    _say(progress, f"cumcm: {src.spec.stem}: {rows_written:,} invoices → invoices/{target.name}")
    return _entry(src, rows_written, f"invoices/{target.name}", started)


def _write_enterprises(con: duckdb.DuckDBPyConnection, sources: list[SourceFile], out_dir: Path,
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
    _say(progress, f"cumcm: {total:,} enterprises → {target.name}")
    return [_entry(src, src.rows_read or 0, target.name, started) for src in sources]


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


def _load_industry_keywords(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Load and validate the keyword seed (keyword, industry, priority) as table industry_keywords."""
    if not path.is_file():
        raise MissingSourceError(f"industry keyword seed not found: {path}")
    reader = _csv_reader(path)
    _match_headers(_csv_headers(con, path), {c: c for c in ("keyword", "industry", "priority")}, path.name)
    con.execute(
        "create or replace temp table industry_keywords as "
        f"select keyword, industry, try_cast(priority as integer) as priority from {reader}"
    )
    bad = con.execute(
        "select keyword from industry_keywords where keyword is null or keyword = '' "
        "or keyword <> trim(keyword) or industry is null or priority is null"
    ).fetchall()
    if bad:
        raise IngestError(f"{path}: rows need a non-blank keyword, an industry and an integer priority: {bad[:5]}")
    industries = path.parent / "industries.csv"
    if industries.is_file():
        unknown = con.execute(
            f"select distinct industry from industry_keywords where industry not in "
            f"(select industry from {_csv_reader(industries)}) order by 1"
        ).fetchall()
        if unknown:
            raise IngestError(f"{path}: industries not in {industries.name}: {[u[0] for u in unknown]}")


def _copy_to_parquet(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> int:
    """COPY ``query`` to ``target`` via a temporary name (no half-written file is ever picked up)."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        rows = con.execute(f"copy ({query}) to {_lit(tmp)} (format parquet, compression zstd)").fetchone()[0]
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return int(rows)


def _parquet_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Rows in a written Parquet file, read back (independent of the COPY's own count)."""
    return int(con.execute(f"select count(*) from read_parquet({_lit(path)})").fetchone()[0])


def _industry_distribution(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, int]:
    """Enterprises per inferred industry, largest first."""
    rows = con.execute(
        f"select industry, count(*) from read_parquet({_lit(path)}) group by 1 order by 2 desc, 1"
    ).fetchall()
    return {industry: int(n) for industry, n in rows}


# --------------------------------------------------------------------------- manifest


def _entry(src: SourceFile, rows_written: int, output: str, started: float) -> dict:
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


def _describe_source_file(entry: dict, fmt: str, warnings: list[str]) -> None:
    """Add the source file's size and sha256 (and, for CSV, its physical line count) to ``entry``."""
    path: Path = entry.pop("_path")
    entry["bytes"] = path.stat().st_size
    entry["sha256"] = _sha256(path)
    if fmt == "csv":
        entry["source_lines"] = _csv_data_lines(path)
        if entry["source_lines"] != entry["rows_read"]:
            # legitimate with blank lines or quoted line breaks, so worth a look but not an error
            warnings.append(
                f"{path.name}: {entry['source_lines']:,} lines after the header but {entry['rows_read']:,} rows parsed"
            )


def _describe_rate_churn(path: Path | None, warnings: list[str]) -> dict | None:
    """Record the optional attachment 3 (not written: it becomes a seed elsewhere)."""
    if path is None:
        return None
    info: dict = {"file": path.name, "bytes": path.stat().st_size, "sha256": _sha256(path)}
    try:
        frame = read_rate_churn(path)
    except IngestError as exc:  # optional input: report, do not fail the ingest
        warnings.append(str(exc))
        return info
    info.update(rows=len(frame), ratings=sorted(frame["credit_rating"].unique().tolist()))
    return info


def _output_counts(entries: list[dict]) -> dict[str, int]:
    """Rows per output file."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["output"]] = counts.get(entry["output"], 0) + entry["rows_written"]
    return dict(sorted(counts.items()))


def _write_json(path: Path, payload: dict) -> None:
    """Write JSON atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- small helpers


def _sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _csv_data_lines(path: Path) -> int:
    """Physical lines after the header (a parser-independent row count)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    newlines, last = 0, b"\n"
    with opener(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(newlines + (last != b"\n") - 1, 0)


def _lit(value: str | Path) -> str:
    """SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    """SQL quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def _say(progress: Progress | None, message: str) -> None:
    """Log a status message (never containing enterprise names) and pass it to ``progress``."""
    log.info(message)
    if progress is not None:
        progress(message)
