"""Raw file discovery and format settings, the Python side of macros/register_raw_sources.sql,
macros/raw_format.sql and macros/parsing.sql (README "Raw file format").

`sme-credit check` uses these to read files exactly as the dbt hook does; `project.run_dbt` uses
`prepare_utf8_copies` to transcode non-UTF-8 CSV files before dbt reads them. The SQL here and in
the macros must agree: tests/test_raw_files.py checks both on the same files.
"""
from __future__ import annotations

import codecs
import gzip
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from sme_credit import project

FORMAT_FILE = "_format.yml"
SETTING_DEFAULTS = {"delimiter": None, "decimal_separator": None, "thousands_separator": None,
                    "date_formats": [], "encoding": "utf-8", "header_row": 1}
ENCODINGS = ("utf-8", "utf8", "gbk", "gb18030", "gb2312")
_EXT = r"(parquet|csv|csv\.gz)"
# the same rule as the dbt hook: <table>.<ext> or any part file under <table>/, any letter case,
# files and folders starting with '.' or '_' (_format.yml, _archive/) excluded
FILE_PATTERN = rf"[^/.]+(\.{_EXT}|/(.*/)?[^/]+\.{_EXT})"
_HIDDEN = r"(^|/)[._]"


class RawFormatError(ValueError):
    """A _format.yml that can't be used, or a file that does not decode as its declared encoding."""


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class RawFile:
    table: str
    rel: str
    size: int
    file_format: str


def contract() -> dict[str, Table]:
    """The raw tables of models/staging/_sources.yml (source 'raw')."""
    doc = yaml.safe_load((project.PROJECT_DIR / "models" / "staging" / "_sources.yml").read_text())
    source = next(s for s in doc["sources"] if s["name"] == "raw")
    return {t["name"]: Table(t["name"], bool((t.get("meta") or {}).get("required")),
                             tuple(Column(c["name"], c.get("data_type") or "varchar") for c in t["columns"]))
            for t in source["tables"]}


def load_format(raw_dir: Path, tables: list[str]) -> dict[str, dict]:
    """Settings per table from <raw_dir>/_format.yml (defaults when absent); errors as the macro's."""
    path = Path(raw_dir) / FORMAT_FILE
    doc = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    if not isinstance(doc, dict):
        raise RawFormatError(f"{path}: expected a mapping of table name → settings")
    for key, value in doc.items():
        if key not in tables and key != "default":
            raise RawFormatError(f"{path}: unknown table '{key}' (expected default or one of {', '.join(tables)})")
        for setting in (value or {}):
            if setting not in SETTING_DEFAULTS:
                raise RawFormatError(f"{path}: {key}: unknown setting '{setting}' (expected {', '.join(SETTING_DEFAULTS)})")
    result = {}
    for table in tables:
        settings = {**SETTING_DEFAULTS, **(doc.get("default") or {}), **(doc.get(table) or {})}
        where = f"{table} in {path}"
        if settings["decimal_separator"] not in (None, ".", ","):
            raise RawFormatError(f"{where}: decimal_separator must be '.' or ','")
        t = settings["thousands_separator"]
        if t not in (None, "", ",", ".", " ", "'") or (t and t == settings["decimal_separator"]):
            raise RawFormatError(f"{where}: thousands_separator must be '', ',', '.', ' ' or \"'\" and differ from decimal_separator")
        if normalised_encoding(settings) not in ENCODINGS:
            raise RawFormatError(f"{where}: encoding must be utf-8, gbk, gb18030 or gb2312")
        if isinstance(settings["date_formats"], str):
            settings["date_formats"] = [settings["date_formats"]]
        result[table] = settings
    return result


def normalised_encoding(settings: dict) -> str:
    return str(settings["encoding"]).lower().replace("_", "-")


def is_utf8(settings: dict) -> bool:
    return normalised_encoding(settings) in ("utf-8", "utf8")


def find_raw_files(raw_dir: Path, con: duckdb.DuckDBPyConnection | None = None) -> list[RawFile]:
    """Every data file under raw_dir with the table it belongs to (by the hook's rule)."""
    root = str(Path(raw_dir).resolve()).rstrip("/")
    con = con or duckdb.connect()
    rows = con.execute(
        f"""with f as (select substr(filename, {len(root) + 2}) as rel, size from read_blob(?))
            select regexp_extract(lower(rel), '^([^/.]+)', 1), rel, size,
                   case when regexp_matches(lower(rel), '\\.parquet$') then 'parquet' else 'csv' end
            from f where regexp_full_match(lower(rel), '{FILE_PATTERN}') and not regexp_matches(lower(rel), '{_HIDDEN}')
            order by rel""", [root + "/**"]).fetchall()
    return [RawFile(*row) for row in rows]


def csv_options(settings: dict, columns: list[str]) -> str:
    """read_csv options of a table, as the hook builds them."""
    options = ["all_varchar = true", "union_by_name = true", "filename = true"]
    header_row = int(settings["header_row"])
    if header_row == 0:
        options += ["header = false", "names = [" + ", ".join(_sql_string(c) for c in columns) + "]"]
    else:
        options.append("header = true")
        if header_row > 1:
            options.append(f"skip = {header_row - 1}")
    if settings["delimiter"]:
        options.append(f"delim = {_sql_string(settings['delimiter'])}")
    return ", ".join(options)


