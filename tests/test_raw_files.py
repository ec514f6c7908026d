"""Raw file onboarding (README "Raw file format", "Completeness"): every file found and reconciled,
numbers and dates parsed by _format.yml or quarantined with the setting to use, GBK transcoded,
missing months failing the build, and `sme-credit check` on a corrupted directory.

Each raw set is hand-made and tiny; the dbt builds select only the staging and data-quality marts.
"""
from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import query
from sme_credit import project
from sme_credit.onboarding import raw_format as rf
from sme_credit.onboarding.check import check_raw_dir, format_report

SELECT = ["--select", "+source_reconciliation", "+source_completeness", "+invoice_month_coverage"]
ENTERPRISES = ("enterprise_id,enterprise_name,industry,region,size_class,founded_on,credit_rating,has_defaulted\n"
               "E1,a,trade,浙江,small,2012-05-01,B,否\nE2,b,trade,江苏,small,2012-05-01,B,否\n")
HEADER = "enterprise_id,direction,invoice_number,issue_date,counterparty_id,amount,tax,total,status\n"


def _dbt(raw: Path, db: Path, *args: str) -> subprocess.CompletedProcess:
    """dbt through project.run_dbt's environment (with its UTF-8 transcoding), output captured."""
    script = ("import sys; from sme_credit import project; "
              "sys.exit(project.run_dbt(sys.argv[3:], sys.argv[1], sys.argv[2]))")
    return subprocess.run([sys.executable, "-c", script, str(raw), str(db), *args], check=False,
                          capture_output=True, text=True, env=project.dbt_env(raw, db))


