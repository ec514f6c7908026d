"""Budget allocation (MILP with scipy/HiGHS) and portfolio summaries.

Decision per candidate enterprise i: amount L_i and on/off z_i ∈ {0, 1} with
min_loan·z_i ≤ L_i ≤ cap_i·z_i (so L_i ∈ {0} ∪ [min_loan, cap_i]) and Σ L_i ≤ budget;
maximise Σ margin_i·L_i, margin_i = risk-adjusted profit per allocated yuan at its rate.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .inputs import loan_caps, prepare_enterprises
from .parameters import PricingParams
from .raroc import loan_economics, portfolio_raroc

CREDIT_ALLOCATION_COLUMNS = [
    "scenario",
    "question",
    "enterprise_id",
    "tier",
    "amount",
    "rate",
    "term_months",
    "expected_income",
    "expected_loss",
    "funding_operating_cost",
    "capital",
    "raroc",
]
PORTFOLIO_SUMMARY_COLUMNS = [
    "scenario",
    "question",
    "breakdown",
    "breakdown_value",
    "n_enterprises",
    "total_lent",
    "expected_income",
    "expected_loss",
    "funding_operating_cost",
    "capital",
    "raroc",
]
_UNIT = 1e4  # the MILP works in 10,000-yuan units: keeps HiGHS' absolute tolerances meaningful


def _solve_milp(objective: np.ndarray, lo: float, hi: np.ndarray, budget: float, min_total: float | None, time_limit: float):
    """Maximise objective·L over the semi-continuous set (scaled units); returns (L, z)."""
    n = hi.size
    eye = sparse.identity(n, format="csr")
    rows = [
        LinearConstraint(sparse.hstack([eye, -lo * eye]), lb=0.0, ub=np.inf),  # L ≥ lo·z
        LinearConstraint(sparse.hstack([eye, -sparse.diags(hi)]), lb=-np.inf, ub=0.0),  # L ≤ hi·z
        LinearConstraint(
            np.concatenate([np.ones(n), np.zeros(n)])[None, :],
            lb=-np.inf if min_total is None else min_total,
            ub=budget,
        ),
    ]
    res = milp(
        c=np.concatenate([-objective, np.zeros(n)]),
        constraints=rows,
        integrality=np.concatenate([np.zeros(n), np.ones(n)]),
        bounds=Bounds(np.zeros(2 * n), np.concatenate([hi, np.ones(n)])),
        options={"mip_rel_gap": 1e-9, "time_limit": time_limit},
    )
    if res.x is None:
        raise RuntimeError(f"allocation MILP failed: {res.message}")
    if res.status != 0:  # e.g. time limit: a feasible but possibly sub-optimal allocation
        warnings.warn(f"allocation MILP not proven optimal: {res.message}", RuntimeWarning, stacklevel=3)
    return res.x[:n], res.x[n:] > 0.5


def solve_allocation(
    margin: np.ndarray,
    upper: np.ndarray,
    budget: float,
    lower: float,
    fill_budget: bool = False,
    time_limit: float = 60.0,
) -> np.ndarray:
    """Optimal amounts (whole yuan) for per-yuan margins, caps ``upper`` and the floor ``lower``.

    Candidates: finite margin, cap ≥ lower, and margin > 0 unless ``fill_budget``. With
    ``fill_budget`` the bank must place as much of the budget as the bounds allow (seed 002's
    fixed credit total), and only then maximises margin: two MILPs (max Σ L, then max profit
    subject to Σ L ≥ that maximum). Everyone else gets 0.
    """
    margin = np.asarray(margin, dtype=float)
    upper = np.floor(np.asarray(upper, dtype=float))
    amounts = np.zeros(margin.size)
    ok = np.isfinite(margin) & (upper >= lower)
    if not fill_budget:
        ok &= margin > 0
    cand = np.flatnonzero(ok)
    if cand.size == 0 or budget < lower:
        return amounts
    lo, hi, B = lower / _UNIT, upper[cand] / _UNIT, budget / _UNIT
    min_total = None
    if fill_budget:
        most = hi.sum() if hi.sum() <= B else _solve_milp(np.ones(cand.size), lo, hi, B, None, time_limit)[0].sum()
        min_total = most - 1e-6  # 0.01 yuan of slack for solver tolerance
    L, z = _solve_milp(margin[cand], lo, hi, B, min_total, time_limit)
    # Back to whole yuan inside the bounds; rounding can overshoot the budget by a few yuan,
    # which is taken back from the loans with the most room above the minimum.
    amt = np.where(z, np.clip(np.round(L * _UNIT), lower, upper[cand]), 0.0)
    excess = amt.sum() - budget
    if excess > 0:
        slack = np.where(amt > 0, amt - lower, 0.0)
        order = np.argsort(-slack)
        take = np.minimum(slack[order], np.maximum(excess - np.concatenate([[0.0], np.cumsum(slack[order])[:-1]]), 0.0))
        amt[order] -= take
    amounts[cand] = amt
    return amounts


def allocation_frame(
    priced: pd.DataFrame,
    amounts: np.ndarray,
    params: PricingParams,
    scenario: str,
    question: str,
) -> pd.DataFrame:
    """The ``credit_allocation`` rows for given amounts (priced: a pricing_tiers-shaped frame)."""
    amounts = np.asarray(amounts, dtype=float)
    term_years = priced["term_months"].astype(float).to_numpy() / 12.0
    econ = loan_economics(
        amounts,
        priced["rate"].to_numpy(dtype=float),
        np.nan_to_num(term_years, nan=0.0),
        priced["pd"].to_numpy(dtype=float),
        priced["lgd"].to_numpy(dtype=float),
        np.nan_to_num(priced["churn_rate"].to_numpy(dtype=float), nan=0.0),
        np.nan_to_num(priced["capital_k"].to_numpy(dtype=float), nan=0.0),
        params.cost_of_funds,
        params.operating_cost_rate,
        params.hurdle_rate,
    )
    lent = amounts > 0
    # A loan that is not made contributes exactly zero (not NaN from a declined row's missing rate).
    money_columns = ("expected_income", "expected_loss", "funding_operating_cost", "capital")
    money = {c: np.where(lent, econ[c].to_numpy(), 0.0) for c in money_columns}
    return pd.DataFrame(
        {
            "scenario": scenario,
            "question": question,
            "enterprise_id": priced["enterprise_id"].to_numpy(),
            "tier": priced["tier"].to_numpy(),
            "amount": amounts,
            "rate": priced["rate"].to_numpy(dtype=float),
            "term_months": priced["term_months"].astype("Int64").array,
            **money,
            "raroc": np.where(lent, econ["raroc"].to_numpy(), np.nan),
        }
    )[CREDIT_ALLOCATION_COLUMNS]


def allocate_credit(
    pricing_tiers: pd.DataFrame,
    budget: float,
    enterprises: pd.DataFrame | None = None,
    params: PricingParams | None = None,
    scenario: str = "base",
    question: str = "q1",
    fill_budget: bool = False,
) -> pd.DataFrame:
    """Allocate ``budget`` over the priced enterprises (the ``credit_allocation`` table).

    Caps come from ``enterprises.annual_sales`` (see inputs.loan_caps; no frame → max_loan for
    all). Declined enterprises and those with non-positive margin get 0.
    """
    params = params or PricingParams()
    if enterprises is not None:
        sales = prepare_enterprises(enterprises, params).set_index("enterprise_id")["annual_sales"]
        annual_sales = pricing_tiers["enterprise_id"].map(sales).to_numpy(dtype=float)
    else:
        annual_sales = np.full(len(pricing_tiers), np.nan)
    margin = pricing_tiers["expected_profit_per_yuan"].to_numpy(dtype=float)
    margin = np.where(pricing_tiers["tier"].to_numpy() == "declined", np.nan, margin)
    amounts = solve_allocation(margin, loan_caps(annual_sales, params), budget, params.min_loan, fill_budget)
    return allocation_frame(pricing_tiers.reset_index(drop=True), amounts, params, scenario, question)


def _summarise(group: pd.DataFrame) -> pd.Series:
    net = group["expected_income"] - group["expected_loss"] - group["funding_operating_cost"]
    term_years = group["term_months"].astype(float).fillna(0.0) / 12.0
    return pd.Series(
        {
            "n_enterprises": int((group["amount"] > 0).sum()),
            "total_lent": group["amount"].sum(),
            "expected_income": group["expected_income"].sum(),
            "expected_loss": group["expected_loss"].sum(),
            "funding_operating_cost": group["funding_operating_cost"].sum(),
            "capital": group["capital"].sum(),
            "raroc": portfolio_raroc(net.to_numpy(), group["capital"].to_numpy(), term_years.to_numpy()),
        }
    )


def summarise_portfolio(credit_allocation: pd.DataFrame, enterprises: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``portfolio_summary`` table: per scenario and question, overall / by tier / by industry.

    ``n_enterprises`` counts enterprises actually lent to; ``raroc`` is the annual portfolio
    RAROC Σ(income − EL − cost)/Σ(capital·T). Industry comes from ``enterprises`` (missing → 'unknown').
    """
    a = credit_allocation.copy()
    industry = None
    if enterprises is not None and "industry" in enterprises.columns:
        industry = enterprises.drop_duplicates("enterprise_id").set_index("enterprise_id")["industry"]
    a["industry"] = a["enterprise_id"].map(industry) if industry is not None else None
    a["industry"] = a["industry"].astype(object).where(a["industry"].notna(), "unknown")
    a["overall"] = "all"
    parts = []
    for breakdown, column in (("overall", "overall"), ("tier", "tier"), ("industry", "industry")):
        keys = ["scenario", "question", column]
        summary = a.groupby(keys, sort=True, dropna=False)[a.columns].apply(_summarise).reset_index()
        parts.append(summary.rename(columns={column: "breakdown_value"}).assign(breakdown=breakdown))
    out = pd.concat(parts, ignore_index=True)
    out["n_enterprises"] = out["n_enterprises"].astype("int64")
    return out[PORTFOLIO_SUMMARY_COLUMNS]
