"""Industry stress (CUMCM Question 3: an epidemic hitting industries unequally).

A scenario row per industry gives a PD multiplier and a sales shock (fraction of annual sales
lost; negative = sales gained). Stressed PD = min(PD·multiplier, stress_pd_cap) for
multipliers ≥ 1 (never below the base PD), PD·multiplier for multipliers < 1; stressed sales =
sales·(1 − sales_shock), which lowers the Basel firm size S and the sales-based loan cap. The
stressed book is re-priced and re-allocated with the same budget and compared with the base.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .allocation import allocate_credit, summarise_portfolio
from .churn import load_rate_churn
from .inputs import prepare_enterprises
from .parameters import PricingParams, seeds_dir
from .tiers import price_enterprises

SHOCK_COLUMNS = ["scenario", "industry", "pd_multiplier", "sales_shock", "rationale"]
SCENARIO_ALLOCATION_COLUMNS = [
    "enterprise_id",
    "industry",
    "base_pd",
    "stressed_pd",
    "base_tier",
    "stressed_tier",
    "base_rate",
    "stressed_rate",
    "base_amount",
    "stressed_amount",
    "amount_change",
]
FALLBACK_INDUSTRY = "unknown"  # industries missing from the scenario get its 'unknown' row


def load_stress_shocks(path: str | Path | None = None) -> pd.DataFrame:
    """Read ``seeds/industry_stress_shocks.csv`` and check its values."""
    path = Path(path) if path is not None else seeds_dir() / "industry_stress_shocks.csv"
    shocks = pd.read_csv(path)
    if list(shocks.columns) != SHOCK_COLUMNS:
        raise ValueError(f"stress shocks must have columns {SHOCK_COLUMNS}")
    if shocks.duplicated(["scenario", "industry"]).any():
        raise ValueError("one row per (scenario, industry)")
    if (shocks["pd_multiplier"] <= 0).any() or (shocks["sales_shock"] >= 1).any():
        raise ValueError("pd_multiplier must be > 0 and sales_shock < 1")
    return shocks


def apply_stress(
    enterprises: pd.DataFrame,
    shocks: pd.DataFrame,
    scenario: str,
    params: PricingParams | None = None,
) -> pd.DataFrame:
    """The enterprise frame with PD and annual sales shocked by industry (same columns as the input)."""
    params = params or PricingParams()
    rows = shocks[shocks["scenario"] == scenario].set_index("industry")
    if rows.empty:
        raise ValueError(f"no shocks for scenario {scenario!r}")
    if FALLBACK_INDUSTRY not in rows.index:
        raise ValueError(f"scenario {scenario!r} needs a row for industry {FALLBACK_INDUSTRY!r}")
    e = prepare_enterprises(enterprises, params)
    key = e["industry"].where(e["industry"].isin(rows.index), FALLBACK_INDUSTRY)
    mult = key.map(rows["pd_multiplier"]).to_numpy(dtype=float)
    shock = key.map(rows["sales_shock"]).to_numpy(dtype=float)
    p = e["pd"].to_numpy()
    raised = np.maximum(p, np.minimum(p * mult, params.stress_pd_cap))  # cap < 1, but never below base
    out = enterprises.copy().reset_index(drop=True)
    out["pd"] = np.where(mult >= 1.0, raised, p * mult)
    if "annual_sales" in out.columns:
        out["annual_sales"] = e["annual_sales"].to_numpy() * (1.0 - shock)
    return out


def scenario_comparison(
    base_tiers: pd.DataFrame,
    stressed_tiers: pd.DataFrame,
    base_allocation: pd.DataFrame,
    stressed_allocation: pd.DataFrame,
    enterprises: pd.DataFrame,
) -> pd.DataFrame:
    """The ``scenario_allocation`` table: base and stressed PD, tier, rate and amount side by side."""
    industry = enterprises.set_index("enterprise_id")["industry"] if "industry" in enterprises.columns else {}
    b = base_tiers.set_index("enterprise_id")
    s = stressed_tiers.set_index("enterprise_id").reindex(b.index)
    ba = base_allocation.set_index("enterprise_id")["amount"].reindex(b.index)
    sa = stressed_allocation.set_index("enterprise_id")["amount"].reindex(b.index)
    out = pd.DataFrame(
        {
            "enterprise_id": b.index.to_numpy(),
            "industry": b.index.map(industry).to_numpy(),
            "base_pd": b["pd"].to_numpy(),
            "stressed_pd": s["pd"].to_numpy(),
            "base_tier": b["tier"].to_numpy(),
            "stressed_tier": s["tier"].to_numpy(),
            "base_rate": b["rate"].to_numpy(),
            "stressed_rate": s["rate"].to_numpy(),
            "base_amount": ba.to_numpy(),
            "stressed_amount": sa.to_numpy(),
        }
    )
    out["amount_change"] = out["stressed_amount"] - out["base_amount"]
    return out[SCENARIO_ALLOCATION_COLUMNS]


def compare_portfolios(portfolio_summary: pd.DataFrame, base: str = "base") -> pd.DataFrame:
    """Difference summary: each stressed scenario's portfolio_summary rows against the base ones.

    Columns: scenario, question, breakdown, breakdown_value, then base_/stressed_/change_ for
    n_enterprises, total_lent, expected_loss, capital and raroc.
    """
    keys = ["question", "breakdown", "breakdown_value"]
    metrics = ["n_enterprises", "total_lent", "expected_loss", "capital", "raroc"]
    b = portfolio_summary[portfolio_summary["scenario"] == base][keys + metrics]
    parts = []
    for scenario in portfolio_summary.loc[portfolio_summary["scenario"] != base, "scenario"].unique():
        s = portfolio_summary[portfolio_summary["scenario"] == scenario][keys + metrics]
        # outer: a tier present in only one of the two books still shows up (its other side is NaN)
        merged = s.merge(b, on=keys, how="outer", suffixes=("_stressed", "_base"))
        part = merged[keys].assign(scenario=scenario)
        for m in metrics:
            part[f"base_{m}"] = merged[f"{m}_base"]
            part[f"stressed_{m}"] = merged[f"{m}_stressed"]
            part[f"change_{m}"] = merged[f"{m}_stressed"] - merged[f"{m}_base"]
        parts.append(part)
    columns = ["scenario"] + keys + [f"{p}_{m}" for m in metrics for p in ("base", "stressed", "change")]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)[columns]
    return out.sort_values(["scenario"] + keys, ignore_index=True)


def stress_test(
    enterprises: pd.DataFrame,
    budget: float,
    question: str,
    scenario: str = "epidemic",
    params: PricingParams | None = None,
    rate_churn: pd.DataFrame | None = None,
    shocks: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Base and stressed pricing + allocation of one question's book.

    Returns frames: pricing_tiers (base), stressed_pricing_tiers, credit_allocation (base and
    stressed rows), portfolio_summary (both), scenario_allocation and scenario_difference.
    """
    params = params or PricingParams()
    table = rate_churn if rate_churn is not None else load_rate_churn()
    shocks = shocks if shocks is not None else load_stress_shocks()
    stressed = apply_stress(enterprises, shocks, scenario, params)
    base_tiers = price_enterprises(enterprises, params, table)
    stressed_tiers = price_enterprises(stressed, params, table)
    base_alloc = allocate_credit(base_tiers, budget, enterprises, params, "base", question)
    stressed_alloc = allocate_credit(stressed_tiers, budget, stressed, params, scenario, question)
    allocation = pd.concat([base_alloc, stressed_alloc], ignore_index=True)
    summary = summarise_portfolio(allocation, enterprises)
    return {
        "pricing_tiers": base_tiers,
        "stressed_pricing_tiers": stressed_tiers,
        "credit_allocation": allocation,
        "portfolio_summary": summary,
        "scenario_allocation": scenario_comparison(base_tiers, stressed_tiers, base_alloc, stressed_alloc, enterprises),
        "scenario_difference": compare_portfolios(summary),
    }
