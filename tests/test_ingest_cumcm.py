"""Tests of the CUMCM 2020 C ingest adapter on tiny hand-made files and on the real data set."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import logging
import time
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from sme_credit import project
from sme_credit.ingest.cumcm import (
    IngestError,
    MissingColumnError,
    MissingSourceError,
    ingest_cumcm,
    read_rate_churn,
)

SEEDS = project.PROJECT_DIR / "seeds"

ATT1_ENTERPRISES = [
    ["企业代号", "企业名称", "信誉评级", "是否违约"],
    ["E1", "***电器销售有限公司", "A", "否"],
    ["E2", "***建筑科技有限公司", "D", "是"],  # 建筑 (construction) and 科技 (technology) compete
    ["E3", "***发展有限责任公司", "B", "否"],  # no keyword: unknown
    ["E4", "***酒店管理有限公司", "C", "否"],  # 酒店 beats 管理
]
ATT2_ENTERPRISES = [
    ["企业代号", "企业名称"],
    ["E124", "个体经营E124 "],  # trailing space, as in the real att2
    ["E125", "***物流有限公司"],
]
INPUT_HEADER = ["企业代号", "发票号码", "开票日期", "销方单位代号", "金额", "税额", "价税合计", "发票状态"]
OUTPUT_HEADER = ["企业代号", "发票号码", "开票日期", "购方单位代号", "金额", "税额", "价税合计", "发票状态"]
ATT1_INPUT = [
    INPUT_HEADER,
    ["E1", "3390939", "2017/7/18", "A00297", "-943.4", "-56.6", "-1000.0", "有效发票"],
    ["E1", "3390940", "2017/7/18", "A00297", "-4780.24", "-286.81", "-5067.05", "有效发票"],
    ["E1", "3390940", "2017/7/18", "A00297", "-4780.24", "-286.81", "-5067.05", "有效发票"],  # exact duplicate
    ["E2", "1234567", "2019/12/1", "A00001", "100.0", "13.0", "113.0", "有效发票"],
]
ATT1_OUTPUT = [
    OUTPUT_HEADER,
    ["E1", "11459356", "2017/8/4", "B03711", "9401.71", "1598.29", "11000.0", "有效发票"],
    ["E1", "11459357", "2017/8/5", "B03711", "500.0", "85.0", "585.0", " 作废发票"],  # leading space
]
ATT2_INPUT = [
    INPUT_HEADER,
    ["E124", "18891676", "2017/9/1", "C00014", "338.46", "57.54", "396.0", "有效发票"],
]
ATT2_OUTPUT = [
    OUTPUT_HEADER,
    ["E124", "15212483", "2017/9/1", "D00585", "839350.55", "92328.56", "931679.11", "有效发票"],
    ["E125", "15212484", "2017/9/2", "D00585", "10.0", "0.6", "10.6", " 作废发票"],
    ["E125", "15212484", "2017/9/2", "D00585", "10.0", "0.6", "10.6", " 作废发票"],  # exact duplicate
]
CSV_TABLES = {
    "att1_enterprise_info": ATT1_ENTERPRISES,
    "att1_input_invoices": ATT1_INPUT,
    "att1_output_invoices": ATT1_OUTPUT,
    "att2_enterprise_info": ATT2_ENTERPRISES,
    "att2_input_invoices": ATT2_INPUT,
    "att2_output_invoices": ATT2_OUTPUT,
}
INVOICE_COLUMNS = [
    "enterprise_id", "direction", "invoice_number", "issue_date", "counterparty_id",
    "amount", "tax", "total", "status",
]
EXPECTED_INDUSTRY = {
    "E1": "trade",
    "E2": "construction",
    "E3": "unknown",
    "E4": "tourism_hospitality",
    "E124": "sole_proprietor",
    "E125": "transport_logistics",
}
# README of the real data set: rows per file.
REAL_ROWS = {
    "att1_enterprise_info": 123,
    "att1_input_invoices": 210_947,
    "att1_output_invoices": 162_484,
    "att2_enterprise_info": 302,
    "att2_input_invoices": 395_175,
    "att2_output_invoices": 330_835,
}


# --------------------------------------------------------------------------- fixtures


def write_csv_layout(src: Path, *, gz: bool = True, tables: dict | None = None) -> Path:
    """Write the six CSV conversions (text exactly as given)."""
    src.mkdir(parents=True, exist_ok=True)
    for stem, rows in (tables or CSV_TABLES).items():
        path = src / f"{stem}.csv{'.gz' if gz else ''}"
        with (gzip.open(path, "wt", encoding="utf-8", newline="") if gz
              else path.open("w", encoding="utf-8", newline="")) as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    return src


def _typed(header: list[str], row: list[str]) -> list:
    """An invoice row as the official workbook types it: numbers, a date cell."""
    cells = dict(zip(header, row))
    return [
        int(cells[h]) if h == "发票号码"
        else datetime.strptime(cells[h], "%Y/%m/%d") if h == "开票日期"
        else float(cells[h]) if h in ("金额", "税额", "价税合计")
        else cells[h]
        for h in header
    ]


def write_xlsx_layout(src: Path) -> Path:
    """Write 附件1.xlsx / 附件2.xlsx with typed cells, as the official attachments."""
    src.mkdir(parents=True, exist_ok=True)
    for n in (1, 2):
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for suffix, sheet in (("enterprise_info", "企业信息"), ("input_invoices", "进项发票信息"),
                              ("output_invoices", "销项发票信息")):
            ws = wb.create_sheet(sheet)
            header, *rows = CSV_TABLES[f"att{n}_{suffix}"]
            ws.append(header)
            for row in rows:
                ws.append(row if suffix == "enterprise_info" else _typed(header, row))
        if n == 1:  # one date typed as text, as a hand-edited workbook might have it
            wb["进项发票信息"]["C5"] = "2019/12/1"
        wb.save(src / f"附件{n}.xlsx")
    return src


def write_rate_churn(path: Path) -> Path:
    """A small attachment 3: two header rows with merged cells, like the official file."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["贷款年利率", "客户流失率", None, None])
    ws.append([None, "信誉评级A", "信誉评级B", "信誉评级C"])
    ws.append([0.04, 0, 0, 0])
    ws.append([0.0425, 0.0945, 0.0668, 0.0687])
    ws.append([0.15, 0.922, 0.886, 0.895])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:D1")
    wb.save(path)
    return path


