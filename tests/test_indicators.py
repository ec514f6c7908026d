"""The indicator marts, recomputed independently with plain pandas on a tiny hand-made data set.

The raw files below carry the real data's quirks: exact duplicates, red-letter (negative) invoices,
voided invoices with a stray space in the status, unpadded dates, an orphan invoice, an unparseable
amount, an invoice dated after the as-of date. Every indicator checked here is computed again in
pandas from the raw rows and compared with what dbt built.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import build_warehouse, query, write_raw

AS_OF = pd.Timestamp("2018-01-01")

ENTERPRISES = pd.DataFrame(
    [
        ["E1", "***贸易有限公司", "trade", "Zhejiang", "small", "2012-05-01", "B", "否"],
        ["E2", "个体经营E2 ", "technology", "", "micro", "2016-01-01", "", ""],
        ["E3", "***制造有限公司", "manufacturing", "Jiangsu", "medium", "2005-03-01", "A", "false"],
    ],
    columns=["enterprise_id", "enterprise_name", "industry", "region", "size_class", "founded_on",
             "credit_rating", "has_defaulted"],
)

_INVOICE_COLUMNS = ["enterprise_id", "direction", "invoice_number", "issue_date", "counterparty_id",
                    "amount", "tax", "total", "status"]
INVOICES = pd.DataFrame(
    [
        ["E1", "sales", "s1", "2017-01-10", "B1", "1000", "130", "1130", "valid"],
        ["E1", "sales", "s1", "2017-01-10", "B1", "1000", "130", "1130", "valid"],  # exact duplicate
        ["E1", "sales", "s2", "2017-02-15", "B1", "2000", "260", "2260", "valid"],
        ["E1", "sales", "s3", "2017-03-20", "B2", "500", "65", "565", "valid"],
        ["E1", "sales", "s4", "2017-04-05", "B3", "800", "104", "904", " 作废发票"],  # voided, stray space
        ["E1", "sales", "s5", "2017-05-12", "B2", "-200", "-26", "-226", "valid"],  # red-letter
        ["E1", "sales", "s6", "2017-06-30", "B1", "1500", "195", "1695", "valid"],
        ["E1", "sales", "s7", "2017-08-01", "B4", "700", "91", "791", "valid"],
        ["E1", "sales", "s8", "2017-09-09", "B1", "1200", "156", "1356", "有效发票"],
        ["E1", "sales", "s9", "2018-02-01", "B5", "9999", "0", "9999", "valid"],  # after the as-of date
        ["E1", "purchase", "p1", "2017-01-05", "A1", "600", "78", "678", "valid"],
        ["E1", "purchase", "p2", "2017-03-01", "A2", "900", "117", "1017", "valid"],
        ["E1", "purchase", "p3", "2017-06-01", "A1", "400", "52", "452", "voided"],
        ["E1", "purchase", "p4", "2017-09-20", "A1", "1000", "130", "1130", "valid"],
        ["E1", "purchase", "p5", "2017/11/3", "A3", "300", "9", "309", "valid"],  # unpadded date
        ["E2", "sales", "t1", "2017-05-01", "B7", "100", "3", "103", "valid"],
        ["E2", "sales", "t2", "2017-05-02", "B7", "abc", "3", "103", "valid"],  # unparseable amount
        ["E2", "sales", "t3", "2017-05-03", "B7", "100", "3", "500", "valid"],  # total ≠ amount + tax
        ["E9", "sales", "x1", "2017-05-01", "B1", "100", "13", "113", "valid"],  # orphan enterprise
    ],
    columns=_INVOICE_COLUMNS,
)

_STATEMENT_ITEMS = ["cash_and_equivalents", "short_term_investments", "accounts_receivable", "inventory",
                    "current_assets", "fixed_assets_net", "total_assets", "current_liabilities",
                    "debt_due_within_one_year", "total_liabilities", "owners_equity", "retained_earnings",
                    "operating_revenue", "operating_cost", "operating_profit", "interest_expense", "total_profit",
                    "net_profit", "operating_cash_flow"]
STATEMENTS = pd.DataFrame(
    [
        ["E3", 2015, 100, 20, 300, 250, 800, 1200, 2000, 500, 200, 1100, 900, 300,
         5000, 3800, 600, 50, 520, 400, 350],
        ["E3", 2016, 150, 10, 360, 300, 950, 1300, 2400, 600, 250, 1400, 1000, 420,
         6000, 4500, 700, 60, 640, 480, 500],
    ],
    columns=["enterprise_id", "fiscal_year", *_STATEMENT_ITEMS],
)

LOANS = pd.DataFrame(
    [
        ["L1", "E1", "2017-06-15", "2017-06-20", "working_capital", "500000", "12", "0.06", "guarantee", "B", "80000", "false", "false"],
        ["L2", "E3", "2016-03-01", "2016-03-05", "tax_credit", "300000", "12", "0.05", "credit", "A", "150000", "false", "false"],
        ["L3", "E1", "2017-10-10", "2017-10-12", "working_capital", "200000", "6", "0.07", "mortgage", "B", "60000", "true", "false"],
        ["L4", "E2", "2017-01-01", "2017-01-02", "inclusive_micro", "100000", "12", "0.08", "credit", "C", "5000", "false", "true"],
        ["L5", "E9", "2017-01-01", "2017-01-02", "inclusive_micro", "100000", "12", "0.08", "credit", "C", "5000", "false", "false"],
    ],
    columns=["loan_id", "enterprise_id", "application_date", "disbursement_date", "product", "amount", "term_months",
             "interest_rate", "guarantee_method", "pre_loan_rating", "daily_avg_deposit", "has_negative_credit_info",
             "epidemic_impacted"],
)


def _performance() -> pd.DataFrame:
    rows = [["L1", m, 500000, dpd] for m, dpd in
            zip(pd.date_range("2017-06-01", periods=6, freq="MS"), [0, 0, 0, 30, 60, 95])]
    rows += [["L2", m, 300000, 0] for m in pd.date_range("2016-03-01", periods=13, freq="MS")]
    rows += [["L3", m, 200000, 0] for m in pd.date_range("2017-10-01", periods=3, freq="MS")]
    rows += [["L1", pd.Timestamp("2017-12-01"), 500000, 120]]
    frame = pd.DataFrame(rows, columns=["loan_id", "month", "balance", "days_past_due"])
    frame["month"] = frame["month"].dt.strftime("%Y-%m-%d")
    return frame


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("indicators")
    raw = write_raw(root / "raw", {
        "enterprises": ENTERPRISES, "invoices": INVOICES, "financial_statements": STATEMENTS,
        "loans": LOANS, "loan_performance": _performance(),
    })
    db = root / "wh.duckdb"
    build_warehouse(raw, db, "build", "--vars", f"{{as_of_date: '{AS_OF.date()}'}}",
                    "--select", "+enterprise_indicators", "+loan_features", "+source_reconciliation", "resource_type:seed")
    return db


def _clean_invoices() -> pd.DataFrame:
    """The staging rules, restated in pandas: trim, parse, drop unusable rows, collapse duplicates."""
    inv = INVOICES.copy()
    inv["status"] = inv["status"].str.strip().replace({"有效发票": "valid", "作废发票": "voided"})
    inv["issue_date"] = pd.to_datetime(inv["issue_date"], format="mixed")
    for col in ["amount", "tax", "total"]:
        inv[col] = pd.to_numeric(inv[col], errors="coerce")
    inv = inv[inv["enterprise_id"].isin(ENTERPRISES["enterprise_id"]) & inv["amount"].notna()]
    inv = inv[(inv["total"] - inv["amount"] - inv["tax"]).abs() <= 0.05]
    return inv.drop_duplicates()


def _expected_e1() -> dict[str, float]:
    inv = _clean_invoices()
    inv = inv[(inv["enterprise_id"] == "E1") & (inv["issue_date"] < AS_OF)]
    valid = inv[inv["status"] == "valid"]
    sales, purchases = valid[valid["direction"] == "sales"], valid[valid["direction"] == "purchase"]
    net_sales, net_purchases = sales["amount"].sum(), purchases["amount"].sum()
    span = (valid["issue_date"].max() - valid["issue_date"].min()).days + 1
    all_sales = inv[inv["direction"] == "sales"]
    positive_sales = sales[sales["amount"] > 0]
    by_customer = positive_sales.groupby("counterparty_id")["amount"].sum()
    shares = by_customer / by_customer.sum()
    months = pd.date_range("2017-01-01", "2017-12-01", freq="MS")
    monthly = sales.groupby(sales["issue_date"].dt.to_period("M").dt.to_timestamp())["amount"].sum()
    monthly = monthly.reindex(months, fill_value=0.0).to_numpy()
    vat_payable = max(sales["tax"].sum() - purchases["tax"].sum(), 0)
    return {
        "net_sales": net_sales,
        "net_purchases": net_purchases,
        "gross_profit": net_sales - net_purchases,
        "gross_margin": (net_sales - net_purchases) / net_sales,
        "cost_gross_margin": (net_sales - net_purchases) / net_purchases,
        "active_span_days": span,
        "avg_daily_sales": net_sales / span,
        "annual_avg_gross_profit": 365 * (net_sales - net_purchases) / span,
        "net_sales_margin": (net_sales - net_purchases - vat_payable) / net_sales,
        "order_count": len(positive_sales),
        "transaction_efficiency": (all_sales["status"] == "valid").mean(),
        "void_ratio_count": (inv["status"] == "voided").mean(),
        "red_letter_ratio_count": (sales["amount"] < 0).sum() / len(sales),
        "red_letter_ratio_amount": -sales.loc[sales["amount"] < 0, "amount"].sum() / positive_sales["amount"].sum(),
        "distinct_customers": by_customer.size,
        "customer_hhi": float((shares ** 2).sum()),
        "top_customer_share": float(shares.max()),
        "active_months": valid["issue_date"].dt.to_period("M").nunique(),
        "months_since_last_invoice": 12 - valid["issue_date"].max().month - 0,
        "sales_volatility_12m": monthly.std(ddof=0) / monthly.mean(),
        "sales_growth_12m": np.polyfit(np.arange(1, 13), monthly, 1)[0] / monthly.mean(),
        "avg_sales_invoice_amount": positive_sales["amount"].mean(),
        "sales_last_12m": net_sales,
    }


def test_invoice_indicators_match_pandas(warehouse):
    got = query(warehouse, "select * from marts.enterprise_indicators where enterprise_id = 'E1'")
    assert len(got) == 1 and pd.Timestamp(got.loc[0, "as_of_date"]) == AS_OF
    row = got.iloc[0]
    for name, expected in _expected_e1().items():
        assert row[name] == pytest.approx(expected, rel=1e-9), name


def test_invoice_after_as_of_date_changes_nothing(warehouse, tmp_path):
    """Point in time: the same data without the post-as-of invoice gives identical indicators."""
    raw = write_raw(tmp_path / "raw", {
        "enterprises": ENTERPRISES,
        "invoices": INVOICES[INVOICES["issue_date"] < "2018"],
        "financial_statements": STATEMENTS, "loans": LOANS, "loan_performance": _performance(),
    })
    db = tmp_path / "wh.duckdb"
    build_warehouse(raw, db, "run", "--vars", f"{{as_of_date: '{AS_OF.date()}'}}", "--select", "+enterprise_indicators", "resource_type:seed")
    sql = "select * from marts.enterprise_indicators order by enterprise_id"
    pd.testing.assert_frame_equal(query(db, sql), query(warehouse, sql))


def test_statement_ratios_match_hand_computation(warehouse):
    row = query(warehouse, "select * from marts.enterprise_indicators where enterprise_id = 'E3'").iloc[0]
    s15, s16 = (STATEMENTS.iloc[i][_STATEMENT_ITEMS].astype(float) for i in (0, 1))
    avg = (s15 + s16) / 2
    roe16 = s16.net_profit / avg.owners_equity
    roe15 = s15.net_profit / s15.owners_equity  # no 2014 statement: the closing balance stands in
    ebit = s16.total_profit + s16.interest_expense
    expected = {
        "statement_fiscal_year": 2016,
        "x01_current_ratio": s16.current_assets / s16.current_liabilities,
        "x02_quick_ratio": (s16.current_assets - s16.inventory) / s16.current_liabilities,
        "x03_cash_ratio": (s16.cash_and_equivalents + s16.short_term_investments) / s16.current_liabilities,
        "x04_debt_to_assets": s16.total_liabilities / s16.total_assets,
        "x05_debt_to_equity": s16.total_liabilities / s16.owners_equity,
        "x06_interest_coverage": ebit / s16.interest_expense,
        "x07_receivables_turnover": s16.operating_revenue / avg.accounts_receivable,
        "x08_inventory_turnover": s16.operating_cost / avg.inventory,
        "x11_total_asset_turnover": s16.operating_revenue / avg.total_assets,
        "x13_net_profit_margin": s16.net_profit / s16.operating_revenue,
        "x14_return_on_assets": s16.total_profit / avg.total_assets,
        "x15_return_on_equity": roe16,
        "x17_total_asset_growth": (s16.total_assets - s15.total_assets) / s15.total_assets,
        "x18_roe_growth": (roe16 - roe15) / roe15,
        "x19_net_profit_growth": (s16.net_profit - s15.net_profit) / s15.net_profit,
        "x21_cash_to_maturing_debt": s16.operating_cash_flow / s16.debt_due_within_one_year,
        "x24_equity_to_debt": s16.owners_equity / s16.total_liabilities,
        "altman_z_score": 6.56 * (s16.current_assets - s16.current_liabilities) / s16.total_assets
        + 3.26 * s16.retained_earnings / s16.total_assets + 6.72 * ebit / s16.total_assets
        + 1.05 * s16.owners_equity / s16.total_liabilities,
    }
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, rel=1e-9), name
    assert row["altman_zone"] == ("safe" if expected["altman_z_score"] > 2.6 else "grey")


def test_enterprise_without_invoices_or_statements_has_nulls_not_artefacts(warehouse):
    got = query(warehouse, "select * from marts.enterprise_indicators where enterprise_id = 'E3'").iloc[0]
    assert pd.isna(got["net_sales"]) and pd.isna(got["gross_margin"])
    numeric = query(warehouse, "select * from marts.enterprise_indicators").select_dtypes("number")
    assert np.isfinite(numeric.to_numpy(dtype=float)[~numeric.isna().to_numpy()]).all()


def test_loan_labels_and_point_in_time_features(warehouse):
    loans = query(warehouse, "select * from marts.loan_features order by loan_id").set_index("loan_id")
    assert list(loans.index) == ["L1", "L2", "L3", "L4"]  # L5's enterprise does not exist: quarantined
    assert loans.loc["L1", "label_status"] == "defaulted" and loans.loc["L1", "is_default"] == 1
    assert loans.loc["L1", "months_to_default"] == 5
    assert loans.loc["L2", "label_status"] == "performing" and loans.loc["L2", "is_default"] == 0
    assert loans.loc["L3", "label_status"] == "window_open" and pd.isna(loans.loc["L3", "is_default"])
    assert loans.loc["L4", "label_status"] == "no_performance_data" and pd.isna(loans.loc["L4", "is_default"])
    # L1 applied in June 2017: only invoices issued before 2017-06-01 count
    inv = _clean_invoices()
    before = inv[(inv.enterprise_id == "E1") & (inv.issue_date < "2017-06-01") & (inv.status == "valid")]
    assert loans.loc["L1", "net_sales"] == pytest.approx(before.loc[before.direction == "sales", "amount"].sum())
    assert str(loans.loc["L1", "indicator_as_of_date"])[:10] == "2017-06-01"


def test_quarantine_and_reconciliation(warehouse):
    quarantine = query(warehouse, "select source_table, quarantine_reason, raw_record from marts.quarantine")
    reasons = quarantine.groupby("source_table")["quarantine_reason"].apply(sorted).to_dict()
    assert reasons["invoices"] == sorted([
        "amount: unparseable number 'abc'",
        "total: differs from amount + tax",
        "enterprise_id: no such usable enterprise (orphan, or the enterprise row is quarantined)",
    ])
    assert reasons["loans"] == ["enterprise_id: no such usable enterprise (orphan, or the enterprise row is quarantined)"]
    recon = query(warehouse, "select * from marts.source_reconciliation").set_index("source_table")
    assert recon["is_reconciled"].all()
    assert recon.loc["invoices", "raw_rows"] == len(INVOICES)
    assert recon.loc["invoices", "duplicate_rows"] == 1
    assert recon.loc["invoices", "quarantined_rows"] == 3
    assert not math.isnan(recon.loc["invoices", "staged_rows"])
