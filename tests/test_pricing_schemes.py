"""Seed 002's tier-rate schemes and the RAROC-versus-rate curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sme_credit.pricing import PRICING_SCHEMES_COLUMNS, PricingParams, best_scheme, load_rate_churn, pricing_schemes, scheme_grid
from sme_credit.pricing.synthetic import synthetic_enterprises

PARAMS = PricingParams()


def test_scheme_grid_matches_seed_002_table_5() -> None:
    g = scheme_grid(load_rate_churn(), PARAMS)
    assert len(g) == 27
    # seed 002 Table 5, schemes 1-4
    expected = [(0.04, 0.0425, 0.0465), (0.0425, 0.0465, 0.0505), (0.0465, 0.0505, 0.0545), (0.0505, 0.0545, 0.0585)]
    got = list(g[["rate_premium", "rate_ordinary", "rate_adjusted"]].head(4).itertuples(index=False, name=None))
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert tuple(g.iloc[-1, 1:]) == (0.1425, 0.1465, 0.15)
    assert np.all(g["rate_premium"] < g["rate_ordinary"]) and np.all(g["rate_ordinary"] < g["rate_adjusted"])


@pytest.fixture(scope="module")
def schemes() -> pd.DataFrame:
    return pricing_schemes(synthetic_enterprises(300, seed=0), PARAMS.total_budget, PARAMS)


def test_columns_and_budget(schemes: pd.DataFrame) -> None:
    assert list(schemes.columns) == PRICING_SCHEMES_COLUMNS
    assert list(schemes["scheme"]) == list(range(1, 28))
    # the synthetic book can absorb the whole total at every scheme, and the total is placed
    np.testing.assert_allclose(schemes["total_lent"], PARAMS.total_budget)
    assert (schemes[["expected_income", "expected_loss", "capital"]] > 0).all().all()


def test_raroc_curve_rises_then_falls(schemes: pd.DataFrame) -> None:
    """What the synthetic book shows (docs/pricing.md explains why): RAROC climbs from the 4%
    scheme to a peak in the middle of the grid, then falls below zero at the top rates, where
    churn leaves too little income to pay the funding of the whole allocated line."""
    r = schemes["portfolio_raroc"].to_numpy()
    peak = int(np.argmax(r))
    assert 4 <= peak <= 20  # interior peak
    assert r[peak] > r[0] + 0.2
    assert r[:9].mean() < r[9:18].mean() > r[18:].mean()
    assert r[-1] < 0 < r[0]
    assert best_scheme(schemes)["scheme"] == peak + 1


def test_positive_margin_only_variant() -> None:
    s = pricing_schemes(synthetic_enterprises(120, seed=5), 5e7, PARAMS, fill_budget=False)
    assert (s["total_lent"] <= 5e7).all()
    lent = s["total_lent"] > 0
    # only loans beating the hurdle are made, so the portfolio beats it too
    assert (s.loc[lent, "portfolio_raroc"] > PARAMS.hurdle_rate).all()
