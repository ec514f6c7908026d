"""`sme-credit check RAW_DIR`: a dry run of reading a raw directory, without building.

Per file: the columns found against the contract (missing, unexpected), rows, date range, parse
failures by column with examples, and the _format.yml settings it would need. Each file is read
once by one DuckDB aggregate query with the same discovery, CSV options and parsing rules as
the dbt hook and staging macros (sme_credit.onboarding.raw_format), so what check reports is
what the build would quarantine for want of a parse.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from sme_credit.onboarding import raw_format as rf

_PARSERS = {"date": "date", "double": "number", "integer": "integer", "boolean": "boolean"}


@dataclass
class ColumnFailures:
    column: str
    kind: str
    failures: int
    examples: list[str]
    needs: str | None = None


@dataclass
class FileReport:
    table: str
    file: str
    file_format: str
    rows: int = 0
    missing_columns: list[str] = field(default_factory=list)
    unexpected_columns: list[str] = field(default_factory=list)
    date_ranges: dict[str, list[str | None]] = field(default_factory=dict)
    failures: list[ColumnFailures] = field(default_factory=list)
    delimiter: str | None = None
    error: str | None = None
    needs: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return bool(self.error) + len(self.missing_columns) + len(self.failures)


@dataclass
class CheckReport:
    raw_dir: str
    format_file: str | None
    files: list[FileReport]
    table_problems: list[str]
    unread_files: list[str]

    @property
    def problems(self) -> int:
        return len(self.table_problems) + sum(f.problems for f in self.files)


def _parsed_sql(kind: str, v: str, settings: dict) -> str:
    if kind == "date":
        return rf.date_sql(v, settings)
    if kind == "boolean":
        return rf.boolean_sql(v)
    number = rf.number_sql(v, settings)
    if kind == "integer":  # never rounded, like parse_integer (89.6 days is a failure, not 90)
        return f"case when {number} = floor({number}) then try_cast({number} as integer) end"
    return number


def _needs(kind: str, table: str, settings: dict, ambiguous: int, day_month: int) -> str | None:
    """The setting that would resolve a column's failures, when one would."""
    if kind in ("number", "integer") and ambiguous and settings["decimal_separator"] is None \
            and settings["thousands_separator"] is None:
        return f"ambiguous decimal/thousands separators: set decimal_separator for {table} in {rf.FORMAT_FILE}"
    if kind == "date" and day_month and not settings["date_formats"]:
        return f"day/month order unknown: set date_formats for {table} in {rf.FORMAT_FILE}"
    return None


def check_file(con: duckdb.DuckDBPyConnection, path: Path, file: rf.RawFile, table: rf.Table,
               settings: dict) -> FileReport:
    report = FileReport(file.table, file.rel, file.file_format)
    if file.size == 0:
        return report  # an empty file: 0 rows, as the build counts it
    if file.file_format == "csv" and rf.is_utf8(settings):
        bad = rf.first_invalid_byte(path, "utf-8")
        if bad is not None:
            decodes = [e for e in ("gb18030", "gbk") if rf.first_invalid_byte(path, e) is None]
            report.error = f"byte {bad} is not valid UTF-8"
            report.needs.append(f"the file is not UTF-8 (it decodes as {' and '.join(decodes) or 'neither gbk nor gb18030'}):"
                                f" set encoding for {file.table} in {rf.FORMAT_FILE}")
            return report
    names = [c.name for c in table.columns]
    literal = rf._sql_string(str(path))
    reader = (f"read_parquet([{literal}])" if file.file_format == "parquet"
              else f"read_csv([{literal}], {rf.csv_options(settings, names)})")
    try:
        described = con.execute(f"describe select * from {reader}").fetchall()
    except duckdb.Error as err:
        report.error = " ".join(str(err).split())[:300]
        return report
    present = {name.lower(): dtype for name, dtype, *_ in described if name != "filename"}
    report.missing_columns = [c for c in names if c.lower() not in present]
    report.unexpected_columns = [c for c in present if c not in {n.lower() for n in names}]
    if file.file_format == "csv" and not settings["delimiter"]:
        sniffed = con.execute(f"select delimiter from sniff_csv({literal})").fetchone()
        report.delimiter = sniffed[0] if sniffed else None

    checked = [c for c in table.columns if c.name.lower() in present and c.data_type in _PARSERS
               and present[c.name.lower()] == "VARCHAR"]  # typed Parquet columns need no parsing
    select = ["count(*)"]
    for c in checked:
        kind, v = _PARSERS[c.data_type], rf.clean_sql('"' + c.name.replace('"', '""') + '"')
        failed = f"{v} is not null and ({_parsed_sql(kind, v, settings)}) is null"
        select += [f"count(*) filter (where {failed})",
                   f"list_slice(list(distinct {v}) filter (where {failed}), 1, 3)",
                   f"count(*) filter (where {failed} and regexp_full_match({v}, '{rf.AMBIGUOUS_NUMBER}'))",
                   f"count(*) filter (where {failed} and regexp_full_match({v}, '{rf.DAY_MONTH_DATE}'))"]
        if kind == "date":
            select += [f"min({_parsed_sql(kind, v, settings)})", f"max({_parsed_sql(kind, v, settings)})"]
    row = con.execute(f"select {', '.join(select)} from {reader}").fetchone()
    report.rows, i = row[0], 1
    for c in checked:
        kind = _PARSERS[c.data_type]
        failures, examples, ambiguous, day_month = row[i:i + 4]
        i += 4
        if kind == "date":
            low, high = row[i:i + 2]
            i += 2
            report.date_ranges[c.name] = [str(low) if low else None, str(high) if high else None]
        if failures:
            needs = _needs(kind, file.table, settings, ambiguous, day_month)
            report.failures.append(ColumnFailures(c.name, kind, failures, sorted(examples), needs))
            if needs and needs not in report.needs:
                report.needs.append(needs)
    return report


