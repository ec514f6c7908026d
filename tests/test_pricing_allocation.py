"""Budget allocation MILP: bounds, budget, declined, and optimality against brute force."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from sme_credit.pricing import (
    CREDIT_ALLOCATION_COLUMNS,
    PORTFOLIO_SUMMARY_COLUMNS,
    PricingParams,
    allocate_credit,
    loan_caps,
    load_rate_churn,
    price_enterprises,
    solve_allocation,
    summarise_portfolio,
)
from sme_credit.pricing.synthetic import synthetic_enterprises

PARAMS = PricingParams()
LO = 100_000.0
STEP = 50_000.0


def brute_force(margin: np.ndarray, caps: np.ndarray, budget: float) -> float:
    """Best Σ margin·L over all on/off subsets and amounts on a 50,000-yuan grid."""
    options = [np.concatenate([[0.0], np.arange(LO, cap + 1, STEP)]) if np.isfinite(m) else np.array([0.0]) for m, cap in zip(margin, caps)]
    grids = np.meshgrid(*options, indexing="ij")
    amounts = np.stack([g.ravel() for g in grids], axis=1)
    feasible = amounts.sum(axis=1) <= budget
    value = amounts[feasible] @ np.nan_to_num(margin, nan=0.0)
    return float(value.max())


def test_semi_continuity_matters() -> None:
    """Greedy (fill the best margin first) would lend 1,000,000 + 50,000 — illegal. Best: 950,000 + 100,000."""
    margin = np.array([0.02, 0.019, 0.015, -0.001, np.nan])
    caps = np.array([1e6, 1e6, 3e5, 1e6, 1e6])
    got = solve_allocation(margin, caps, 1_050_000, LO)
    assert list(got) == [950_000, 100_000, 0, 0, 0]
    assert got @ np.nan_to_num(margin) == pytest.approx(brute_force(margin, caps, 1_050_000)) == pytest.approx(20_900)


@pytest.mark.parametrize("trial", range(12))
def test_milp_equals_brute_force(trial: int) -> None:
    rng = np.random.default_rng(100 + trial)
    margin = rng.normal(0.008, 0.008, 5)
    margin[rng.random(5) < 0.15] = np.nan  # declined
    caps = rng.choice(np.arange(LO, 1e6 + 1, STEP), 5)
    caps[rng.random(5) < 0.15] = 50_000.0  # cap below the minimum loan: cannot lend
    budget = float(rng.choice(np.arange(STEP, 3.5e6, STEP)))
    got = solve_allocation(margin, caps, budget, LO)
    assert got @ np.nan_to_num(margin) == pytest.approx(brute_force(margin, caps, budget), rel=1e-9, abs=1e-6)
    assert got.sum() <= budget
    assert np.all((got == 0) | ((got >= LO) & (got <= caps)))
    assert np.all(got[~np.isfinite(margin) | (margin <= 0)] == 0)


def test_fill_budget_places_the_total_even_at_a_loss() -> None:
    margin = np.array([-0.01, -0.002, -0.005, np.nan])
    caps = np.full(4, 1e6)
    assert solve_allocation(margin, caps, 1.5e6, LO).sum() == 0  # free choice: lend nothing
    got = solve_allocation(margin, caps, 1.5e6, LO, fill_budget=True)
    assert got.sum() == 1.5e6 and got[3] == 0
    assert list(got) == [0, 1e6, 5e5, 0]  # least-negative margins first


@pytest.fixture(scope="module")
def book() -> tuple[pd.DataFrame, pd.DataFrame]:
    e = synthetic_enterprises(300, seed=3)
    return e, price_enterprises(e, PARAMS, load_rate_churn())


@pytest.mark.parametrize("budget", [2.5e7, 1e8, 5e8])
def test_budget_and_bounds_on_a_book(book: tuple[pd.DataFrame, pd.DataFrame], budget: float) -> None:
    e, tiers = book
    a = allocate_credit(tiers, budget, e, PARAMS, "base", "q2")
    assert list(a.columns) == CREDIT_ALLOCATION_COLUMNS
    caps = loan_caps(e.set_index("enterprise_id").loc[a["enterprise_id"], "annual_sales"], PARAMS)
    amount = a["amount"].to_numpy()
    assert amount.sum() <= budget
    assert np.all((amount == 0) | ((amount >= PARAMS.min_loan) & (amount <= caps)))
    assert np.all(amount == np.round(amount))  # whole yuan
    assert (a.loc[a["tier"] == "declined", "amount"] == 0).all()
    positive = tiers["expected_profit_per_yuan"].to_numpy() > 0
    assert np.all(amount[~positive] == 0)
    lent = amount > 0
    assert a.loc[lent, "raroc"].notna().all() and a.loc[~lent, "raroc"].isna().all()
    assert (a.loc[~lent, ["expected_income", "expected_loss", "funding_operating_cost", "capital"]] == 0).all().all()
    if budget >= 5e8:  # budget not binding: every positive-margin enterprise gets its cap
        assert np.all(amount[positive & (caps >= PARAMS.min_loan)] == caps[positive & (caps >= PARAMS.min_loan)])
    else:
        assert amount.sum() == pytest.approx(budget, abs=1.0)


def test_sales_cap() -> None:
    e = pd.DataFrame({"enterprise_id": [1, 2, 3], "pd": 0.005, "annual_sales": [2e5, 1e6, np.nan]})
    tiers = price_enterprises(e, PARAMS, load_rate_churn())
    a = allocate_credit(tiers, 1e8, e, PARAMS)
    # 30% of 200,000 = 60,000 < minimum loan → 0; 30% of 1,000,000 = 300,000; unknown sales → 1,000,000
    assert list(a["amount"]) == [0, 300_000, 1_000_000]


def test_summary_adds_up(book: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    e, tiers = book
    a = allocate_credit(tiers, 1e8, e, PARAMS, "base", "q2")
    s = summarise_portfolio(a, e)
    assert list(s.columns) == PORTFOLIO_SUMMARY_COLUMNS
    overall = s[s["breakdown"] == "overall"].iloc[0]
    assert overall["total_lent"] == pytest.approx(a["amount"].sum())
    assert overall["n_enterprises"] == (a["amount"] > 0).sum()
    for breakdown in ("tier", "industry"):
        part = s[s["breakdown"] == breakdown]
        for col in ("n_enterprises", "total_lent", "expected_income", "expected_loss", "capital"):
            assert part[col].sum() == pytest.approx(overall[col])
    lent = a[a["amount"] > 0]
    net = lent["expected_income"] - lent["expected_loss"] - lent["funding_operating_cost"]
    expected = net.sum() / (lent["capital"] * lent["term_months"].astype(float) / 12).sum()
    assert overall["raroc"] == pytest.approx(expected)
    assert overall["raroc"] > PARAMS.hurdle_rate  # only loans beating the hurdle are made
