"""Lending tiers and the optimal rate per enterprise (the ``pricing_tiers`` table).

Tier by PD (seed 002's premium / ordinary / adjusted levels, thresholds in PricingParams):
premium PD < tier_premium_max_pd, ordinary PD < tier_ordinary_max_pd, adjusted PD <
pd_decline_cutoff; declined when PD ≥ pd_decline_cutoff, PD is missing, or the bank rating is D.
Each priced enterprise gets the grid rate that maximises its expected risk-adjusted profit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .churn import CHURN_RATINGS, churn_rate, load_rate_churn, rate_grid, rating_for_churn
from .inputs import prepare_enterprises
from .irb import capital_k
from .parameters import PricingParams
from .raroc import loan_economics, term_pd

TIERS = ("premium", "ordinary", "adjusted", "declined")
PRICING_TIERS_COLUMNS = [
    "enterprise_id",
    "pd",
    "grade",
    "credit_rating",
    "rating_for_churn",
    "tier",
    "rate",
    "term_months",
    "churn_rate",
    "lgd",
    "capital_k",
    "raroc",
    "expected_profit_per_yuan",
]


def assign_tiers(pd_: np.ndarray, credit_rating: np.ndarray, params: PricingParams) -> np.ndarray:
    """Tier of each enterprise from its PD and bank rating (D or missing PD → declined)."""
    p = np.asarray(pd_, dtype=float)
    bins = [params.tier_premium_max_pd, params.tier_ordinary_max_pd, params.pd_decline_cutoff]
    tiers = np.array(TIERS, dtype=object)[np.digitize(np.nan_to_num(p, nan=1.0), bins, right=False)]
    declined = np.isnan(p) | (np.asarray(credit_rating, dtype=object) == "D")
    return np.where(declined, "declined", tiers)


def tier_term_months(tier: np.ndarray, params: PricingParams) -> np.ndarray:
    """Term in months per tier (NaN for declined)."""
    months = {t: params.term_months(t) for t in TIERS[:3]}
    return pd.Series(tier, dtype=object).map(months).astype(float).to_numpy()


def irb_maturity(term_years: np.ndarray, params: PricingParams) -> np.ndarray:
    """Basel effective maturity M = max(term, floor) (A-IRB floor of one year, Basel II para 320)."""
    return np.maximum(np.asarray(term_years, dtype=float), params.irb_maturity_floor_years)


def efficient_rate_points(table: pd.DataFrame, rating: str, params: PricingParams) -> tuple[np.ndarray, np.ndarray]:
    """Grid rates (and churn) of one curve that are not dominated.

    A rate is dominated when some higher grid rate has churn no higher (the table is noisy at
    high rates): the higher rate earns more on at least as many customers, so the lower one is
    never worth offering. Dropping such points makes churn strictly increasing on the kept grid,
    which is what makes the optimal rate monotone in PD.
    """
    rates = rate_grid(table, params)
    churn = churn_rate(rates, np.full(rates.shape, rating, dtype=object), table)
    # min churn over all strictly higher rates (inf for the last point)
    later_min = np.append(np.minimum.accumulate(churn[::-1])[::-1][1:], np.inf)
    keep = churn < later_min
    return rates[keep], churn[keep]


def optimal_rates(
    pd_: np.ndarray,
    lgd: np.ndarray,
    k: np.ndarray,
    term_years: np.ndarray,
    churn_rating: np.ndarray,
    params: PricingParams,
    table: pd.DataFrame,
) -> np.ndarray:
    """Grid rate maximising risk-adjusted profit per allocated yuan for each row (NaN if no A/B/C curve).

    profit(r) = (1 − c(r))·(r·T − PD_T·LGD − hurdle·K·T) − (cost_of_funds + operating_cost)·T;
    ties go to the lowest rate.
    """
    out = np.full(len(pd_), np.nan)
    for rating in CHURN_RATINGS:  # three curves; each is an (enterprises × grid) matrix
        rows = np.flatnonzero((churn_rating == rating) & ~np.isnan(term_years))
        if rows.size == 0:
            continue
        rates, churn = efficient_rate_points(table, rating, params)
        T = term_years[rows, None]
        expected_loss = term_pd(pd_[rows], term_years[rows])[:, None] * lgd[rows, None]
        loss_and_capital = expected_loss + params.hurdle_rate * k[rows, None] * T
        profit = (1.0 - churn)[None, :] * (rates[None, :] * T - loss_and_capital)
        out[rows] = rates[np.argmax(profit, axis=1)]  # the cost term is rate-independent
    return out


def price_enterprises(
    enterprises: pd.DataFrame,
    params: PricingParams | None = None,
    rate_churn: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ``pricing_tiers`` table: tier, optimal grid rate, term and per-yuan economics per enterprise.

    ``capital_k`` is K per unit of exposure (also shown for declined enterprises with a PD);
    ``raroc`` and ``expected_profit_per_yuan`` (risk-adjusted profit over the term per yuan
    allocated) are NaN for declined enterprises.
    """
    params = params or PricingParams()
    table = rate_churn if rate_churn is not None else load_rate_churn()
    e = prepare_enterprises(enterprises, params)
    p = e["pd"].to_numpy()
    churn_rating = rating_for_churn(e["credit_rating"], p, params)
    tier = assign_tiers(p, e["credit_rating"].to_numpy(dtype=object), params)
    term_months = tier_term_months(tier, params)
    term_years = term_months / 12.0
    lgd = e["lgd"].to_numpy()
    maturity = irb_maturity(np.nan_to_num(term_years, nan=1.0), params)
    with np.errstate(invalid="ignore"):
        k = capital_k(p, lgd, maturity, e["sales_eur_m"].to_numpy(), params.pd_floor)
    priced = tier != "declined"
    rate = np.where(priced, optimal_rates(p, lgd, k, term_years, churn_rating, params, table), np.nan)
    churn = churn_rate(rate, churn_rating, table)
    econ = loan_economics(
        1.0, rate, term_years, p, lgd, churn, k, params.cost_of_funds, params.operating_cost_rate, params.hurdle_rate
    )
    return pd.DataFrame(
        {
            "enterprise_id": e["enterprise_id"],
            "pd": p,
            "grade": e["grade"],
            "credit_rating": e["credit_rating"],
            "rating_for_churn": churn_rating,
            "tier": tier,
            "rate": rate,
            "term_months": pd.array(np.where(priced, term_months, np.nan), dtype="Int64"),
            "churn_rate": churn,
            "lgd": lgd,
            "capital_k": k,
            "raroc": econ["raroc"].where(priced),
            "expected_profit_per_yuan": econ["risk_adjusted_profit"].where(priced),
        }
    )[PRICING_TIERS_COLUMNS]