def check_raw_dir(raw_dir: Path) -> CheckReport:
    raw_dir = Path(raw_dir).resolve()
    tables = rf.contract()
    settings = rf.load_format(raw_dir, list(tables))
    con = duckdb.connect()
    files = rf.find_raw_files(raw_dir, con)
    unread = [f.rel for f in files if f.table not in tables]
    table_problems = []
    files = [f for f in files if f.table in tables]
    for name, table in tables.items():
        held = [f for f in files if f.table == name]
        if table.required and not held:
            table_problems.append(f"{name}: required, but no file found ({name}.csv/.parquet or {name}/…)")
        if len({f.file_format for f in held}) > 1:
            table_problems.append(f"{name}: both Parquet and CSV files; keep one format per table")
    reports = []
    with tempfile.TemporaryDirectory(prefix="sme-credit-check-") as tmp:
        for f in files:
            path = raw_dir / f.rel
            if f.file_format == "csv" and f.size and not rf.is_utf8(settings[f.table]):
                path = Path(tmp) / f.rel
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    rf.transcode_file(raw_dir / f.rel, path, rf.normalised_encoding(settings[f.table]))
                except rf.RawFormatError as err:
                    reports.append(FileReport(f.table, f.rel, f.file_format, error=str(err)))
                    continue
            reports.append(check_file(con, path, f, tables[f.table], settings[f.table]))
    for name, table in tables.items():
        if table.required and any(f.table == name for f in files) and \
                sum(r.rows for r in reports if r.table == name) == 0:
            table_problems.append(f"{name}: required, but its files hold no rows")
    format_path = raw_dir / rf.FORMAT_FILE
    return CheckReport(str(raw_dir), str(format_path) if format_path.exists() else None, reports,
                       table_problems, unread)


def format_report(report: CheckReport) -> str:
    lines = [f"raw directory {report.raw_dir}",
             f"format settings: {report.format_file or f'none ({rf.FORMAT_FILE} absent: defaults)'}"]
    for f in report.files:
        head = f"{f.file}  [{f.table}, {f.file_format}]  {f.rows} rows"
        if f.delimiter:
            head += f"  delimiter {f.delimiter!r}"
        lines.append(head)
        if f.error:
            lines.append(f"    ERROR {f.error}")
        elif f.rows == 0:
            lines.append("    no rows (empty or header-only file: reconciled with 0 rows)")
        if f.missing_columns:
            lines.append(f"    missing columns: {', '.join(f.missing_columns)}")
        if f.unexpected_columns:
            lines.append(f"    unexpected columns (ignored): {', '.join(f.unexpected_columns)}")
        for column, (low, high) in f.date_ranges.items():
            lines.append(f"    {column}: {low} … {high}")
        for c in f.failures:
            examples = ", ".join(repr(e) for e in c.examples)
            lines.append(f"    parse failures {c.column} ({c.kind}): {c.failures} (e.g. {examples})")
        for need in f.needs:
            lines.append(f"    needs: {need}")
    if report.unread_files:
        lines.append(f"NOT READ (no table of the contract): {', '.join(report.unread_files)}")
    lines += [f"PROBLEM {p}" for p in report.table_problems]
    lines.append(f"{report.problems} problem(s) in {len(report.files)} file(s)")
    return "\n".join(lines)


def run_check(raw_dir: Path, as_json: bool = False) -> int:
    """Print the report; exit code 1 when there is a problem, 2 when _format.yml can't be used."""
    if not Path(raw_dir).is_dir():
        print(f"ERROR {raw_dir}: no such directory")
        return 2
    try:
        report = check_raw_dir(raw_dir)
    except rf.RawFormatError as err:
        print(f"ERROR {err}")
        return 2
    if as_json:
        print(json.dumps(asdict(report) | {"problems": report.problems}, indent=2, ensure_ascii=False, default=str))
    else:
        print(format_report(report))
    return 1 if report.problems else 0
