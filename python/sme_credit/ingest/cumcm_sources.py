"""Locate, read and validate the CUMCM 2020 C attachments (and the industry keyword seed).

Holds the source layout (:data:`SOURCES`: which sheet or CSV file maps which headers to which
contract column), the adapter's errors, :func:`locate_sources`, :func:`open_sources` (each source
as a DuckDB view ``src_<stem>`` of text columns, every header checked), :func:`read_rate_churn`
(attachment 3) and :func:`load_industry_keywords`. Nothing here writes a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

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


# --------------------------------------------------------------------------- reading sources


def open_sources(con: duckdb.DuckDBPyConnection, files: list[SourceFile], fmt: str) -> None:
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
        f"read_csv({sql_literal(path)}, header = true, all_varchar = true, delim = ',', quote = '\"', "
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


# --------------------------------------------------------------------------- industry keyword seed


def load_industry_keywords(con: duckdb.DuckDBPyConnection, path: Path) -> None:
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


# --------------------------------------------------------------------------- SQL text


def sql_literal(value: str | Path) -> str:
    """SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    """SQL quoted identifier."""
    return '"' + name.replace('"', '""') + '"'