def _sql_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _regex_escape(char: str) -> str:
    return "\\" + char if char in ".+*?()[]{}|^$\\" else char


def number_sql(v: str, settings: dict) -> str:
    """SQL parsing the text expression v as a double (NULL when not parseable), as parse_number."""
    d, t = settings["decimal_separator"], settings["thousands_separator"]
    if d is None and t is None:
        return (f"case when regexp_full_match({v}, '[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?')"
                f" and not regexp_full_match({v}, '[+-]?[1-9]\\d{{0,2}}\\.\\d{{3}}') then try_cast({v} as double)"
                f" when regexp_full_match({v}, '[+-]?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?')"
                f" and not regexp_full_match({v}, '[+-]?\\d{{1,3}},\\d{{3}}') then try_cast(replace({v}, ',', '') as double)"
                f" when regexp_full_match({v}, '[+-]?\\d{{1,3}}(\\.\\d{{3}})+(,\\d+)?')"
                f" and not regexp_full_match({v}, '[+-]?\\d{{1,3}}\\.\\d{{3}}')"
                f" then try_cast(replace(replace({v}, '.', ''), ',', '.') as double) end")
    d = d if d is not None else ("," if t == "." else ".")
    t = t if t is not None else ("," if d == "." else ".")
    grouped = f"|\\d{{1,3}}({_regex_escape(t)}\\d{{3}})+" if t else ""
    exponent = "([eE][+-]?\\d+)?" if d == "." else ""
    pattern = f"[+-]?(\\d+{grouped})({_regex_escape(d)}\\d+)?{exponent}"
    plain = f"replace({v}, {_sql_string(t)}, '')" if t else v
    value = f"replace({plain}, ',', '.')" if d == "," else plain
    return f"case when regexp_full_match({v}, {_sql_string(pattern)}) then try_cast({value} as double) end"


def date_sql(v: str, settings: dict) -> str:
    """SQL parsing the text expression v as a date, as parse_date."""
    tries = [f"try_cast({v} as date)"] + [f"cast(try_strptime({v}, {_sql_string(f)}) as date)"
                                           for f in settings["date_formats"]]
    return f"coalesce({', '.join(tries)})"


def boolean_sql(v: str) -> str:
    return (f"case when lower({v}) in ('true', 't', '1', 'yes', 'y', '是') then true"
            f" when lower({v}) in ('false', 'f', '0', 'no', 'n', '否') then false end")


AMBIGUOUS_NUMBER = "[+-]?([1-9]\\d{0,2}[.,]\\d{3}|\\d+,\\d+)"
DAY_MONTH_DATE = "\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}"


def clean_sql(column: str) -> str:
    return f"nullif(trim(cast({column} as varchar), ' ' || chr(9) || chr(12288)), '')"


def prepare_utf8_copies(raw_dir: Path, out_dir: Path) -> Path | None:
    """UTF-8 copies, under out_dir with the same relative paths, of the CSV files of every table
    whose _format.yml encoding is not UTF-8; None when no table needs it. A copy newer than its
    source is kept. A byte sequence invalid in the declared encoding is an error naming the file."""
    tables = contract()
    settings = load_format(raw_dir, list(tables))
    targets = [f for f in find_raw_files(raw_dir) if f.table in settings and f.file_format == "csv"
               and not is_utf8(settings[f.table])]
    if not targets:
        return None
    for f in targets:
        source, target = Path(raw_dir) / f.rel, Path(out_dir) / f.rel
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        transcode_file(source, target, normalised_encoding(settings[f.table]))
    return Path(out_dir)


def _blocks(path: Path, block: int = 1 << 24):
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as src:
        while chunk := src.read(block):
            yield chunk


def first_invalid_byte(path: Path, encoding: str) -> int | None:
    """Offset of the first byte sequence of path (gzip read through) invalid in encoding, or None."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    for chunk in [*_blocks(path), b""]:
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as err:
            return offset + err.start
        offset += len(chunk)
    return None


def transcode_file(source: Path, target: Path, encoding: str) -> None:
    """Decode source (gzip kept) in 16 MB blocks and write it as UTF-8 (an invalid byte: RawFormatError)."""
    bad = first_invalid_byte(source, encoding)
    if bad is not None:
        raise RawFormatError(f"{source}: byte {bad} is not valid {encoding} "
                             f"(the encoding set in {FORMAT_FILE}); fix the file or the setting")
    decoder = codecs.getincrementaldecoder(encoding)()
    partial = target.with_name(target.name + ".partial")
    with (gzip.open if source.name.lower().endswith(".gz") else open)(partial, "wb") as dst:
        for chunk in [*_blocks(source), b""]:
            dst.write(decoder.decode(chunk, final=not chunk).encode("utf-8"))
    partial.replace(target)