def _write(raw: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return raw


# --- no settings: ambiguous numbers quarantined, every file found and reconciled, a missing month

UNSET = {
    "enterprises.csv": ENTERPRISES,
    # uppercase extension in a nested month folder; ';' and a decimal comma
    "invoices/2022-01/part-00001.CSV": (HEADER.replace(",", ";")
                                        + "E1;sales;s1;2022-01-05;B1;1330,99;0;1330,99;valid\n"
                                        + "E1;sales;s2;2022-01-06;B1;328.000;0;328.000;valid\n"
                                        + "E1;sales;s3;2022-01-07;B1;1,234.56;0;1234.56;valid\n"
                                        + "E1;purchase;p1;2022-01-08;A1;-5;0;-5;valid\n"),
    "invoices/2022-02/empty.csv": "",
    "invoices/2022-02/header_only.csv": HEADER,
    # folder and extension in capitals
    "INVOICES/2022-03/PART-00003.CSV.GZ": gzip.compress(
        (HEADER + "E1,sales,s4,2022-03-01,B1,100,13,113,valid\nE1,purchase,p2,2022-03-02,A1,50,0,50,valid\n"
         + "E2,sales,t1,2022-03-02,B1,10,0,10,valid\n").encode()),
}


@pytest.fixture(scope="module")
def unset(tmp_path_factory):
    root = tmp_path_factory.mktemp("raw_unset")
    raw = _write(root / "raw", UNSET)
    db = root / "w.duckdb"
    result = _dbt(raw, db, "build", *SELECT, "--vars", "{completeness_severity: warn}")
    assert result.returncode == 0, result.stdout[-3000:]
    return raw, db, result.stdout


def test_ambiguous_numbers_are_quarantined_with_the_setting_to_use(unset):
    _, db, _ = unset
    reasons = query(db, "select quarantine_reason from marts.quarantine where source_table = 'invoices' "
                        "order by quarantine_reason")["quarantine_reason"].tolist()
    assert reasons == [
        "amount: '1330,99' is ambiguous (decimal comma or thousands separator?): set decimal_separator for invoices in _format.yml",
        "amount: '328.000' is ambiguous (decimal point or thousands separator?): set decimal_separator for invoices in _format.yml",
    ]
    amounts = query(db, "select invoice_number, amount from staging.stg_invoices order by invoice_number")
    assert dict(zip(amounts.invoice_number, amounts.amount)) == {
        "p1": -5.0, "p2": 50.0, "s3": 1234.56, "s4": 100.0, "t1": 10.0}


def test_every_file_is_found_and_reconciled_including_empty_ones(unset):
    _, db, _ = unset
    rec = query(db, "select source_file, raw_rows, staged_rows, quarantined_rows, is_reconciled "
                    "from marts.source_reconciliation where source_table = 'invoices' order by source_file")
    assert rec.source_file.tolist() == ["INVOICES/2022-03/PART-00003.CSV.GZ", "invoices/2022-01/part-00001.CSV",
                                        "invoices/2022-02/empty.csv", "invoices/2022-02/header_only.csv"]
    assert rec.raw_rows.tolist() == [3, 4, 0, 0]
    assert rec.staged_rows.tolist() == [3, 2, 0, 0]
    assert rec.quarantined_rows.tolist() == [0, 2, 0, 0]
    assert rec.is_reconciled.all()


def test_missing_month_warns_with_the_files_read(unset):
    _, db, stdout = unset
    messages = query(db, "select message from marts.source_completeness where message is not null")["message"].tolist()
    files = "INVOICES/2022-03/PART-00003.CSV.GZ, invoices/2022-01/part-00001.CSV, invoices/2022-02/empty.csv, … (4 files)"
    assert messages == [f"invoices: no purchase rows for 2022-02 in {files}", f"invoices: no sales rows for 2022-02 in {files}"]
    assert "incomplete source: invoices: no sales rows for 2022-02" in stdout


def test_missing_month_fails_the_build_by_default(unset):
    raw, db, _ = unset
    result = _dbt(raw, db, "run", "--select", "source_completeness")
    assert result.returncode != 0
    assert "invoices: no sales rows for 2022-02 in INVOICES/2022-03/PART-00003.CSV.GZ, invoices/2022-01/part-00001.CSV" in result.stdout


def test_declared_expected_months_beyond_the_data_are_missing(unset):
    raw, db, _ = unset
    result = _dbt(raw, db, "run", "--select", "source_completeness", "--vars",
                  "{completeness_severity: warn, expected_months: {invoices: {first: '2022-01', last: '2022-04'}}}")
    assert result.returncode == 0, result.stdout[-3000:]
    months = query(db, "select strftime(month, '%Y-%m') as m from marts.source_completeness "
                       "where is_missing and segment = 'sales' order by month")["m"].tolist()
    assert months == ["2022-02", "2022-04"]


def test_enterprise_month_coverage(unset):
    _, db, _ = unset
    cov = query(db, "select * from marts.invoice_month_coverage order by enterprise_id")
    e1 = cov.iloc[0]
    assert (e1.enterprise_id, e1.expected_months, e1.months_with_invoices, e1.missing_months) == ("E1", 3, 2, 1)
    assert e1.missing_month_list == "2022-02" and e1.coverage_ratio == pytest.approx(2 / 3)
    assert cov.iloc[1].missing_months == 0 and pd.isna(cov.iloc[1].missing_month_list)


# --- settings: ';', decimal comma, thousands dot, d.m.Y dates, GBK

GBK_INVOICES = (HEADER.replace(",", ";")
                + "E1;销项;s1;05.01.2022;B1;1330,99;0;1330,99;有效发票\n"
                + "E1;进项;p1;2022-01-06;A1;328.000;0;328.000;有效发票\n"
                + "E2;销项;t1;07.01.2022;B1;1.234.567,5;0;1.234.567,5;作废发票\n"
                + "E2;销项;t2;08.01.2022;B1;1,5.5;0;1;有效发票\n")
FORMAT = """\
# settings of this delivery
default:
  decimal_separator: ","
  thousands_separator: "."
invoices:
  delimiter: ";"
  date_formats: ["%d.%m.%Y"]
  encoding: gbk
enterprises:
  encoding: gb18030
  header_row: 2
"""


@pytest.fixture(scope="module")
def with_settings(tmp_path_factory):
    root = tmp_path_factory.mktemp("raw_settings")
    raw = _write(root / "raw", {"_format.yml": FORMAT, "enterprises.csv": ("企业信息 2022\n" + ENTERPRISES).encode("gb18030"),
                                "invoices/part-0.csv": GBK_INVOICES.encode("gbk")})
    db = root / "w.duckdb"
    result = _dbt(raw, db, "build", *SELECT)
    assert result.returncode == 0, result.stdout[-3000:]
    return raw, db


def test_settings_parse_decimal_comma_thousands_dot_and_day_month_dates(with_settings):
    _, db = with_settings
    inv = query(db, "select invoice_number, amount, issue_date, direction, status from staging.stg_invoices "
                    "order by invoice_number")
    assert inv.amount.tolist() == [328000.0, 1330.99, 1234567.5]
    assert [str(d.date()) if hasattr(d, "date") else str(d) for d in inv.issue_date] == ["2022-01-06", "2022-01-05", "2022-01-07"]
    assert inv.status.tolist() == ["valid", "valid", "voided"] and inv.direction.tolist() == ["purchase", "sales", "sales"]
    reason = query(db, "select quarantine_reason from marts.quarantine")["quarantine_reason"].tolist()
    assert reason == [("amount: unparseable number '1,5.5' (decimal_separator \",\", thousands_separator \".\" "
                       "for invoices in _format.yml)")]


def test_gbk_and_gb18030_files_are_read_as_chinese_text(with_settings):
    _, db = with_settings
    regions = query(db, "select region from staging.stg_enterprises order by enterprise_id")["region"].tolist()
    assert regions == ["浙江", "江苏"]
    rec = query(db, "select source_file, raw_rows, is_reconciled from marts.source_reconciliation order by 1")
    assert rec.source_file.tolist() == ["enterprises.csv", "invoices/part-0.csv"]  # paths as delivered
    assert rec.raw_rows.tolist() == [2, 4] and rec.is_reconciled.all()


def test_bytes_invalid_in_the_declared_encoding_stop_the_build(tmp_path):
    raw = _write(tmp_path / "raw", {"_format.yml": "invoices:\n  encoding: gbk\n", "enterprises.csv": ENTERPRISES,
                                    "invoices.csv": HEADER.encode() + b"E1,sales,s1,2022-01-05,B1,1,0,1,\xff\xff\n"})
    result = _dbt(raw, tmp_path / "w.duckdb", "run", "--select", "base_invoices")
    assert result.returncode == 2
    assert f"{raw}/invoices.csv: byte" in result.stderr and "is not valid gbk" in result.stderr


# --- number parsing rules (the SQL of check; the macros' twin is exercised by the builds above)

@pytest.mark.parametrize("settings, cases", [
    ({}, {"1234.56": 1234.56, "-5": -5.0, "1,234.56": 1234.56, "1.234,56": 1234.56, "1,234,567": 1234567.0,
          "1.5e3": 1500.0, "0.500": 0.5, "1,234": None, "1.234": None, "1330,99": None, "328.000": None, "abc": None}),
    ({"decimal_separator": ","}, {"1330,99": 1330.99, "1.234,5": 1234.5, "1234": 1234.0, "1,234.56": None}),
    ({"thousands_separator": "."}, {"328.000": 328000.0, "1.234.567,8": 1234567.8, "1.23": None}),
    ({"decimal_separator": ".", "thousands_separator": ""}, {"1,234": None, "1234.5": 1234.5}),
    ({"decimal_separator": ",", "thousands_separator": " "}, {"1 234,5": 1234.5, "1.234,5": None}),
])
def test_number_rules(settings, cases):
    full = {**rf.SETTING_DEFAULTS, **settings}
    con = duckdb.connect()
    for text, expected in cases.items():
        got = con.execute(f"select {rf.number_sql('v', full)} from (select ?::varchar as v)", [text]).fetchone()[0]
        assert got == (pytest.approx(expected) if expected is not None else None), (settings, text, got)


# --- check on a corrupted directory

def test_check_reports_a_corrupted_directory(tmp_path):
    raw = _write(tmp_path / "raw", {
        "enterprises.csv": ENTERPRISES.replace("founded_on", "founded"),  # a contract column renamed
        "invoices/a.csv": HEADER + 'E1,sales,s1,05/01/2022,B1,"1,234",0,1234,valid\nE1,sales,s2,2022-01-09,B1,x,0,1,valid\n',
        "invoices/b.CSV": (HEADER + "E1,sales,s3,2022-01-05,B1,1,0,1,有效发票\n").encode("gbk"),
        "invoices2.csv": HEADER,
    })
    report = check_raw_dir(raw)
    text = format_report(report)
    by_file = {f.file: f for f in report.files}
    assert by_file["enterprises.csv"].missing_columns == ["founded_on"]
    assert by_file["enterprises.csv"].unexpected_columns == ["founded"]
    a = by_file["invoices/a.csv"]
    assert a.rows == 2 and a.date_ranges["issue_date"] == ["2022-01-09", "2022-01-09"]
    assert [(c.column, c.failures, c.examples) for c in a.failures] == [
        ("issue_date", 1, ["05/01/2022"]), ("amount", 2, ["1,234", "x"])]
    assert a.needs == ["day/month order unknown: set date_formats for invoices in _format.yml",
                       "ambiguous decimal/thousands separators: set decimal_separator for invoices in _format.yml"]
    b = by_file["invoices/b.CSV"]
    assert b.error == f"byte {len(HEADER + 'E1,sales,s3,2022-01-05,B1,1,0,1,')} is not valid UTF-8"
    assert b.needs == ["the file is not UTF-8 (it decodes as gb18030 and gbk): set encoding for invoices in _format.yml"]
    assert report.unread_files == ["invoices2.csv"]
    assert "NOT READ (no table of the contract): invoices2.csv" in text
    assert "missing columns: founded_on" in text and "parse failures amount (number): 2 (e.g. '1,234', 'x')" in text


def test_check_cli_on_the_unset_set_matches_the_build(unset):
    raw, db, _ = unset
    result = subprocess.run([sys.executable, "-m", "sme_credit.cli", "check", str(raw)], check=False,
                            capture_output=True, text=True)
    assert result.returncode == 1  # the ambiguous amounts
    assert "invoices/2022-02/empty.csv  [invoices, csv]  0 rows" in result.stdout
    assert "parse failures amount (number): 2 (e.g. '1330,99', '328.000')" in result.stdout
    quarantined = query(db, "select count(*) as n from marts.quarantine where source_table = 'invoices'").n[0]
    assert quarantined == 2


def test_a_part_file_missing_a_contract_column_stops_the_build(tmp_path):
    raw = _write(tmp_path / "raw", {"enterprises.csv": ENTERPRISES,
                                    "invoices/a.csv": HEADER + "E1,sales,s1,2022-01-05,B1,1,0,1,valid\n",
                                    "invoices/b.csv": HEADER.replace(",tax", "") + "E1,sales,s2,2022-01-05,B1,1,1,valid\n"})
    result = _dbt(raw, tmp_path / "w.duckdb", "run", "--select", "base_invoices")
    assert result.returncode != 0
    assert "raw table 'invoices': missing column(s): invoices/b.csv lacks tax." in result.stdout


def test_check_reads_headerless_files_in_contract_order(tmp_path):
    body = ENTERPRISES.split("\n", 1)[1]
    raw = _write(tmp_path / "raw", {"_format.yml": "enterprises:\n  header_row: 0\n", "enterprises.csv": body,
                                    "invoices.csv": HEADER + "E1,sales,s1,2022-01-05,B1,1,0,1,valid\n"})
    report = check_raw_dir(raw)
    enterprises = next(f for f in report.files if f.table == "enterprises")
    assert (enterprises.rows, enterprises.missing_columns, enterprises.failures) == (2, [], [])
    assert report.problems == 0


def test_header_only_purchase_file_fails_the_build_instead_of_zero_purchases(tmp_path):
    """The tester's case: sales delivered, the purchase file header-only."""
    raw = _write(tmp_path / "raw", {"enterprises.csv": ENTERPRISES, "invoices/purchases.csv": HEADER,
                                    "invoices/sales.csv": HEADER + "E1,sales,s1,2022-01-05,B1,1,0,1,valid\n"
                                    + "E1,sales,s2,2022-02-05,B1,1,0,1,valid\n"})
    result = _dbt(raw, tmp_path / "w.duckdb", "run", "--select", "+source_reconciliation", "+source_completeness")
    assert result.returncode != 0
    for month in ("2022-01", "2022-02"):
        assert f"invoices: no purchase rows for {month} in invoices/purchases.csv, invoices/sales.csv" in result.stdout
    rec = query(tmp_path / "w.duckdb", "select source_file, raw_rows from marts.source_reconciliation where source_table = 'invoices'")
    assert dict(zip(rec.source_file, rec.raw_rows)) == {"invoices/purchases.csv": 0, "invoices/sales.csv": 2}


NUMBER_TEXTS = ["1234.56", "-5", "+7", "1.5e3", "0.500", ".5", "1,234.56", "1.234,56", "1,234,567", "1.234.567",
                "1,234", "1.234", "1330,99", "328.000", "1 234,5", "1,5.5", "12,34,567", "abc", "1234,5"]


@pytest.mark.parametrize("format_yml, settings", [
    ("", {}),
    ('invoices:\n  decimal_separator: ","\n  thousands_separator: "."\n', {"decimal_separator": ",", "thousands_separator": "."}),
    ('invoices:\n  decimal_separator: ","\n  thousands_separator: " "\n', {"decimal_separator": ",", "thousands_separator": " "}),
])
def test_staging_macros_and_check_parse_numbers_alike(tmp_path, format_yml, settings):
    """parse_number (dbt) and raw_format.number_sql (check) on the same texts give the same values."""
    rows = "".join(f'E1,sales,n{i},2022-01-05,B1,"{t}",0,1,valid\n' for i, t in enumerate(NUMBER_TEXTS))
    files = {"enterprises.csv": ENTERPRISES, "invoices.csv": HEADER + rows}
    if format_yml:
        files["_format.yml"] = format_yml
    raw = _write(tmp_path / "raw", files)
    result = _dbt(raw, tmp_path / "w.duckdb", "run", "--select", "+base_invoices")
    assert result.returncode == 0, result.stdout[-3000:]
    dbt_values = query(tmp_path / "w.duckdb", "select invoice_number, amount from staging.base_invoices")
    dbt_values = dict(zip(dbt_values.invoice_number, dbt_values.amount))
    con = duckdb.connect()
    full = {**rf.SETTING_DEFAULTS, **settings}
    for i, text in enumerate(NUMBER_TEXTS):
        mine = con.execute(f"select {rf.number_sql('v', full)} from (select ?::varchar as v)", [text]).fetchone()[0]
        theirs = dbt_values[f"n{i}"]
        assert (mine is None and pd.isna(theirs)) or mine == pytest.approx(theirs), (text, mine, theirs)
