"""One call that builds every pricing table for the CUMCM questions (used by the warehouse and CLI)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .allocation import allocate_credit, summarise_portfolio
from .churn import load_rate_churn
from .parameters import PricingParams
from .schemes import PRICING_SCHEMES_COLUMNS, pricing_schemes
from .stress import apply_stress, compare_portfolios, load_stress_shocks, scenario_comparison
from .tiers import price_enterprises


def default_budgets(params: PricingParams) -> dict[str, float]:
    """Budgets of the CUMCM questions: q1 = total_budget_q1 (assumed), q2 = total_budget (100 million)."""
    return {"q1": params.total_budget_q1, "q2": params.total_budget}


def run_pricing(
    books: Mapping[str, pd.DataFrame],
    params: PricingParams | None = None,
    budgets: Mapping[str, float] | None = None,
    stress_scenarios: Sequence[str] = ("epidemic",),
    rate_churn: pd.DataFrame | None = None,
    shocks: pd.DataFrame | None = None,
    with_schemes: bool = True,
) -> dict[str, pd.DataFrame]:
    """Price, allocate, stress and scheme-search every question's book.

    ``books`` maps a question label ('q1', 'q2', …) to its enterprise frame; enterprise_id must
    be unique across books (the per-enterprise tables carry no question column). Returns:
    pricing_tiers (base), credit_allocation and portfolio_summary (base + each scenario),
    scenario_allocation (base vs stressed per enterprise; the table has no scenario column, so
    with several scenarios its rows repeat per scenario in ``stress_scenarios`` order),
    scenario_difference, and pricing_schemes (with a leading ``question`` column).
    """
    params = params or PricingParams()
    table = rate_churn if rate_churn is not None else load_rate_churn()
    budgets = dict(budgets) if budgets is not None else default_budgets(params)
    if stress_scenarios and shocks is None:
        shocks = load_stress_shocks()
    ids = pd.concat([b["enterprise_id"] for b in books.values()]) if books else pd.Series(dtype=object)
    if ids.duplicated().any():
        raise ValueError("enterprise_id must be unique across books")
    tiers, allocations, comparisons, schemes = [], [], [], []
    industries = []
    for question, book in books.items():  # a handful of questions
        budget = budgets[question]
        base_tiers = price_enterprises(book, params, table)
        base_alloc = allocate_credit(base_tiers, budget, book, params, "base", question)
        tiers.append(base_tiers)
        allocations.append(base_alloc)
        has_industry = "industry" in book.columns
        industries.append(book[["enterprise_id", "industry"]] if has_industry else book[["enterprise_id"]].assign(industry=None))
        for scenario in stress_scenarios:
            stressed = apply_stress(book, shocks, scenario, params)
            stressed_tiers = price_enterprises(stressed, params, table)
            stressed_alloc = allocate_credit(stressed_tiers, budget, stressed, params, scenario, question)
            allocations.append(stressed_alloc)
            comparisons.append(
                scenario_comparison(base_tiers, stressed_tiers, base_alloc, stressed_alloc, industries[-1])
            )
        if with_schemes:
            schemes.append(pricing_schemes(book, budget, params, table).assign(question=question))
    allocation = pd.concat(allocations, ignore_index=True)
    summary = summarise_portfolio(allocation, pd.concat(industries, ignore_index=True))
    out = {
        "pricing_tiers": pd.concat(tiers, ignore_index=True),
        "credit_allocation": allocation,
        "portfolio_summary": summary,
        "scenario_allocation": pd.concat(comparisons, ignore_index=True) if comparisons else pd.DataFrame(),
        "scenario_difference": compare_portfolios(summary),
    }
    if with_schemes:
        out["pricing_schemes"] = pd.concat(schemes, ignore_index=True)[["question", *PRICING_SCHEMES_COLUMNS]]
    return out
