"""Arrow schemas of the files the generator writes (models/staging/_sources.yml types)."""

from __future__ import annotations

import pyarrow as pa

# Contract data_type -> Arrow type (dates as date32, booleans as bool, ids as strings).
CONTRACT_TYPES = {"varchar": pa.string(), "date": pa.date32(), "boolean": pa.bool_(),
                  "integer": pa.int32(), "double": pa.float64()}

ENTERPRISES = pa.schema([
    ("enterprise_id", pa.string()), ("enterprise_name", pa.string()), ("industry", pa.string()),
    ("region", pa.string()), ("size_class", pa.string()), ("founded_on", pa.date32()),
    ("credit_rating", pa.string()), ("has_defaulted", pa.bool_()),
])

LOANS = pa.schema([
    ("loan_id", pa.string()), ("enterprise_id", pa.string()), ("application_date", pa.date32()),
    ("disbursement_date", pa.date32()), ("product", pa.string()), ("amount", pa.float64()),
    ("term_months", pa.int32()), ("interest_rate", pa.float64()), ("guarantee_method", pa.string()),
    ("pre_loan_rating", pa.string()), ("daily_avg_deposit", pa.float64()),
    ("has_negative_credit_info", pa.bool_()), ("epidemic_impacted", pa.bool_()),
])

LOAN_PERFORMANCE = pa.schema([
    ("loan_id", pa.string()), ("month", pa.date32()), ("balance", pa.float64()), ("days_past_due", pa.int32()),
])

STATEMENT_ITEMS = (
    "cash_and_equivalents", "short_term_investments", "accounts_receivable", "inventory", "current_assets",
    "fixed_assets_net", "total_assets", "current_liabilities", "debt_due_within_one_year", "total_liabilities",
    "owners_equity", "retained_earnings", "operating_revenue", "operating_cost", "operating_profit",
    "interest_expense", "total_profit", "net_profit", "operating_cash_flow",
)
FINANCIAL_STATEMENTS = pa.schema(
    [("enterprise_id", pa.string()), ("fiscal_year", pa.int32())] + [(c, pa.float64()) for c in STATEMENT_ITEMS]
)

INVOICES = pa.schema([
    ("enterprise_id", pa.string()), ("direction", pa.string()), ("invoice_number", pa.string()),
    ("issue_date", pa.date32()), ("counterparty_id", pa.string()), ("amount", pa.float64()),
    ("tax", pa.float64()), ("total", pa.float64()), ("status", pa.string()),
])

DEFAULT_EVENTS = pa.schema([
    ("enterprise_id", pa.string()), ("default_date", pa.date32()), ("default_type", pa.string()), ("source", pa.string()),
])

RAW_TABLES = {
    "enterprises": ENTERPRISES, "loans": LOANS, "loan_performance": LOAN_PERFORMANCE,
    "financial_statements": FINANCIAL_STATEMENTS, "invoices": INVOICES, "default_events": DEFAULT_EVENTS,
}