def read(path: Path) -> pd.DataFrame:
    """A written Parquet file as a frame, NULLs as None."""
    with duckdb.connect() as con:
        frame = con.sql(f"select * from read_parquet('{path}')").df()
    return frame.astype(object).where(frame.notna(), None)


@pytest.fixture
def csv_ingest(tmp_path: Path) -> tuple[Path, Path, dict]:
    src = write_csv_layout(tmp_path / "src")
    out = tmp_path / "raw"
    return src, out, ingest_cumcm(src, out)


# --------------------------------------------------------------------------- CSV layout


def test_invoice_headers_and_direction(csv_ingest):
    _, out, _ = csv_ingest
    files = sorted(p.name for p in (out / "invoices").iterdir())
    assert files == [f"{stem}.parquet" for stem in sorted(CSV_TABLES) if "invoices" in stem]
    purchases = read(out / "invoices" / "att1_input_invoices.parquet")
    sales = read(out / "invoices" / "att1_output_invoices.parquet")
    assert list(purchases.columns) == INVOICE_COLUMNS
    assert set(purchases["direction"]) == {"purchase"} and set(sales["direction"]) == {"sales"}
    assert purchases["counterparty_id"].tolist()[0] == "A00297"  # 销方单位代号
    assert sales["counterparty_id"].tolist()[0] == "B03711"  # 购方单位代号
    assert not (out / "loans.parquet").exists() and not (out / "financial_statements.parquet").exists()


