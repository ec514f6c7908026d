"""One bad row can't move an as-of date or close a label window (README "Plausibility rules").

A clean set of 12 enterprises invoicing monthly through 2017 and 12 loans reporting through
2017-12 is built twice without any date var (the cut-off defaults to the build date): once as is,
once with an invoice and a loan report dated 2031 (after the cut-off: quarantined) and an invoice
and a report dated 2019 (before the cut-off, but from one enterprise and one loan only: not a
reported month). Every indicator, as-of date and label must be the same in both builds.
"""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import build_warehouse, query, write_raw

N = 12
MONTHS = pd.date_range("2016-01-01", "2017-12-01", freq="MS")


def _clean() -> dict[str, pd.DataFrame]:
    enterprises = pd.DataFrame({
        "enterprise_id": [f"E{i}" for i in range(N)], "enterprise_name": "***有限公司", "industry": "trade",
        "region": "Zhejiang", "size_class": "small", "founded_on": "2010-01-01",
        "credit_rating": "B", "has_defaulted": "否",
    })
    invoices = pd.DataFrame([
        [f"E{i}", "sales", f"s{i}-{k}", (m + pd.Timedelta(days=9)).strftime("%Y-%m-%d"), "B1",
         str(1000 + 10 * i + k), "0", str(1000 + 10 * i + k), "valid"]
        for i in range(N) for k, m in enumerate(MONTHS)
    ], columns=["enterprise_id", "direction", "invoice_number", "issue_date", "counterparty_id",
                "amount", "tax", "total", "status"])
    # loan i disbursed in month 2i: the 2016 loans' 12-month windows close by 2017-12, the 2017 ones' don't
    disbursed = [MONTHS[2 * i] for i in range(N)]
    loans = pd.DataFrame({
        "loan_id": [f"L{i}" for i in range(N)], "enterprise_id": [f"E{i}" for i in range(N)],
        "application_date": [(d - pd.Timedelta(days=5)).strftime("%Y-%m-%d") for d in disbursed],
        "disbursement_date": [(d + pd.Timedelta(days=4)).strftime("%Y-%m-%d") for d in disbursed],
        "product": "working_capital", "amount": "100000", "term_months": "24", "interest_rate": "0.06",
        "guarantee_method": "credit", "pre_loan_rating": "B", "daily_avg_deposit": "5000",
        "has_negative_credit_info": "false", "epidemic_impacted": "false",
    })
    performance = pd.DataFrame([
        [f"L{i}", m.strftime("%Y-%m-%d"), "100000", "95" if (i == 1 and m >= MONTHS[6]) else "0"]
        for i in range(N) for m in MONTHS if m >= disbursed[i]
    ], columns=["loan_id", "month", "balance", "days_past_due"])
    return {"enterprises": enterprises, "invoices": invoices, "loans": loans, "loan_performance": performance}


def _dirty() -> dict[str, pd.DataFrame]:
    tables = _clean()
    tables["invoices"] = pd.concat([tables["invoices"], pd.DataFrame([
        ["E0", "sales", "late-2031", "2031-01-01", "B1", "1000", "0", "1000", "valid"],
        ["E0", "sales", "late-2019", "2019-06-15", "B1", "1000", "0", "1000", "valid"],
    ], columns=tables["invoices"].columns)])
    tables["loan_performance"] = pd.concat([tables["loan_performance"], pd.DataFrame([
        ["L11", "2031-01-31", "100000", "0"],
        ["L11", "2019-06-30", "100000", "0"],  # within L11's life (disbursed 2017-11, 24 months)
    ], columns=tables["loan_performance"].columns)])
    return tables


def _build(root, tables) -> object:
    raw = write_raw(root / "raw", tables)
    db = root / "wh.duckdb"
    build_warehouse(raw, db, "build", "--select", "+enterprise_indicators", "+loan_features",
                    "+source_reconciliation", "resource_type:seed")
    return db


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    return (_build(tmp_path_factory.mktemp("clean"), _clean()),
            _build(tmp_path_factory.mktemp("dirty"), _dirty()))


def test_late_rows_are_quarantined_or_ignored(warehouses):
    clean, dirty = warehouses
    reasons = query(dirty, "select source_table, quarantine_reason from marts.quarantine order by 1")
    assert list(reasons["source_table"]) == ["invoices", "loan_performance"]
    assert reasons["quarantine_reason"].str.contains(r"2031-01-01 is after the data cut-off .* \(rule date_after_cutoff").all()
    assert query(dirty, "select bool_and(is_reconciled) as ok from marts.source_reconciliation")["ok"][0]
    calendar = query(dirty, "select * from intermediate.int_data_calendar").iloc[0]
    assert str(calendar["final_as_of_date"])[:10] == "2018-01-01"
    assert str(calendar["last_reported_month"])[:10] == "2017-12-01"
    assert query(dirty, "select count(*) as n from staging.stg_invoices where issue_date = '2019-06-15'")["n"][0] == 1
    # the monthly inputs keep months after the final as-of date: the panel cuts there
    for table in ("int_invoices_monthly", "int_invoice_counterparty_monthly"):
        assert query(dirty, f"select count(*) as n from intermediate.{table} where month = '2019-06-01'")["n"][0] == 1


def test_as_of_dates_indicators_and_labels_unchanged(warehouses):
    clean, dirty = warehouses
    sql = "select * from marts.enterprise_indicators order by enterprise_id, as_of_date"
    got, expected = query(dirty, sql), query(clean, sql)
    assert str(expected["as_of_date"].max())[:10] == "2018-01-01"
    pd.testing.assert_frame_equal(got, expected)
    sql = "select * from marts.loan_features order by loan_id"
    got, expected = query(dirty, sql), query(clean, sql)
    pd.testing.assert_frame_equal(got, expected)
    status = expected.set_index("loan_id")["label_status"]
    assert status["L1"] == "defaulted"
    assert (status[[f"L{i}" for i in range(7, N)]] == "window_open").all()  # not turned into performers
