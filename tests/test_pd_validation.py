"""Back-testing formulas (python/sme_credit/pd_validation.py) against independent computations."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special

from sme_credit.pd_validation import (
    backtest_table,
    binomial_p_value,
    jeffreys_p_value,
    population_stability_index,
)


def _binomial_tail(n: int, d: int, p: float) -> float:
    """P(D >= d) by summing the binomial probabilities."""
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(d, n + 1))


@pytest.mark.parametrize("n, d, p", [(10, 0, 0.1), (10, 3, 0.1), (50, 7, 0.08), (200, 2, 0.01), (1, 1, 0.5)])
def test_binomial_p_value_is_the_upper_tail(n, d, p):
    assert binomial_p_value(n, d, p) == pytest.approx(_binomial_tail(n, d, p), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("n, d, p", [(10, 0, 0.1), (10, 3, 0.1), (50, 7, 0.08), (200, 2, 0.01)])
def test_jeffreys_p_value_is_the_beta_posterior_cdf(n, d, p):
    # regularised incomplete beta I_p(d + 1/2, n - d + 1/2), the Jeffreys posterior's CDF at the PD
    assert jeffreys_p_value(n, d, p) == pytest.approx(special.betainc(d + 0.5, n - d + 0.5, p), rel=1e-12)


def test_more_defaults_give_smaller_p_values():
    n, p = 100, 0.05
    binom = binomial_p_value(n, np.arange(0, 15), p)
    jeff = jeffreys_p_value(n, np.arange(0, 15), p)
    assert (np.diff(binom) < 0).all() and (np.diff(jeff) < 0).all()
    # 5 defaults on a 5% PD is unremarkable; 15 is not
    assert binomial_p_value(n, 5, p) > 0.3 and binomial_p_value(n, 15, p) < 0.001


def test_psi_on_a_hand_made_case():
    # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.25 ln 2 + 0.25 ln 1.5
    assert population_stability_index([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.25 * math.log(2) + 0.25 * math.log(1.5))
    assert population_stability_index([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0
    # an empty bin counts through the floor instead of giving inf
    assert np.isfinite(population_stability_index([0.5, 0.5, 0.0], [0.4, 0.4, 0.2]))


def test_backtest_table_adds_rates_and_p_values():
    cells = pd.DataFrame({
        "level": "enterprise", "variant": "point_in_time", "model": "logistic", "is_champion": True,
        "as_of_date": pd.to_datetime(["2020-01-01", "2020-01-01"]), "evaluation_window": "out_of_time",
        "grade": [3, 7], "n": [40, 10], "defaults": [1, 4], "mean_pd": [0.02, 0.12],
    })
    out = backtest_table(cells)
    assert out["observed_default_rate"].tolist() == [0.025, 0.4]
    assert out.loc[1, "binomial_p_value"] == pytest.approx(_binomial_tail(10, 4, 0.12))
    assert out.loc[0, "jeffreys_p_value"] == pytest.approx(special.betainc(1.5, 39.5, 0.02))