def test_rows_kept_as_source_text(csv_ingest):
    _, out, _ = csv_ingest
    purchases = read(out / "invoices" / "att1_input_invoices.parquet")
    expected = pd.DataFrame([r for r in ATT1_INPUT[1:]], columns=INPUT_HEADER)
    # every row in source order, the exact duplicate included, every value the source text
    assert purchases[["enterprise_id", "invoice_number", "issue_date", "counterparty_id",
                      "amount", "tax", "total", "status"]].values.tolist() == expected.values.tolist()
    assert purchases.iloc[0][["issue_date", "amount", "total"]].tolist() == ["2017/7/18", "-943.4", "-1000.0"]
    sales = read(out / "invoices" / "att2_output_invoices.parquet")
    assert sales["status"].tolist() == ["有效发票", " 作废发票", " 作废发票"]
    assert sales.duplicated().sum() == 1


def test_enterprises(csv_ingest):
    _, out, _ = csv_ingest
    ent = read(out / "enterprises.parquet").set_index("enterprise_id")
    assert list(ent.index) == ["E1", "E2", "E3", "E4", "E124", "E125"]
    assert ent.loc["E124", "enterprise_name"] == "个体经营E124 "  # trailing space kept raw
    assert ent.loc["E1", "credit_rating"] == "A" and ent.loc["E2", "credit_rating"] == "D"
    assert ent.loc["E1", "has_defaulted"] is False and ent.loc["E2", "has_defaulted"] is True
    assert ent.loc[["E124", "E125"], ["credit_rating", "has_defaulted"]].isna().all().all()
    assert ent[["region", "size_class", "founded_on"]].isna().all().all()
    with duckdb.connect() as con:
        described = con.execute(f"describe select * from '{out / 'enterprises.parquet'}'").fetchall()
    types = {name: kind for name, kind, *_ in described}
    assert types["founded_on"] == "DATE" and types["has_defaulted"] == "BOOLEAN"


def test_industry_inference(csv_ingest):
    _, out, manifest = csv_ingest
    ent = read(out / "enterprises.parquet")
    assert dict(zip(ent["enterprise_id"], ent["industry"])) == EXPECTED_INDUSTRY
    assert manifest["industry_distribution"]["unknown"] == 1
    assert sum(manifest["industry_distribution"].values()) == len(EXPECTED_INDUSTRY)


