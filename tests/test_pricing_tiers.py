"""Tiers and optimal rates (pricing_tiers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sme_credit.pricing import PRICING_TIERS_COLUMNS, PricingParams, load_rate_churn, price_enterprises, rate_grid
from sme_credit.pricing.churn import churn_rate
from sme_credit.pricing.raroc import loan_economics
from sme_credit.pricing.synthetic import synthetic_enterprises

PARAMS = PricingParams()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_rate_churn()


def test_columns_tiers_and_terms(table: pd.DataFrame) -> None:
    e = pd.DataFrame(
        {
            "enterprise_id": list("abcdefghi"),
            "pd": [0.001, 0.0199, 0.02, 0.0499, 0.05, 0.1499, 0.15, 0.01, np.nan],
            "credit_rating": [None, None, None, None, None, None, None, "D", "A"],
        }
    )
    t = price_enterprises(e, PARAMS, table)
    assert list(t.columns) == PRICING_TIERS_COLUMNS
    assert list(t["tier"]) == ["premium", "premium", "ordinary", "ordinary", "adjusted", "adjusted", "declined", "declined", "declined"]
    assert list(t["term_months"].astype("float").fillna(-1)) == [12, 12, 12, 12, 6, 6, -1, -1, -1]
    declined = t["tier"] == "declined"
    assert t.loc[declined, ["rate", "churn_rate", "raroc", "expected_profit_per_yuan"]].isna().all().all()
    assert t.loc[~declined, ["rate", "churn_rate", "raroc", "expected_profit_per_yuan"]].notna().all().all()
    assert (t["lgd"] == 0.30).all()  # lgd missing → seed 002 default


def test_rates_on_grid(table: pd.DataFrame) -> None:
    t = price_enterprises(synthetic_enterprises(300, seed=1), PARAMS, table)
    rates = t["rate"].dropna().to_numpy()
    assert np.isin(rates, rate_grid(table, PARAMS)).all()


def test_rate_is_the_best_grid_rate(table: pd.DataFrame) -> None:
    """Brute force over the full grid (not just the kept points): no grid rate earns more."""
    t = price_enterprises(synthetic_enterprises(200, seed=2), PARAMS, table)
    t = t[t["tier"] != "declined"].reset_index(drop=True)
    grid = rate_grid(table, PARAMS)
    T = t["term_months"].astype(float).to_numpy() / 12
    profits = np.column_stack(
        [
            loan_economics(
                1.0, r, T, t["pd"], t["lgd"], churn_rate(np.full(len(t), r), t["rating_for_churn"].to_numpy(), table),
                t["capital_k"], PARAMS.cost_of_funds, PARAMS.operating_cost_rate, PARAMS.hurdle_rate,
            )["risk_adjusted_profit"].to_numpy()
            for r in grid
        ]
    )
    assert np.all(t["expected_profit_per_yuan"].to_numpy() >= profits.max(axis=1) - 1e-15)


@pytest.mark.parametrize("rating", ["A", "B", "C", None])
@pytest.mark.parametrize("lgd", [0.25, 0.30, 0.45])
def test_higher_pd_never_gets_lower_rate_within_rating(table: pd.DataFrame, rating: str | None, lgd: float) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    e = pd.DataFrame(
        {
            "enterprise_id": np.arange(n),
            "pd": np.concatenate([rng.uniform(0, 0.2, n - 100), rng.uniform(0, 1, 100)]),
            "credit_rating": rating,
            "annual_sales": 4e6,
            "lgd": lgd,
        }
    )
    t = price_enterprises(e, PARAMS, table)
    t = t[t["tier"] != "declined"]
    assert len(t) > 1000
    for _, g in t.groupby("rating_for_churn"):
        rates = g.sort_values("pd")["rate"].to_numpy()
        assert np.all(np.diff(rates) >= 0)


def test_bank_rating_sets_curve_but_not_tier(table: pd.DataFrame) -> None:
    e = pd.DataFrame({"enterprise_id": [1, 2], "pd": [0.03, 0.03], "credit_rating": ["A", None]})
    t = price_enterprises(e, PARAMS, table)
    assert list(t["rating_for_churn"]) == ["A", "B"]
    assert list(t["tier"]) == ["ordinary", "ordinary"]


def test_input_validation(table: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        price_enterprises(pd.DataFrame({"enterprise_id": [1, 1], "pd": [0.1, 0.1]}), PARAMS, table)
    with pytest.raises(ValueError):
        price_enterprises(pd.DataFrame({"enterprise_id": [1], "pd": [1.5]}), PARAMS, table)
    with pytest.raises(ValueError):
        price_enterprises(pd.DataFrame({"enterprise_id": [1]}), PARAMS, table)


def test_rate_follows_the_risk_charge_not_pd_alone(table: pd.DataFrame) -> None:
    """The rule behind tests/dbt/assert_higher_pd_never_cheaper_within_rating.sql (issue 15).

    On one churn curve and term the objective (1 − c(r))·(r·T − X) has increasing differences in
    (r, X), X = PD_T·LGD + hurdle·K·T, because churn rises strictly on the kept grid: the rate can
    only rise with X. A higher PD alone does not raise X when the Basel SME firm-size adjustment
    gives the riskier firm a lower K: a 1m-yuan firm at PD 2.47% (K 0.042) is rightly cheaper than
    a 350m-yuan firm at PD 2.45% (K 0.053), so the dbt test compares pairs riskier on PD *and* K.
    """
    e = pd.DataFrame({"enterprise_id": ["big", "small"], "pd": [0.0245, 0.0247], "credit_rating": "B",
                      "annual_sales": [3.5e8, 1e6]})
    t = price_enterprises(e, PARAMS, table).set_index("enterprise_id")
    assert t.loc["small", "capital_k"] < t.loc["big", "capital_k"]
    assert (t.loc["big", "rate"], t.loc["small", "rate"]) == (0.0665, 0.0585)
    # and on a mixed book the rate is non-decreasing in X within each tier
    rng = np.random.default_rng(3)
    book = pd.DataFrame({"enterprise_id": np.arange(2000), "pd": rng.uniform(0.0005, 0.149, 2000),
                         "credit_rating": "B", "annual_sales": rng.choice([1e6, 5e7, 3.5e8, np.nan], 2000)})
    t = price_enterprises(book, PARAMS, table)
    years = t["term_months"].astype(float) / 12
    t["risk_charge"] = (1 - (1 - t["pd"]) ** years) * t["lgd"] + PARAMS.hurdle_rate * t["capital_k"] * years
    for _, tier in t[t["tier"] != "declined"].groupby("tier"):
        assert np.all(np.diff(tier.sort_values("risk_charge")["rate"].to_numpy()) >= 0)
