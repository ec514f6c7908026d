"""Plausibility rules of staging (README "Plausibility rules"): each hand-made bad row below breaks one
rule and must reach marts.quarantine with a reason naming column, value and rule, while the counts
still reconcile per file. The cut-off is fixed (var data_cutoff_date) so that the case is stable.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import build_warehouse, query, write_raw

CUTOFF = "2018-12-31"

ENTERPRISES = pd.DataFrame(
    [
        ["E1", "***贸易有限公司", "trade", "Zhejiang", "small", "2010-01-01", "B", "否"],
        ["E2", "***科技有限公司", "technology", "Jiangsu", "micro", "2015-06-01", "A", "否"],
        ["EF", "***未来有限公司", "trade", "Jiangsu", "micro", "2019-05-01", "A", "否"],  # founded after the cut-off
    ],
    columns=["enterprise_id", "enterprise_name", "industry", "region", "size_class", "founded_on",
             "credit_rating", "has_defaulted"],
)

# invoice_number → (row, expected reason); None = staged
INVOICE_CASES = {
    "s1": (["E1", "sales", "s1", "2017-01-10", "B1", "1000", "130", "1130", "valid"], None),
    # plausible, but 5 years before the rest: staged, and it does not move the panel's start
    "e1": (["E1", "sales", "e1", "2011-05-10", "B1", "1000", "130", "1130", "valid"], None),
    "c1": (["E1", "sales", "c1", "2019-01-02", "B1", "1000", "130", "1130", "valid"],
           "issue_date: 2019-01-02 is after the data cut-off 2018-12-31 (rule date_after_cutoff"),
    "c2": (["E1", "sales", "c2", "1989-12-31", "B1", "1000", "130", "1130", "valid"],
           "issue_date: 1989-12-31 is before 1990-01-01 (rule date_before_earliest"),
    "c3": (["E2", "sales", "c3", "2015-01-01", "B1", "1000", "130", "1130", "valid"],
           "issue_date: 2015-01-01 is before the enterprise's founding date 2015-06-01 (rule date_before_founding)"),
    "c4": (["E1", "sales", "c4", "2017-02-01", "B1", "1e18", "0", "1e18", "valid"],
           "amount: 1e18 is beyond ±1e+12 yuan (rule amount_beyond_bound"),
    "c5": (["E1", "sales", "c5", "2017-02-01", "B1", "Infinity", "0", "1000", "valid"],
           "amount: unparseable number 'Infinity'"),
    "c6": (["E1", "sales", "c6", "2017-02-01", "B1", "1000", "NaN", "1000", "valid"],
           "tax: unparseable number 'NaN'"),
    "c7": (["E1", "sales", "c7", "2017-02-01", "B1", "1000", "0", "inf", "valid"],
           "total: unparseable number 'inf'"),
    "ef": (["EF", "sales", "ef", "2017-02-01", "B1", "1000", "130", "1130", "valid"],
           "enterprise_id: no such usable enterprise"),
}
INVOICES = pd.DataFrame(
    [row for row, _ in INVOICE_CASES.values()]
    + [
        ["E1", "sales", "s1", "2017-01-10", "B1", "1000", "130", "1130", "valid"],  # exact duplicate: collapsed
        ["E1", "sales", "k1", "2017-03-01", "B1", "1000", "130", "1130", "valid"],  # key conflict ...
        ["E1", "sales", "k1", "2017-03-01", "B1", "2000", "260", "2260", "valid"],  # ... both quarantined
        ["E1", "purchase", "p1", "2017-03-01", "A1", "500", "65", "565", "valid"],  # two sellers' invoices
        ["E1", "purchase", "p1", "2017-04-01", "A2", "700", "91", "791", "valid"],  # may share a number
    ],
    columns=["enterprise_id", "direction", "invoice_number", "issue_date", "counterparty_id",
             "amount", "tax", "total", "status"],
)

_LOAN = ["E1", "2016-12-20", "2017-01-05", "working_capital", "100000", "12", "0.06", "credit", "B", "5000",
         "false", "false"]
LOAN_CASES = {
    "L1": (["L1", *_LOAN], None),
    "L7": (["L7", "E1", "2014-12-20", "2015-01-05", *_LOAN[3:5], "6", *_LOAN[6:]], None),
    "L2": (["L2", "E1", "1989-05-01", "1990-02-01", *_LOAN[3:]],
           "application_date: 1989-05-01 is before 1990-01-01 (rule date_before_earliest"),
    "L3": (["L3", "E2", "2015-01-10", "2015-07-01", *_LOAN[3:]],
           "application_date: 2015-01-10 is before the enterprise's founding date 2015-06-01 (rule date_before_founding)"),
    "L4": (["L4", _LOAN[0], *_LOAN[1:4], "1e18", *_LOAN[5:]],
           "amount: 1e18 is beyond ±1e+12 yuan (rule amount_beyond_bound"),
    "L5": (["L5", *_LOAN[:9], "-5", *_LOAN[10:]], "daily_avg_deposit: -5.0 is negative (rule non_negative)"),
    "L6": (["L6", *_LOAN[:5], "12.5", *_LOAN[6:]], "term_months: 12.5 is not a whole number, never rounded (rule whole_number)"),
    "L8": (["L8", _LOAN[0], "2019-01-02", "2019-01-05", *_LOAN[3:]],
           "application_date: 2019-01-02 is after the data cut-off 2018-12-31 (rule date_after_cutoff"),
}
LOANS = pd.DataFrame(
    [row for row, _ in LOAN_CASES.values()],
    columns=["loan_id", "enterprise_id", "application_date", "disbursement_date", "product", "amount", "term_months",
             "interest_rate", "guarantee_method", "pre_loan_rating", "daily_avg_deposit", "has_negative_credit_info",
             "epidemic_impacted"],
)

# (loan_id, month) → (row, expected reason)
PERFORMANCE_CASES = {
    ("L1", "2016-12-01"): (["100000", "0"], "month: 2016-12-01 is before the loan's disbursement month 2017-01-01 (rule month_before_disbursement)"),
    ("L1", "2019-02-01"): (["100000", "0"], "month: 2019-02-01 is after the data cut-off 2018-12-31 (rule date_after_cutoff"),
    ("L7", "2015-03-01"): (["100000", "89.6"], "days_past_due: 89.6 is not a whole number, never rounded (rule whole_number)"),
    ("L7", "2015-04-01"): (["100000", "-3"], "days_past_due: -3 is negative (rule non_negative)"),
    ("L7", "2015-05-01"): (["NaN", "0"], "balance: unparseable number 'NaN'"),
    ("L7", "2015-06-01"): (["-1", "0"], "balance: -1.0 is negative (rule non_negative)"),
    ("L7", "2016-09-01"): (["0", "0"], "month: 2016-09-01 is more than 12 months after the loan's maturity month 2015-07-01 (rule month_after_maturity"),
    ("L7", "2015-07-01"): (["0", "0"], None),
}


def _performance() -> pd.DataFrame:
    rows = [["L1", m.strftime("%Y-%m-%d"), "100000", "0"] for m in pd.date_range("2017-01-01", "2017-12-01", freq="MS")
            if m.month != 6]
    rows += [[loan, month, *values] for (loan, month), (values, _) in PERFORMANCE_CASES.items()]
    rows += [["L1", "2017-06-01", "100000", "0"], ["L1", "2017-06-01", "100000", "30"]]  # key conflict
    return pd.DataFrame(rows, columns=["loan_id", "month", "balance", "days_past_due"])


_ITEMS = ["cash_and_equivalents", "short_term_investments", "accounts_receivable", "inventory", "current_assets",
          "fixed_assets_net", "total_assets", "current_liabilities", "debt_due_within_one_year", "total_liabilities",
          "owners_equity", "retained_earnings", "operating_revenue", "operating_cost", "operating_profit",
          "interest_expense", "total_profit", "net_profit", "operating_cash_flow"]
_BALANCED = dict(zip(_ITEMS, [100, 20, 300, 250, 800, 1200, 2000, 500, 200, 1100, 900, 300,
                              5000, 3800, 600, 50, 520, 400, 350]))


def _statement(enterprise: str, year: str, **changes) -> dict:
    return {"enterprise_id": enterprise, "fiscal_year": year, **_BALANCED, **changes}


STATEMENT_CASES = [
    (_statement("E1", "2016"), None),
    (_statement("E1", "2019"), "fiscal_year: 2019 ends after the data cut-off 2018-12-31 (rule date_after_cutoff"),
    (_statement("E1", "1988"), "fiscal_year: 1988 is before 1990-01-01 (rule date_before_earliest"),
    (_statement("E2", "2014"), "fiscal_year: 2014 is before the enterprise's founding date 2015-06-01 (rule date_before_founding)"),
    (_statement("E1", "2015", inventory="-5"), "inventory: -5.0 is negative (rule non_negative)"),
    (_statement("E1", "2014", cash_and_equivalents="inf"), "cash_and_equivalents: unparseable number 'inf'"),
    (_statement("E1", "2013", operating_revenue="5e12"), "operating_revenue: 5e12 is beyond ±1e+12 yuan (rule amount_beyond_bound"),
    (_statement("E1", "2012.5"), "fiscal_year: 2012.5 is not a whole number, never rounded (rule whole_number)"),
    # not rounded into E2's 2016 key either (that would quarantine the real 2016 row as a conflict)
    (_statement("E2", "2016"), None),
    (_statement("E2", "2015.5", net_profit="399"), "fiscal_year: 2015.5 is not a whole number, never rounded (rule whole_number)"),
    (_statement("E1", "2012"), "key conflict: 2 different rows for enterprise_id, fiscal_year = (E1, 2012) (rule key_conflict)"),
    (_statement("E1", "2012", net_profit="401"), "key conflict: 2 different rows for enterprise_id, fiscal_year = (E1, 2012) (rule key_conflict)"),
]

DEFAULT_EVENTS = pd.DataFrame(
    [["E1", "2019-03-01", "bankruptcy", "court_register"], ["E2", "2015-02-01", "other", "core_banking"]],
    columns=["enterprise_id", "default_date", "default_type", "source"],
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("plausibility")
    raw = write_raw(root / "raw", {
        "enterprises": ENTERPRISES, "invoices": INVOICES, "loans": LOANS, "loan_performance": _performance(),
        "financial_statements": pd.DataFrame([row for row, _ in STATEMENT_CASES]), "default_events": DEFAULT_EVENTS,
    })
    db = root / "wh.duckdb"
    build_warehouse(raw, db, "build", "--vars", f"{{data_cutoff_date: '{CUTOFF}'}}",
                    "--select", "+source_reconciliation", "+int_data_calendar")
    return db


def _reasons(db, table: str, key) -> dict:
    rows = query(db, f"select quarantine_reason, raw_record from marts.quarantine where source_table = '{table}'")
    out: dict = {}
    for reason, record in zip(rows["quarantine_reason"], rows["raw_record"]):
        out.setdefault(key(json.loads(record)), []).append(reason)
    return out


def _assert_cases(got: dict, cases: dict) -> None:
    for key, expected in cases.items():
        if expected is None:
            assert key not in got, (key, got.get(key))
        else:
            assert key in got, (key, expected)
            assert all(reason.startswith(expected) for reason in got[key]), (key, got[key], expected)


def test_invoice_rules(warehouse):
    got = _reasons(warehouse, "invoices", lambda r: r["invoice_number"])
    _assert_cases(got, {number: reason for number, (_, reason) in INVOICE_CASES.items()})
    assert got["k1"] == ["key conflict: 2 different rows for enterprise_id, direction, invoice_number "
                         "(and counterparty_id of a purchase) = (E1, sales, k1) (rule key_conflict)"] * 2
    assert "p1" not in got  # numbers of different sellers are different keys
    staged = query(warehouse, "select invoice_number, source_row_count from staging.stg_invoices")
    assert sorted(staged["invoice_number"]) == ["e1", "p1", "p1", "s1"]
    assert staged.loc[staged.invoice_number == "s1", "source_row_count"].item() == 2


def test_enterprise_founded_after_cutoff(warehouse):
    got = _reasons(warehouse, "enterprises", lambda r: r["enterprise_id"])
    assert got == {"EF": ["founded_on: 2019-05-01 is in the future (after the data cut-off 2018-12-31) "
                          "(rule founded_after_cutoff, var data_cutoff_date)"]}


def test_loan_rules(warehouse):
    _assert_cases(_reasons(warehouse, "loans", lambda r: r["loan_id"]),
                  {loan: reason for loan, (_, reason) in LOAN_CASES.items()})


def test_loan_performance_rules(warehouse):
    got = _reasons(warehouse, "loan_performance", lambda r: (r["loan_id"], r["month"]))
    _assert_cases(got, {key: reason for key, (_, reason) in PERFORMANCE_CASES.items()})
    assert got[("L1", "2017-06-01")] == ["key conflict: 2 different rows for loan_id, month = (L1, 2017-06-01) (rule key_conflict)"] * 2
    # 89.6 is never rounded into a 90-day default
    assert query(warehouse, "select max(days_past_due) as m from staging.stg_loan_performance")["m"][0] == 0


def test_statement_rules(warehouse):
    got = _reasons(warehouse, "financial_statements", lambda r: (r["fiscal_year"], r["net_profit"], r["inventory"],
                                                                 r["cash_and_equivalents"], r["operating_revenue"]))
    for row, expected in STATEMENT_CASES:
        key = (row["fiscal_year"], str(row["net_profit"]), str(row["inventory"]), str(row["cash_and_equivalents"]),
               str(row["operating_revenue"]))
        _assert_cases(got, {key: expected})


def test_default_event_rules(warehouse):
    got = _reasons(warehouse, "default_events", lambda r: r["enterprise_id"])
    assert got["E1"] == ["default_date: 2019-03-01 is after the data cut-off 2018-12-31 (rule date_after_cutoff, var data_cutoff_date)"]
    assert got["E2"] == ["default_date: 2015-02-01 is before the enterprise's founding date 2015-06-01 (rule date_before_founding)"]


def test_counts_reconcile_and_calendar_uses_cutoff(warehouse):
    recon = query(warehouse, "select * from marts.source_reconciliation").set_index("source_table")
    assert recon["is_reconciled"].all()
    assert (recon["staged_rows"] + recon["duplicate_rows"] + recon["quarantined_rows"] == recon["raw_rows"]).all()
    assert recon.loc["invoices", "duplicate_rows"] == 1
    assert recon.loc["invoices", "raw_rows"] == len(INVOICES)
    calendar = query(warehouse, "select * from intermediate.int_data_calendar").iloc[0]
    assert str(calendar["data_cutoff_date"])[:10] == CUTOFF
    assert str(calendar["final_as_of_date"])[:10] == "2017-05-01"  # the month after E1's last valid invoice
    assert str(calendar["first_invoice_month"])[:10] == "2017-01-01"  # not 2011-05: a gap of 5 years
