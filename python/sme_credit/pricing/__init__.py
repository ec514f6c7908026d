"""RAROC pricing of SME loans: Basel IRB capital, churn-aware rates, tiers, budget allocation, stress.

Plain functions on pandas frames, usable without dbt. Input frame columns: enterprise_id, pd,
grade, credit_rating (A–D or null), industry, annual_sales (yuan), lgd (null → default).
See docs/pricing.md for every formula.
"""

from .allocation import (
    CREDIT_ALLOCATION_COLUMNS,
    PORTFOLIO_SUMMARY_COLUMNS,
    allocate_credit,
    solve_allocation,
    summarise_portfolio,
)
from .churn import (
    churn_rate,
    load_rate_churn,
    pd_implied_rating,
    rate_churn_from_xlsx,
    rate_grid,
    rating_for_churn,
    write_rate_churn_seed,
)
from .inputs import lgd_from_guarantee_method, loan_caps, prepare_enterprises
from .irb import asset_correlation, capital_k, risk_weight
from .parameters import PricingParams, load_parameters
from .raroc import loan_economics, portfolio_raroc, term_pd
from .schemes import PRICING_SCHEMES_COLUMNS, best_scheme, pricing_schemes, scheme_grid
from .stress import (
    SCENARIO_ALLOCATION_COLUMNS,
    apply_stress,
    compare_portfolios,
    load_stress_shocks,
    scenario_comparison,
    stress_test,
)
from .tiers import PRICING_TIERS_COLUMNS, assign_tiers, optimal_rates, price_enterprises
from .workflow import default_budgets, run_pricing

__all__ = [
    "CREDIT_ALLOCATION_COLUMNS",
    "PORTFOLIO_SUMMARY_COLUMNS",
    "PRICING_SCHEMES_COLUMNS",
    "PRICING_TIERS_COLUMNS",
    "SCENARIO_ALLOCATION_COLUMNS",
    "PricingParams",
    "allocate_credit",
    "apply_stress",
    "asset_correlation",
    "assign_tiers",
    "best_scheme",
    "capital_k",
    "churn_rate",
    "compare_portfolios",
    "default_budgets",
    "lgd_from_guarantee_method",
    "load_parameters",
    "load_rate_churn",
    "load_stress_shocks",
    "loan_caps",
    "loan_economics",
    "optimal_rates",
    "pd_implied_rating",
    "portfolio_raroc",
    "prepare_enterprises",
    "price_enterprises",
    "pricing_schemes",
    "rate_churn_from_xlsx",
    "rate_grid",
    "rating_for_churn",
    "risk_weight",
    "run_pricing",
    "scenario_comparison",
    "scheme_grid",
    "solve_allocation",
    "stress_test",
    "summarise_portfolio",
    "term_pd",
    "write_rate_churn_seed",
]
