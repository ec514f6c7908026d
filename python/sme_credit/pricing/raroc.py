"""Per-loan RAROC economics (seed 002's RAROC model with customer churn).

For an allocated amount L at annual rate r for T years, with churn c(r):

* retained share  s = 1 − c(r): only this share of the offered line is actually drawn, so
  the exposure is EAD = s·L (customers lost to a too-high rate never borrow);
* expected income = L·r·T·s;
* expected loss   = PD_T·LGD·EAD with PD_T = 1 − (1 − PD)^T (one-year PD scaled to the term);
* funding + operating cost = (cost_of_funds + operating_cost_rate)·L·T on the whole allocated
  line: the budget is raised and the offer processed before the customer decides;
* economic capital = K·EAD (Basel IRB K, see irb.py), held for T years;
* RAROC (annual) = (income − EL − cost) / (capital·T); for T = 1 exactly (income − EL − cost)/capital;
* risk-adjusted profit = income − EL − cost − hurdle·capital·T (the pricing objective).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

ECONOMICS_COLUMNS = [
    "exposure",
    "expected_income",
    "expected_loss",
    "funding_operating_cost",
    "capital",
    "risk_adjusted_profit",
    "raroc",
]


def term_pd(pd_: ArrayLike, term_years: ArrayLike) -> np.ndarray:
    """Default probability over the term, PD_T = 1 − (1 − PD)^T (constant hazard)."""
    p = np.asarray(pd_, dtype=float)
    return 1.0 - (1.0 - p) ** np.asarray(term_years, dtype=float)


def loan_economics(
    amount: ArrayLike,
    rate: ArrayLike,
    term_years: ArrayLike,
    pd_: ArrayLike,
    lgd: ArrayLike,
    churn: ArrayLike,
    capital_k: ArrayLike,
    cost_of_funds: float,
    operating_cost_rate: float,
    hurdle_rate: float,
) -> pd.DataFrame:
    """Expected income, loss, cost, capital, risk-adjusted profit and RAROC of each loan (vectorised).

    All inputs broadcast against each other. RAROC is NaN where capital·T is 0 (no exposure).
    """
    L, r, T, p, lgd_, c, k = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(x, dtype=float)) for x in (amount, rate, term_years, pd_, lgd, churn, capital_k))
    )
    retained = 1.0 - c
    exposure = L * retained
    income = L * r * T * retained
    expected_loss = term_pd(p, T) * lgd_ * exposure
    cost = (cost_of_funds + operating_cost_rate) * L * T
    capital = k * exposure
    net = income - expected_loss - cost
    capital_years = capital * T
    with np.errstate(divide="ignore", invalid="ignore"):
        raroc = np.where(capital_years > 0, net / np.where(capital_years > 0, capital_years, 1.0), np.nan)
    return pd.DataFrame(
        {
            "exposure": exposure,
            "expected_income": income,
            "expected_loss": expected_loss,
            "funding_operating_cost": cost,
            "capital": capital,
            "risk_adjusted_profit": net - hurdle_rate * capital_years,
            "raroc": raroc,
        }
    )


def portfolio_raroc(net_income: ArrayLike, capital: ArrayLike, term_years: ArrayLike) -> float:
    """Portfolio RAROC Σ(income − EL − cost) / Σ(capital·T); NaN when no capital is used."""
    capital_years = float(np.sum(np.asarray(capital, dtype=float) * np.asarray(term_years, dtype=float)))
    return float(np.sum(net_income)) / capital_years if capital_years > 0 else float("nan")