def test_manifest_counts(csv_ingest):
    src, out, manifest = csv_ingest
    assert json.loads((out / "ingest_manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["format"] == "csv" and manifest["warnings"] == []
    by_source = {f["source"]: f for f in manifest["files"]}
    assert set(by_source) == set(CSV_TABLES)
    for stem, rows in CSV_TABLES.items():
        entry = by_source[stem]
        assert entry["rows_read"] == entry["rows_written"] == entry["source_lines"] == len(rows) - 1
        assert entry["sha256"] == hashlib.sha256((src / f"{stem}.csv.gz").read_bytes()).hexdigest()
    assert manifest["outputs"]["enterprises.parquet"] == 6
    assert manifest["outputs"]["invoices/att1_input_invoices.parquet"] == 4
    assert manifest["not_provided"] == ["loans", "loan_performance", "financial_statements"]


def test_plain_csv_and_rerun_into_same_dir(tmp_path):
    src = write_csv_layout(tmp_path / "src", gz=False)
    out = tmp_path / "raw"
    ingest_cumcm(src, out)
    manifest = ingest_cumcm(src, out)  # overwrites its own files
    assert manifest["outputs"]["invoices/att2_output_invoices.parquet"] == 3
    assert {f["file"] for f in manifest["files"]} == {f"{stem}.csv" for stem in CSV_TABLES}


def test_names_never_logged(tmp_path, caplog):
    messages: list[str] = []
    with caplog.at_level(logging.DEBUG, logger="sme_credit"):
        ingest_cumcm(write_csv_layout(tmp_path / "src"), tmp_path / "raw", progress=messages.append)
    assert messages
    text = "\n".join(messages) + caplog.text
    names = [row[1] for table in (ATT1_ENTERPRISES, ATT2_ENTERPRISES) for row in table[1:]]
    assert not any(name.strip() in text for name in names)


# --------------------------------------------------------------------------- xlsx layout


def test_xlsx_layout(tmp_path):
    src = write_xlsx_layout(tmp_path / "src")
    write_rate_churn(src / "附件3.xlsx")
    out = tmp_path / "raw"
    manifest = ingest_cumcm(src, out)
    assert manifest["format"] == "xlsx"
    sheets = {(f["file"], f["sheet"]) for f in manifest["files"]}
    assert sheets >= {("附件1.xlsx", "进项发票信息"), ("附件2.xlsx", "企业信息")}
    assert all(f["rows_read"] == f["rows_written"] for f in manifest["files"])
    assert manifest["rate_churn"]["rows"] == 9
    purchases = read(out / "invoices" / "att1_input_invoices.parquet")
    assert len(purchases) == 4 and purchases.duplicated().sum() == 1
    first = purchases.iloc[0]
    # numeric cells as their text, date cells as yyyy-mm-dd, a text date cell untouched
    assert [first["invoice_number"], first["issue_date"], first["amount"]] == ["3390939", "2017-07-18", "-943.4"]
    assert float(first["total"]) == -1000.0
    assert purchases["issue_date"].tolist()[-1] == "2019/12/1"
    sales = read(out / "invoices" / "att2_output_invoices.parquet")
    assert sales["direction"].tolist() == ["sales"] * 3 and sales["status"].tolist()[1] == " 作废发票"
    ent = read(out / "enterprises.parquet")
    assert dict(zip(ent["enterprise_id"], ent["industry"])) == EXPECTED_INDUSTRY
    assert ent["enterprise_name"].tolist()[4] == "个体经营E124 "
    assert ent["has_defaulted"].tolist() == [False, True, False, False, None, None]


# --------------------------------------------------------------------------- errors


def test_missing_file(tmp_path):
    src = write_csv_layout(tmp_path / "src")
    (src / "att2_output_invoices.csv.gz").unlink()
    with pytest.raises(MissingSourceError, match="att2_output_invoices"):
        ingest_cumcm(src, tmp_path / "raw")
    assert not (tmp_path / "raw").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingSourceError, match="附件1.xlsx.*att1_enterprise_info.csv.gz"):
        ingest_cumcm(tmp_path / "empty", tmp_path / "raw")


def test_missing_workbook_and_sheet(tmp_path):
    src = write_xlsx_layout(tmp_path / "src")
    (src / "附件2.xlsx").unlink()
    with pytest.raises(MissingSourceError, match="附件2.xlsx"):
        ingest_cumcm(src, tmp_path / "raw")
    wb = openpyxl.Workbook()
    wb.active.title = "企业信息"
    wb.save(src / "附件2.xlsx")
    with pytest.raises(MissingSourceError, match="附件2.xlsx.*进项发票信息"):
        ingest_cumcm(src, tmp_path / "raw")


def test_missing_column(tmp_path):
    tables = dict(CSV_TABLES, att1_output_invoices=[[h if h != "发票状态" else "状态" for h in OUTPUT_HEADER],
                                                    *ATT1_OUTPUT[1:]])
    src = write_csv_layout(tmp_path / "src", tables=tables)
    with pytest.raises(MissingColumnError, match=r"att1_output_invoices\.csv\.gz.*'发票状态'"):
        ingest_cumcm(src, tmp_path / "raw")
    assert not list((tmp_path / "raw").rglob("*.parquet"))  # headers are checked before writing


def test_malformed_csv_line_names_the_file(tmp_path):
    tables = dict(CSV_TABLES, att2_input_invoices=[*ATT2_INPUT, [*ATT2_INPUT[1], "extra field"]])
    with pytest.raises(IngestError, match="att2_input_invoices.csv.gz"):
        ingest_cumcm(write_csv_layout(tmp_path / "src", tables=tables), tmp_path / "raw")


def test_no_line_taken_for_a_comment(tmp_path):
    tables = dict(CSV_TABLES, att2_input_invoices=[*ATT2_INPUT, ["#E124", *ATT2_INPUT[1][1:]]])
    manifest = ingest_cumcm(write_csv_layout(tmp_path / "src", tables=tables), tmp_path / "raw")
    assert manifest["outputs"]["invoices/att2_input_invoices.parquet"] == 2


def test_unexpected_default_label(tmp_path):
    tables = dict(CSV_TABLES, att1_enterprise_info=[*ATT1_ENTERPRISES, ["E5", "***商贸有限公司", "B", "未知"]])
    with pytest.raises(IngestError, match="是否违约.*未知"):
        ingest_cumcm(write_csv_layout(tmp_path / "src", tables=tables), tmp_path / "raw")


def test_foreign_raw_files_refused(tmp_path):
    out = tmp_path / "raw"
    (out / "invoices").mkdir(parents=True)
    (out / "invoices" / "demo_part_0.parquet").write_bytes(b"")
    with pytest.raises(IngestError, match="demo_part_0.parquet"):
        ingest_cumcm(write_csv_layout(tmp_path / "src"), out)


# --------------------------------------------------------------------------- seeds and attachment 3


def test_keyword_seed_is_consistent():
    keywords = pd.read_csv(SEEDS / "industry_keywords.csv", dtype=str, keep_default_na=False)
    industries = pd.read_csv(SEEDS / "industries.csv", dtype=str, keep_default_na=False)
    assert list(keywords.columns) == ["keyword", "industry", "priority"]
    assert set(keywords["industry"]) <= set(industries["industry"])
    assert keywords["priority"].str.fullmatch(r"\d+").all()
    assert not keywords["keyword"].duplicated().any()
    assert (keywords["keyword"] == keywords["keyword"].str.strip()).all() and (keywords["keyword"] != "").all()


def test_read_rate_churn(tmp_path):
    frame = read_rate_churn(write_rate_churn(tmp_path / "att3.xlsx"))
    assert list(frame.columns) == ["credit_rating", "interest_rate", "churn_rate"]
    assert len(frame) == 9 and frame["credit_rating"].tolist() == ["A"] * 3 + ["B"] * 3 + ["C"] * 3
    row = frame[(frame["credit_rating"] == "B") & (frame["interest_rate"] == 0.0425)]
    assert row["churn_rate"].item() == pytest.approx(0.0668)


def test_read_rate_churn_missing_header(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["利率", "流失率"])
    wb.active.append([0.04, 0.0])
    wb.active.append([0.05, 0.1])
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(MissingColumnError, match="bad.xlsx.*贷款年利率"):
        read_rate_churn(tmp_path / "bad.xlsx")


# --------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_cumcm_data(cumcm_dir: Path, tmp_path: Path):
    started = time.perf_counter()
    manifest = ingest_cumcm(cumcm_dir, tmp_path / "raw")
    seconds = time.perf_counter() - started
    print(f"real CUMCM ingest: {seconds:.1f} s, industries {manifest['industry_distribution']}")
    assert seconds < 60
    rows = {f["source"]: (f["rows_read"], f["rows_written"], f["source_lines"]) for f in manifest["files"]}
    assert rows == {stem: (n, n, n) for stem, n in REAL_ROWS.items()}
    assert manifest["outputs"]["enterprises.parquet"] == 425
    assert manifest["industry_distribution"].get("unknown", 0) <= 10
    with duckdb.connect() as con:
        voided, ratings = con.execute(f"""
            select (select count(*) from read_parquet('{tmp_path}/raw/invoices/*output*.parquet')
                    where status = ' 作废发票'),
                   (select count(*) from read_parquet('{tmp_path}/raw/enterprises.parquet')
                    where credit_rating is null and has_defaulted is null)
        """).fetchone()
    assert (voided, ratings) == (47 + 48, 302)
    churn = read_rate_churn(cumcm_dir / "att3_rate_churn.xlsx")
    assert len(churn) == 87 and set(churn["credit_rating"]) == {"A", "B", "C"}
    assert churn["interest_rate"].between(0.04, 0.15).all()
