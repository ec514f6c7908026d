"""Seed 002's tier-rate schemes: premium/ordinary/adjusted rates on consecutive grid points.

Scheme x (1-based) prices premium at grid[x−1], ordinary at grid[x], adjusted at grid[x+1]
(seed 002 Table 5: scheme 1 = 0.04/0.0425/0.0465, scheme 2 = 0.0425/0.0465/0.0505, …); the
29-point att3 grid gives 27 schemes. For each scheme the fixed credit total is placed
(``fill_budget``: as much of it as the bounds allow, best margins first) and the portfolio
RAROC computed, which traces seed 002's RAROC-versus-rate curve (its Figure 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .allocation import allocation_frame, solve_allocation
from .churn import churn_rate, load_rate_churn, rate_grid
from .inputs import loan_caps, prepare_enterprises
from .parameters import PricingParams
from .raroc import loan_economics, portfolio_raroc
from .tiers import price_enterprises

PRICING_SCHEMES_COLUMNS = [
    "scheme",
    "rate_premium",
    "rate_ordinary",
    "rate_adjusted",
    "total_lent",
    "expected_income",
    "expected_loss",
    "capital",
    "portfolio_raroc",
]


def scheme_grid(table: pd.DataFrame, params: PricingParams | None = None) -> pd.DataFrame:
    """All schemes (scheme, rate_premium, rate_ordinary, rate_adjusted) from consecutive grid points."""
    grid = rate_grid(table, params)
    n = len(grid) - 2
    return pd.DataFrame(
        {"scheme": np.arange(1, n + 1), "rate_premium": grid[:n], "rate_ordinary": grid[1 : n + 1], "rate_adjusted": grid[2:]}
    )


def pricing_schemes(
    enterprises: pd.DataFrame,
    budget: float,
    params: PricingParams | None = None,
    rate_churn: pd.DataFrame | None = None,
    fill_budget: bool = True,
) -> pd.DataFrame:
    """Portfolio totals and RAROC of every scheme (the ``pricing_schemes`` table).

    Tiers, K and churn curves are those of ``price_enterprises``; only the rates change. With
    ``fill_budget=False`` only positive-margin loans are made (RAROC is NaN when none is).
    """
    params = params or PricingParams()
    table = rate_churn if rate_churn is not None else load_rate_churn()
    base = price_enterprises(enterprises, params, table)
    caps = loan_caps(
        base["enterprise_id"].map(prepare_enterprises(enterprises, params).set_index("enterprise_id")["annual_sales"]),
        params,
    )
    tier = base["tier"].to_numpy()
    term_years = base["term_months"].astype(float).to_numpy() / 12.0
    rows = []
    for scheme in scheme_grid(table, params).itertuples(index=False):  # 27 schemes, not per enterprise
        rate = pd.Series(tier).map(
            {"premium": scheme.rate_premium, "ordinary": scheme.rate_ordinary, "adjusted": scheme.rate_adjusted}
        ).to_numpy(dtype=float)
        priced = base.assign(rate=rate, churn_rate=churn_rate(rate, base["rating_for_churn"].to_numpy(), table))
        unit = loan_economics(
            1.0, rate, term_years, priced["pd"], priced["lgd"], priced["churn_rate"], priced["capital_k"],
            params.cost_of_funds, params.operating_cost_rate, params.hurdle_rate,
        )
        margin = np.where(tier == "declined", np.nan, unit["risk_adjusted_profit"].to_numpy())
        amounts = solve_allocation(margin, caps, budget, params.min_loan, fill_budget)
        alloc = allocation_frame(priced, amounts, params, "base", "scheme")
        net = alloc["expected_income"] - alloc["expected_loss"] - alloc["funding_operating_cost"]
        rows.append(
            {
                **scheme._asdict(),
                "total_lent": alloc["amount"].sum(),
                "expected_income": alloc["expected_income"].sum(),
                "expected_loss": alloc["expected_loss"].sum(),
                "capital": alloc["capital"].sum(),
                "portfolio_raroc": portfolio_raroc(net, alloc["capital"], np.nan_to_num(term_years, nan=0.0)),
            }
        )
    return pd.DataFrame(rows, columns=PRICING_SCHEMES_COLUMNS)


def best_scheme(schemes: pd.DataFrame) -> pd.Series:
    """The scheme row with the highest portfolio RAROC."""
    return schemes.loc[schemes["portfolio_raroc"].idxmax()]
