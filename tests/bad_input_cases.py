"""The bad-input matrix's row-level cases (tests/test_bad_input_matrix.py builds and asserts them).

Each case *adds* rows to a clean generated raw set: rows that break one rule of the contract (README
"Raw data contract", "Raw file format", "Plausibility rules"; macros/plausibility.sql), or an exact
copy of a clean row. A corrupted row must be quarantined with the rule's reason, an exact copy must
be collapsed; neither may reach the marts, so the corrupted build's marts must equal the clean
build's. Cases use keys no clean row has (invoice number BAD-<case>, loan id BAD-<case>, a
statement year or report month without a clean row), so a key-conflict case conflicts only with
itself. A value is given per file format where they differ: `V(csv text, typed Parquet value)`;
a case whose corruption only exists as text (ambiguous separators, 'Infinity' spelt out) is CSV only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

CUTOFF = "2026-06-30"  # var data_cutoff_date of both builds
FUTURE = dt.date(2031, 1, 1)
BEFORE_1990 = dt.date(1989, 12, 1)


@dataclass(frozen=True)
class V:
    """A corrupted value: its CSV text and its typed Parquet value."""

    csv: str
    parquet: object


@dataclass(frozen=True)
class Case:
    id: str
    cls: str  # class of corruption (the issue's list)
    table: str
    rows: Callable[["Clean", int], list[dict]]  # the added rows, given the clean data and the case's index
    reason: str | dict[str, str] | None  # quarantine reason prefix (per format if a dict); None = collapsed copy
    formats: tuple[str, ...] = ("csv", "parquet")

    def reason_for(self, fmt: str) -> str | None:
        return self.reason[fmt] if isinstance(self.reason, dict) else self.reason


@dataclass
class Clean:
    """The clean raw tables (typed, as generated) and picks of rows the cases copy."""

    tables: dict[str, pd.DataFrame]
    used: set = field(default_factory=set)

    def _pick(self, frame: pd.DataFrame, key: str, i: int) -> dict:
        """The i-th row of frame whose `key` no case has used yet (so cases never share a key)."""
        rows = [r for r in frame.to_dict("records") if r[key] not in self.used]
        row = rows[i % len(rows)]
        self.used.add(row[key])
        return row

    def enterprise(self, i: int, founded_after: dt.date = dt.date(1991, 6, 1)) -> dict:
        ent = self.tables["enterprises"]
        return self._pick(ent[ent.founded_on > founded_after], "enterprise_id", i)

    def founded(self, enterprise_id: str) -> dt.date:
        ent = self.tables["enterprises"]
        return ent.loc[ent.enterprise_id == enterprise_id, "founded_on"].iloc[0]

    def invoice(self, i: int) -> dict:
        inv = self.tables["invoices"]
        ent = self.enterprise(i)
        sales = inv[(inv.enterprise_id == ent["enterprise_id"]) & (inv.direction == "sales") & (inv.status == "valid")]
        return dict(sales.iloc[0])

    def loan(self, i: int) -> dict:
        return self._pick(self.tables["loans"], "loan_id", i)

    def running_loan(self, i: int) -> tuple[dict, dt.date]:
        """A clean report row of a loan still running at its last report, and the month after it
        (within the loan's life, without a clean row)."""
        perf, loans = self.tables["loan_performance"], self.tables["loans"]
        last = perf.groupby("loan_id").month.max()
        maturity = loans.set_index("loan_id").apply(
            lambda r: (pd.Timestamp(r.disbursement_date) + pd.DateOffset(months=int(r.term_months))).date(), axis=1)
        running = loans[loans.loan_id.map(last).lt(loans.loan_id.map(maturity))]
        loan = self._pick(running, "loan_id", i)
        row = perf[perf.loan_id == loan["loan_id"]].sort_values("month").iloc[-1].to_dict()
        return row, (pd.Timestamp(row["month"]) + pd.DateOffset(months=1)).date()

    def statement(self, i: int) -> dict:
        """A clean statement row moved to the year after the enterprise's last one (no clean row)."""
        st, ent = self.tables["financial_statements"], self.tables["enterprises"]
        st = st[st.enterprise_id.isin(ent.enterprise_id[ent.founded_on > dt.date(1991, 6, 1)])]  # founding year - 1 >= 1990
        row = self._pick(st.sort_values("fiscal_year").drop_duplicates("enterprise_id", keep="last"), "enterprise_id", i)
        return {**row, "fiscal_year": row["fiscal_year"] + 1}


def _with(template: Callable[[Clean, int], dict], **changes) -> Callable[[Clean, int], list[dict]]:
    """One row: the case's template row with `changes`."""
    def rows(clean: Clean, i: int) -> list[dict]:
        return [{**template(clean, i), **changes}]
    return rows


def _new_invoice(clean: Clean, i: int) -> dict:
    return {**clean.invoice(i), "invoice_number": f"BAD-{i}"}


def _new_loan(clean: Clean, i: int) -> dict:
    return {**clean.loan(i), "loan_id": f"BAD-{i}"}


def _new_enterprise(clean: Clean, i: int) -> dict:
    return {**clean.enterprise(i), "enterprise_id": f"EBAD-{i}"}


def _invoice(**changes) -> Callable[[Clean, int], list[dict]]:
    return _with(_new_invoice, **changes)


def _invoice_before_founding(clean: Clean, i: int) -> list[dict]:
    row = _new_invoice(clean, i)
    return [{**row, "issue_date": clean.founded(row["enterprise_id"]) - dt.timedelta(days=1)}]


def _invoice_conflict(clean: Clean, i: int) -> list[dict]:
    row = _new_invoice(clean, i)
    return [row, {**row, "amount": row["amount"] + 1, "total": row["total"] + 1}]


def _loan(**changes) -> Callable[[Clean, int], list[dict]]:
    return _with(_new_loan, **changes)


def _loan_before_founding(clean: Clean, i: int) -> list[dict]:
    ent = clean.enterprise(i)
    return [{**_new_loan(clean, i), "enterprise_id": ent["enterprise_id"],
             "application_date": ent["founded_on"] - dt.timedelta(days=40),
             "disbursement_date": ent["founded_on"] - dt.timedelta(days=10)}]


def _loan_conflict(clean: Clean, i: int) -> list[dict]:
    row = _new_loan(clean, i)
    return [row, {**row, "amount": row["amount"] * 2}]


def _report(month: Callable[[dict, dt.date], dt.date] | None = None, **changes) -> Callable[[Clean, int], list[dict]]:
    """A report of a running loan for the month after its last report (or `month(row, next)`)."""
    def rows(clean: Clean, i: int) -> list[dict]:
        row, next_month = clean.running_loan(i)
        return [{**row, "month": month(row, next_month) if month else next_month, **changes}]
    return rows


def _month_of_loan(clean: Clean, loan_id: str, months_after_disbursement: int) -> dt.date:
    loans = clean.tables["loans"]
    disbursed = pd.Timestamp(loans.loc[loans.loan_id == loan_id, "disbursement_date"].iloc[0])
    return (disbursed.to_period("M").to_timestamp() + pd.DateOffset(months=months_after_disbursement)).date()


def _report_before_disbursement(clean: Clean, i: int) -> list[dict]:
    row, _ = clean.running_loan(i)
    return [{**row, "month": _month_of_loan(clean, row["loan_id"], -2)}]


def _report_after_maturity(clean: Clean, i: int) -> list[dict]:
    loans = clean.tables["loans"]
    loan = clean._pick(loans[loans.disbursement_date < dt.date(2018, 6, 1)], "loan_id", i)
    month = _month_of_loan(clean, loan["loan_id"], int(loan["term_months"]) + 13)  # grace is 12 months
    return [{"loan_id": loan["loan_id"], "month": month, "balance": 0.0, "days_past_due": 0}]


def _report_conflict(clean: Clean, i: int) -> list[dict]:
    row, month = clean.running_loan(i)
    return [{**row, "month": month}, {**row, "month": month, "balance": row["balance"] + 100}]


def _statement(**changes) -> Callable[[Clean, int], list[dict]]:
    return _with(Clean.statement, **changes)


def _statement_before_founding(clean: Clean, i: int) -> list[dict]:
    row = clean.statement(i)
    return [{**row, "fiscal_year": clean.founded(row["enterprise_id"]).year - 1}]


def _statement_conflict(clean: Clean, i: int) -> list[dict]:
    row = clean.statement(i)
    return [row, {**row, "net_profit": row["net_profit"] + 1}]


def _enterprise(**changes) -> Callable[[Clean, int], list[dict]]:
    return _with(_new_enterprise, **changes)


def _enterprise_conflict(clean: Clean, i: int) -> list[dict]:
    row = _new_enterprise(clean, i)
    return [row, {**row, "credit_rating": "D" if row["credit_rating"] != "D" else "A"}]


def _default_event(date: Callable[[Clean, dict], dt.date]) -> Callable[[Clean, int], list[dict]]:
    def rows(clean: Clean, i: int) -> list[dict]:
        ent = clean.enterprise(i)
        return [{"enterprise_id": ent["enterprise_id"], "default_date": date(clean, ent), "default_type": "bankruptcy",
                 "source": f"BAD-{i}"}]
    return rows


def _exact_copy(table: str, key: str) -> Callable[[Clean, int], list[dict]]:
    def rows(clean: Clean, i: int) -> list[dict]:
        return [clean._pick(clean.tables[table], key, i)]
    return rows


def _after_cutoff(column: str, value: str) -> str:
    return f"{column}: {value} is after the data cut-off {CUTOFF} (rule date_after_cutoff, var data_cutoff_date)"


def _before_1990(column: str, value: str) -> str:
    return f"{column}: {value} is before 1990-01-01 (rule date_before_earliest, var earliest_plausible_date)"


BEFORE_FOUNDING = "is before the enterprise's founding date"  # the rest names the row's dates
BOUND = "is beyond ±1e+12 yuan (rule amount_beyond_bound, var max_abs_amount)"
E18 = V("1e18", 1e18)
INF, NAN = V("Infinity", float("inf")), V("NaN", float("nan"))


def _ambiguous(column: str, text: str, table: str) -> str:
    kind = "decimal comma" if "," in text else "decimal point"
    return f"{column}: '{text}' is ambiguous ({kind} or thousands separator?): set decimal_separator for {table} in _format.yml"


def _not_finite(column: str, csv_kind: str = "number") -> dict[str, str]:
    """Text Infinity/NaN fails the number parser; a typed one breaks the finite rule."""
    return {"csv": f"{column}: unparseable {csv_kind} '", "parquet": f"{column}: '"}


def _number_bound(column: str) -> dict[str, str]:
    return {"csv": f"{column}: 1e18 {BOUND}", "parquet": f"{column}: 1e+18 {BOUND}"}


CSV = ("csv",)
CONFLICT = "key conflict: 2 different rows for "
CASES = [
    # invoices
    Case("invoice_future_date", "future date", "invoices", _invoice(issue_date=FUTURE), _after_cutoff("issue_date", "2031-01-01")),
    Case("invoice_before_1990", "date before 1990", "invoices", _invoice(issue_date=BEFORE_1990), _before_1990("issue_date", "1989-12-01")),
    Case("invoice_before_founding", "date before founding", "invoices", _invoice_before_founding, "issue_date: "),
    Case("invoice_amount_1e18", "amount beyond bound", "invoices", _invoice(amount=E18, total=E18), _number_bound("amount")),
    Case("invoice_amount_infinity", "Infinity/NaN", "invoices", _invoice(amount=INF), _not_finite("amount")),
    Case("invoice_tax_nan", "Infinity/NaN", "invoices", _invoice(tax=NAN), _not_finite("tax")),
    Case("invoice_decimal_comma", "ambiguous number", "invoices", _invoice(amount=V("1330,99", None)),
         _ambiguous("amount", "1330,99", "invoices"), CSV),
    Case("invoice_thousands_dot", "ambiguous number", "invoices", _invoice(total=V("328.000", None)),
         _ambiguous("total", "328.000", "invoices"), CSV),
    Case("invoice_key_conflict", "key conflict", "invoices", _invoice_conflict,
         CONFLICT + "enterprise_id, direction, invoice_number (and counterparty_id of a purchase) = ("),
    Case("invoice_exact_copy", "exact duplicate", "invoices", _exact_copy("invoices", "invoice_number"), None),
    # loans
    Case("loan_future_application", "future date", "loans", _loan(application_date=FUTURE, disbursement_date=FUTURE),
         _after_cutoff("application_date", "2031-01-01")),
    Case("loan_before_1990", "date before 1990", "loans",
         _loan(application_date=dt.date(1985, 3, 1), disbursement_date=dt.date(1985, 4, 1)), _before_1990("application_date", "1985-03-01")),
    Case("loan_before_founding", "date before founding", "loans", _loan_before_founding, "application_date: "),
    Case("loan_amount_1e18", "amount beyond bound", "loans", _loan(amount=E18), _number_bound("amount")),
    Case("loan_term_fractional", "fractional count", "loans", _loan(term_months=V("12.5", 12.5)),
         "term_months: 12.5 is not a whole number, never rounded (rule whole_number)"),
    Case("loan_rate_nan", "Infinity/NaN", "loans", _loan(interest_rate=NAN), _not_finite("interest_rate")),
    Case("loan_deposit_infinity", "Infinity/NaN", "loans", _loan(daily_avg_deposit=INF), _not_finite("daily_avg_deposit")),
    Case("loan_negative_deposit", "negative value", "loans", _loan(daily_avg_deposit=-5.0),
         "daily_avg_deposit: -5.0 is negative (rule non_negative)"),
    Case("loan_negative_amount", "negative value", "loans", _loan(amount=-100.0), "amount: missing or not positive"),
    Case("loan_ambiguous_amount", "ambiguous number", "loans", _loan(amount=V("1,234", None)),
         _ambiguous("amount", "1,234", "loans"), CSV),
    Case("loan_key_conflict", "key conflict", "loans", _loan_conflict, CONFLICT + "loan_id = (BAD-"),
    Case("loan_exact_copy", "exact duplicate", "loans", _exact_copy("loans", "loan_id"), None),
    # loan_performance
    Case("report_future_month", "future date", "loan_performance", _report(lambda r, m: FUTURE), _after_cutoff("month", "2031-01-01")),
    Case("report_before_1990", "date before 1990", "loan_performance", _report(lambda r, m: BEFORE_1990),
         _before_1990("month", "1989-12-01")),
    Case("report_before_disbursement", "month outside the loan's life", "loan_performance", _report_before_disbursement,
         "month: "),
    Case("report_after_maturity", "month outside the loan's life", "loan_performance", _report_after_maturity, "month: "),
    Case("report_balance_1e18", "amount beyond bound", "loan_performance", _report(balance=E18), _number_bound("balance")),
    Case("report_dpd_fractional", "fractional count", "loan_performance", _report(days_past_due=V("89.6", 89.6)),
         "days_past_due: 89.6 is not a whole number, never rounded (rule whole_number)"),
    Case("report_balance_infinity", "Infinity/NaN", "loan_performance", _report(balance=INF), _not_finite("balance")),
    Case("report_dpd_nan", "Infinity/NaN", "loan_performance", _report(days_past_due=NAN), _not_finite("days_past_due", "integer")),
    Case("report_negative_dpd", "negative value", "loan_performance", _report(days_past_due=V("-3", -3.0)),
         "days_past_due: -3 is negative (rule non_negative)"),
    Case("report_negative_balance", "negative value", "loan_performance", _report(balance=-1.0),
         "balance: -1.0 is negative (rule non_negative)"),
    Case("report_thousands_dot", "ambiguous number", "loan_performance", _report(balance=V("328.000", None)),
         _ambiguous("balance", "328.000", "loan_performance"), CSV),
    Case("report_key_conflict", "key conflict", "loan_performance", _report_conflict, CONFLICT + "loan_id, month = ("),
    Case("report_exact_copy", "exact duplicate", "loan_performance", _exact_copy("loan_performance", "loan_id"), None),
    # financial_statements
    Case("statement_future_year", "future date", "financial_statements", _statement(fiscal_year=2031),
         f"fiscal_year: 2031 ends after the data cut-off {CUTOFF} (rule date_after_cutoff"),
    Case("statement_before_1990", "date before 1990", "financial_statements", _statement(fiscal_year=1989),
         _before_1990("fiscal_year", "1989")),
    Case("statement_before_founding", "date before founding", "financial_statements", _statement_before_founding,
         "fiscal_year: "),
    Case("statement_revenue_1e18", "amount beyond bound", "financial_statements", _statement(operating_revenue=E18),
         _number_bound("operating_revenue")),
    Case("statement_year_fractional", "fractional count", "financial_statements", _statement(fiscal_year=V("2019.5", 2019.5)),
         "fiscal_year: 2019.5 is not a whole number, never rounded (rule whole_number)"),
    Case("statement_cash_infinity", "Infinity/NaN", "financial_statements", _statement(cash_and_equivalents=INF),
         _not_finite("cash_and_equivalents")),
    Case("statement_negative_inventory", "negative value", "financial_statements", _statement(inventory=-5.0),
         "inventory: -5.0 is negative (rule non_negative)"),
    Case("statement_decimal_comma", "ambiguous number", "financial_statements", _statement(total_assets=V("1330,99", None)),
         _ambiguous("total_assets", "1330,99", "financial_statements"), CSV),
    Case("statement_key_conflict", "key conflict", "financial_statements", _statement_conflict,
         CONFLICT + "enterprise_id, fiscal_year = ("),
    Case("statement_exact_copy", "exact duplicate", "financial_statements", _exact_copy("financial_statements", "enterprise_id"), None),
    # enterprises
    Case("enterprise_founded_future", "founding date in future", "enterprises", _enterprise(founded_on=FUTURE),
         f"founded_on: 2031-01-01 is in the future (after the data cut-off {CUTOFF}) (rule founded_after_cutoff"),
    Case("enterprise_key_conflict", "key conflict", "enterprises", _enterprise_conflict, CONFLICT + "enterprise_id = (EBAD-"),
    Case("enterprise_exact_copy", "exact duplicate", "enterprises", _exact_copy("enterprises", "enterprise_id"), None),
    # default_events
    Case("default_future_date", "future date", "default_events", _default_event(lambda c, e: FUTURE),
         _after_cutoff("default_date", "2031-01-01")),
    Case("default_before_1990", "date before 1990", "default_events", _default_event(lambda c, e: BEFORE_1990),
         _before_1990("default_date", "1989-12-01")),
    Case("default_before_founding", "date before founding", "default_events",
         _default_event(lambda c, e: e["founded_on"] - dt.timedelta(days=1)), "default_date: "),
    Case("default_exact_copy", "exact duplicate", "default_events", _exact_copy("default_events", "enterprise_id"), None),
]

# The "before founding" and "outside the loan's life" reasons name the row's own dates: their full
# text is checked in the test against the rule, after the column prefix above.
DATE_RULES = {"invoice_before_founding": BEFORE_FOUNDING, "loan_before_founding": BEFORE_FOUNDING,
              "statement_before_founding": BEFORE_FOUNDING, "default_before_founding": BEFORE_FOUNDING,
              "report_before_disbursement": "is before the loan's disbursement month",
              "report_after_maturity": "is more than 12 months after the loan's maturity month"}
RULE_NAMES = {"is before the enterprise's founding date": "(rule date_before_founding)",
              "is before the loan's disbursement month": "(rule month_before_disbursement)",
              "is more than 12 months after the loan's maturity month": "(rule month_after_maturity, var performance_grace_months)"}

# The columns that identify a case's rows in marts.quarantine's raw_record (MARKER) and a copied
# row in staging (KEY, staging's names).
MARKER = {"invoices": ("invoice_number",), "loans": ("loan_id",), "loan_performance": ("loan_id", "month"),
          "financial_statements": ("enterprise_id", "fiscal_year"), "enterprises": ("enterprise_id",),
          "default_events": ("source",)}
KEY = {"invoices": ("enterprise_id", "direction", "invoice_number", "counterparty_id"), "loans": ("loan_id",),
       "loan_performance": ("loan_id", "month"), "financial_statements": ("enterprise_id", "fiscal_year"),
       "enterprises": ("enterprise_id",), "default_events": ("enterprise_id", "default_date", "default_type")}
