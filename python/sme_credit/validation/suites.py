"""Expectation suites of the validation gate, as code (GX 1.24 Python API).

One builder per validated table; each takes what it cannot know by itself (the allowed
industries of the seed, the staged row counts, the label base-rate band) and returns a
``SuiteDefinition``: the GX ``ExpectationSuite`` plus how to prepare the table and what to do
when it is empty. Every expectation carries a GX ``severity``:

- ``critical``: the data would make the PD models wrong (keys, impossible values, broken
  value sets, counts inconsistent with staging). A failure stops the model step.
- ``warning``: plausibility on real, noisy data (usually with ``mostly``). Recorded only.

NULL is a legitimate value of most indicators ("not defined", e.g. a ratio without a
denominator, or no credit record): column-map expectations ignore NULLs, so the ranges
below only judge the values that exist.

To add an expectation: append it to the builder's list with ``severity=CRITICAL`` or
``WARNING`` and ``notes`` saying why; tests/test_validation_suites.py shows how to check it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)

# Value sets of the raw contract (models/staging/_sources.yml) and of the marts.
RATINGS = ["A", "B", "C", "D"]
SIZE_CLASSES = ["micro", "small", "medium"]
ALTMAN_ZONES = ["safe", "grey", "distress"]
LOAN_LABEL_STATUSES = ["defaulted", "performing", "window_open", "no_performance_data"]  # int_loan_outcomes
GUARANTEE_METHODS = ["credit", "guarantee", "mortgage", "pledge"]
PRODUCTS = ["working_capital", "tax_credit", "invoice_financing", "mortgage_operating", "inclusive_micro"]
RAW_TABLES = ["enterprises", "loans", "loan_performance", "financial_statements", "invoices", "default_events"]
REQUIRED_RAW_TABLES = ["enterprises", "invoices"]

# Shares are computed in floating point (HHI from running sums of squares): allow rounding.
SHARE_MAX = 1 + 1e-9

# Default bands for the label base rate. Enterprise label: has ever defaulted (CUMCM: 22 %);
# loan label: 90+ days past due within 12 months (SME portfolios: a few percent).
ENTERPRISE_DEFAULT_RATE_BAND = (0.01, 0.5)
LOAN_DEFAULT_RATE_BAND = (0.005, 0.3)


@dataclass(frozen=True)
class SuiteDefinition:
    """A GX suite plus how to feed it.

    prepare: adds derived columns the suite checks (e.g. shares), applied before validation.
    skip_when_empty: an empty table is legitimate (real data without loans): only table-level
        expectations (row counts vs staging) are evaluated and a note row is recorded.
    """

    suite: gx.ExpectationSuite
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    skip_when_empty: bool = False
    empty_note: str = ""

    @property
    def name(self) -> str:
        return self.suite.name


def _e(expectation_class: type, severity: str, notes: str, mostly: float | None = None, **kwargs: Any):
    """One expectation; `mostly` only where real data is noisy (omitted = every value)."""
    if mostly is not None:
        kwargs["mostly"] = mostly
    return expectation_class(severity=severity, notes=notes, **kwargs)


def _between(column: str, severity: str, notes: str, min_value: float | None = None,
             max_value: float | None = None, mostly: float | None = None, strict_min: bool = False):
    kwargs: dict[str, Any] = {"column": column}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    if strict_min:
        kwargs["strict_min"] = True
    return _e(gxe.ExpectColumnValuesToBeBetween, severity, notes, mostly, **kwargs)


def _in_set(column: str, values: Sequence[Any], severity: str, notes: str, mostly: float | None = None):
    return _e(gxe.ExpectColumnValuesToBeInSet, severity, notes, mostly, column=column, value_set=list(values))


def _not_null(column: str, notes: str):
    return _e(gxe.ExpectColumnValuesToNotBeNull, CRITICAL, notes, column=column)


def _label_rate(column: str, band: tuple[float, float], notes: str):
    # NULL labels (no credit record, window still open) are left out of the mean.
    return _e(gxe.ExpectColumnMeanToBeBetween, WARNING, notes, column=column, min_value=band[0], max_value=band[1])


def indicator_expectations() -> list:
    """Ranges of the indicator catalogue (macros/indicator_columns.sql), shared by both marts."""
    non_negative_counts = ["active_span_days", "active_months", "months_since_last_invoice", "order_count",
                           "orders_per_active_month", "distinct_customers", "distinct_suppliers"]
    shares = ["transaction_efficiency", "void_ratio_count", "void_ratio_amount", "red_letter_ratio_count",
              "customer_hhi", "supplier_hhi", "top_customer_share", "top_supplier_share"]
    # Statement ratios: plausible bounds only, statements are self-reported and noisy.
    statement_bounds = {
        "x01_current_ratio": (0, 100), "x02_quick_ratio": (0, 100), "x03_cash_ratio": (0, 100),
        "x04_debt_to_assets": (0, 5), "x07_receivables_turnover": (0, None), "x08_inventory_turnover": (0, None),
        "x09_current_asset_turnover": (0, None), "x10_fixed_asset_turnover": (0, None),
        "x11_total_asset_turnover": (0, None), "x12_gross_margin": (-10, 1), "x13_net_profit_margin": (-10, 10),
        "x14_return_on_assets": (-10, 10), "x15_return_on_equity": (-10, 10), "x16_operating_margin": (-10, 10),
        "x22_current_debt_ratio": (0, 5), "x23_fixed_asset_ratio": (0, 1), "altman_z_score": (-50, 50),
    }
    expectations = [
        _between("net_sales", CRITICAL, "Cumulative net sales since the first invoice cannot be negative: "
                 "red-letter invoices only reverse earlier sales. A few early panel rows may, when they "
                 "reverse sales made before the data starts (the CUMCM files: 4 of 12,750).",
                 min_value=0, mostly=0.999),
        _between("avg_sales_invoice_amount", CRITICAL, "Gross positive sales per order.", min_value=0),
        _between("avg_purchase_invoice_amount", CRITICAL, "Gross positive purchases per order.", min_value=0),
        _between("sales_volatility_12m", CRITICAL, "A standard deviation over a positive mean.", min_value=0),
        _between("statement_fiscal_year", CRITICAL, "Staging keeps fiscal years in 1950-2100.",
                 min_value=1950, max_value=2100),
        _in_set("altman_zone", ALTMAN_ZONES, CRITICAL, "Zones of the Altman Z'' score."),
        _between("net_purchases", WARNING, "Cumulative net purchases; a purchase refund of goods bought "
                 "before the data starts can make it negative.", min_value=0, mostly=0.99),
        _between("sales_last_12m", WARNING, "Red-letter invoices can exceed a quiet year's sales.",
                 min_value=0, mostly=0.99),
        _between("purchases_last_12m", WARNING, "As sales_last_12m.", min_value=0, mostly=0.99),
        _between("annual_sales", WARNING, "Feeds the Basel SME size adjustment.", min_value=0, mostly=0.99),
        _between("enterprise_age_years", WARNING, "Founded before the as-of date, at most 200 years ago.",
                 min_value=0, max_value=200, mostly=0.99),
        _between("gross_margin", WARNING, "1 - purchases / sales: above 1 only with negative purchases.",
                 max_value=1, mostly=0.99),
        _between("net_sales_margin", WARNING, "At most the gross margin.", max_value=1, mostly=0.99),
        _between("cost_gross_margin", WARNING, "sales / purchases - 1 with non-negative sales.",
                 min_value=-1, mostly=0.99),
        _between("red_letter_ratio_amount", WARNING, "Red-letter amount / gross sales: above 1 only when "
                 "refunds exceed the period's sales.", min_value=0, max_value=SHARE_MAX, mostly=0.99),
        _between("sales_tax_rate", WARNING, "VAT rates in China are 0-17 %.", min_value=0, max_value=0.2,
                 mostly=0.99),
        _between("vat_burden", WARNING, "VAT paid net of input VAT, per yuan of sales.", max_value=0.2,
                 mostly=0.99),
        _between("sales_growth_12m", WARNING, "Monthly trend relative to the mean month.", min_value=-5,
                 max_value=5, mostly=0.99),
        _e(gxe.ExpectColumnProportionOfNonNullValuesToBeBetween, WARNING,
           "Most enterprises should have invoices (NULL = no invoice before the as-of date).",
           column="net_sales", min_value=0.5),
    ]
    expectations += [_between(c, CRITICAL, "A count or a duration.", min_value=0) for c in non_negative_counts]
    expectations += [_between(c, CRITICAL, "A share of a total.", min_value=0, max_value=SHARE_MAX) for c in shares]
    expectations += [_between(c, WARNING, "Plausible bound of a statement ratio.", min_value=lo, max_value=hi,
                              mostly=0.99) for c, (lo, hi) in statement_bounds.items()]
    return expectations


ENTERPRISE_LABEL_STATUSES = ["defaulted", "performing", "window_open", "in_default", "default_undated", "no_credit_record"]
# A yearly SME default rate between 0.2% and 30%: anything outside is a dating or join error.
FORWARD_DEFAULT_RATE_BAND = (0.002, 0.3)


def _enterprise_attributes(industries: Iterable[str]) -> list:
    return [
        _not_null("industry", "Staging turns unknown industries into 'unknown'."),
        # warning: a bank may use its own industry codes (the dbt relationships test warns too);
        # the PD models treat industry as a category, so an unseen code does not break them
        _in_set("industry", industries, WARNING, "Industries of the seed `industries`."),
        _in_set("size_class", SIZE_CLASSES, CRITICAL, "Staging quarantines other size classes."),
    ]


def enterprise_indicators_suite(
    industries: Iterable[str],
    staged_enterprises: int | None = None,
    label_base_rate: tuple[float, float] = ENTERPRISE_DEFAULT_RATE_BAND,
) -> SuiteDefinition:
    """Suite of marts.enterprise_indicators (one row per enterprise and reporting as-of date).

    staged_enterprises: rows of stg_enterprises; every staged enterprise must be in the mart.
    """
    expectations = [
        _e(gxe.ExpectTableRowCountToBeBetween, CRITICAL, "The required enterprises file yields rows.", min_value=1),
        _not_null("enterprise_id", "Key."),
        _not_null("as_of_date", "Key."),
        _e(gxe.ExpectCompoundColumnsToBeUnique, CRITICAL, "One row per enterprise and as-of date.",
           column_list=["enterprise_id", "as_of_date"]),
        _not_null("has_credit_record", "Derived in staging for every enterprise."),
        _in_set("credit_rating", RATINGS, CRITICAL, "Bank ratings A-D; NULL = no credit record."),
        *_enterprise_attributes(industries),
        _label_rate("has_defaulted", label_base_rate, "Share of defaulted enterprises among those with a "
                    "credit record: outside the band, the label or the rating file is suspect."),
        _not_null("label_status", "Every panel row has a forward-label status."),
        _in_set("label_status", ENTERPRISE_LABEL_STATUSES, CRITICAL, "Statuses of the forward label (enterprise_indicators.sql)."),
        _in_set("default_next_12m", [0, 1], CRITICAL, "The 12-month forward label is 0/1 where known."),
        _label_rate("default_next_12m", FORWARD_DEFAULT_RATE_BAND, "12-month default rate over the labelled panel "
                    "rows: outside the band, the default dates (default_events, loan reports) are suspect."),
        *indicator_expectations(),
    ]
    if staged_enterprises is not None:
        expectations.insert(1, _e(
            gxe.ExpectColumnUniqueValueCountToBeBetween, CRITICAL,
            "Every staged enterprise (stg_enterprises) is in the mart, and no other.",
            column="enterprise_id", min_value=staged_enterprises, max_value=staged_enterprises))
    return SuiteDefinition(gx.ExpectationSuite(name="enterprise_indicators", expectations=expectations))


def loan_features_suite(
    industries: Iterable[str],
    staged_loans: int | None = None,
    label_base_rate: tuple[float, float] = LOAN_DEFAULT_RATE_BAND,
    min_labelled_share: float = 0.5,
) -> SuiteDefinition:
    """Suite of marts.loan_features (one row per loan). Real data (CUMCM) has no loans: an empty
    mart is then legitimate, and only the row count against stg_loans is checked."""
    expectations = [
        _not_null("loan_id", "Key."),
        _e(gxe.ExpectColumnValuesToBeUnique, CRITICAL, "One row per loan.", column="loan_id"),
        _not_null("enterprise_id", "Every loan belongs to a staged enterprise."),
        _not_null("application_date", "Point-in-time indicators are taken at the application month."),
        _not_null("disbursement_date", "The default window starts at disbursement."),
        _e(gxe.ExpectColumnPairValuesAToBeGreaterThanB, CRITICAL, "Staging quarantines loans paid out before "
           "their application.", column_A="disbursement_date", column_B="application_date", or_equal=True),
        _between("amount", CRITICAL, "Principal disbursed.", min_value=0, strict_min=True),
        _between("term_months", CRITICAL, "Contractual term.", min_value=0, strict_min=True),
        _between("interest_rate", CRITICAL, "A fraction (0.0435 = 4.35 %).", min_value=0, max_value=1),
        _between("daily_avg_deposit", CRITICAL, "A deposit balance cannot be negative.", min_value=0),
        _in_set("pre_loan_rating", RATINGS, CRITICAL, "Bank ratings A-D."),
        _in_set("label_status", LOAN_LABEL_STATUSES, CRITICAL, "States of int_loan_outcomes."),
        _in_set("is_default", [0, 1], CRITICAL, "The label: 1 defaulted, 0 performing, NULL not known yet."),
        _between("months_to_default", CRITICAL, "Default is searched from the disbursement month.", min_value=0),
        _between("max_days_past_due_in_window", CRITICAL, "Days past due.", min_value=0),
        *_enterprise_attributes(industries),
        _in_set("guarantee_method", GUARANTEE_METHODS, WARNING, "Methods of the raw contract; a new one "
                "is a business change to review, not an error."),
        _in_set("product", PRODUCTS, WARNING, "Products of the raw contract; as guarantee_method."),
        _between("term_months", WARNING, "Terms over 30 years are implausible for SME loans.", max_value=360),
        _label_rate("is_default", label_base_rate, "Loan default rate (90+ days past due within 12 months)."),
        _e(gxe.ExpectColumnProportionOfNonNullValuesToBeBetween, WARNING, "Share of loans with a known "
           "label (window closed); few labels make a weak model.", column="is_default",
           min_value=min_labelled_share),
        *indicator_expectations(),
    ]
    if staged_loans is not None:
        expectations.insert(0, _e(gxe.ExpectTableRowCountToEqual, CRITICAL,
                                  "One row per staged loan (stg_loans).", value=staged_loans))
    return SuiteDefinition(
        gx.ExpectationSuite(name="loan_features", expectations=expectations),
        skip_when_empty=True,
        empty_note="loan_features has no rows (the raw data has no loans): its column expectations were "
                   "not evaluated; the row count against stg_loans was.",
    )


def _add_reconciliation_shares(frame: pd.DataFrame) -> pd.DataFrame:
    raw = pd.to_numeric(frame["raw_rows"]).astype("float64")
    denominator = raw.where(raw > 0)  # an empty file has no share
    return frame.assign(
        quarantined_share=pd.to_numeric(frame["quarantined_rows"]).astype("float64") / denominator,
        duplicate_share=pd.to_numeric(frame["duplicate_rows"]).astype("float64") / denominator,
    )


def source_reconciliation_suite(
    max_quarantined_share: float = 0.05,
    max_duplicate_share: float = 0.10,
) -> SuiteDefinition:
    """Suite of marts.source_reconciliation (per raw file: raw = staged + duplicates + quarantined)."""
    expectations = [
        _not_null("source_table", "Key."),
        _not_null("source_file", "Key."),
        _e(gxe.ExpectCompoundColumnsToBeUnique, CRITICAL, "One row per raw file.",
           column_list=["source_table", "source_file"]),
        _in_set("source_table", RAW_TABLES, CRITICAL, "Tables of the raw contract."),
        _e(gxe.ExpectColumnDistinctValuesToContainSet, CRITICAL, "Required raw tables have files.",
           column="source_table", value_set=REQUIRED_RAW_TABLES),
        _in_set("is_reconciled", [True], CRITICAL, "Every raw row is staged, collapsed as a duplicate or "
                "quarantined: staging lost or invented rows otherwise."),
        _e(gxe.ExpectColumnPairValuesAToBeGreaterThanB, CRITICAL, "Staging cannot have more rows than raw.",
           column_A="raw_rows", column_B="staged_rows", or_equal=True),
        _between("quarantined_share", WARNING, "Share of a file's rows quarantined (see marts.quarantine).",
                 min_value=0, max_value=max_quarantined_share),
        _between("duplicate_share", WARNING, "Share of a file's rows that were exact duplicates.",
                 min_value=0, max_value=max_duplicate_share),
    ]
    return SuiteDefinition(gx.ExpectationSuite(name="source_reconciliation", expectations=expectations),
                           prepare=_add_reconciliation_shares)


def default_suites(industries: Iterable[str], staged_enterprises: int | None,
                   staged_loans: int | None) -> list[SuiteDefinition]:
    """The suites the dbt model dq_validation_results runs, in order."""
    industries = list(industries)
    return [
        source_reconciliation_suite(),
        enterprise_indicators_suite(industries, staged_enterprises),
        loan_features_suite(industries, staged_loans),
    ]
