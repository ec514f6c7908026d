"""Basel II IRB capital: published risk weights and hand-computed correlations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sme_credit.pricing.irb import asset_correlation, capital_k, maturity_b, risk_weight, sales_eur_millions

# BCBS Basel II (June 2006) Annex 5, corporate exposures, LGD 45%, M 2.5 years, in percent.
# Columns: turnover EUR 50m (no SME adjustment) and EUR 5m (full adjustment).
ANNEX5 = [
    (0.0003, 14.44, 11.30),
    (0.0005, 19.65, 15.39),
    (0.0010, 29.65, 23.30),
    (0.0025, 49.47, 39.01),
    (0.0040, 62.72, 49.49),
    (0.0050, 69.61, 54.91),
    (0.0075, 82.78, 65.14),
    (0.0100, 92.32, 72.40),
    (0.0130, 100.95, 78.77),
    (0.0150, 105.59, 82.11),
    (0.0200, 114.86, 88.55),
    (0.0250, 122.16, 93.43),
    (0.0300, 128.44, 97.58),
]
# The published table is rounded to 2 decimals from a slightly different normal-quantile
# evaluation: exact double precision gives e.g. 149.854 for 149.86 and 114.854 for 114.86,
# so agreement is checked to within one unit of the last printed decimal.
TOL_PP = 0.01


@pytest.mark.parametrize(("pd_", "expected"), [(0.0003, 14.44), (0.01, 92.32), (0.05, 149.86)])
def test_brief_check_values_no_sme_adjustment(pd_: float, expected: float) -> None:
    rw = 100 * risk_weight(pd_, 0.45, 2.5)
    assert abs(rw - expected) <= TOL_PP


@pytest.mark.parametrize(("pd_", "rw_large", "rw_sme"), ANNEX5)
def test_annex5_table(pd_: float, rw_large: float, rw_sme: float) -> None:
    assert abs(100 * risk_weight(pd_, 0.45, 2.5, 50.0) - rw_large) <= TOL_PP
    assert abs(100 * risk_weight(pd_, 0.45, 2.5, None) - rw_large) <= TOL_PP
    assert abs(100 * risk_weight(pd_, 0.45, 2.5, 5.0) - rw_sme) <= TOL_PP
    # below EUR 5m sales count as 5m
    assert abs(100 * risk_weight(pd_, 0.45, 2.5, 0.3) - rw_sme) <= TOL_PP


def test_correlation_by_hand() -> None:
    w = (1 - math.exp(-0.5)) / (1 - math.exp(-50))  # PD 1%
    r = 0.12 * w + 0.24 * (1 - w)
    assert asset_correlation(0.01) == pytest.approx(r, abs=1e-15)
    assert r == pytest.approx(0.192784, abs=1e-6)
    s = np.array([np.nan, 1.0, 5.0, 27.5, 50.0, 400.0])
    expected = r - np.array([0.0, 0.04, 0.04, 0.02, 0.0, 0.0])
    np.testing.assert_allclose(asset_correlation(np.full(6, 0.01), s), expected, atol=1e-15)


def test_k_by_hand_one_point() -> None:
    # PD 2%, LGD 30%, M 1, no SME adjustment, written out step by step
    pd_, lgd, m = 0.02, 0.30, 1.0
    w = (1 - math.exp(-50 * pd_)) / (1 - math.exp(-50))
    r = 0.12 * w + 0.24 * (1 - w)
    b = (0.11852 - 0.05478 * math.log(pd_)) ** 2
    g_pd, g_999 = -2.053748910631823, 3.090232306167813  # standard normal quantiles
    x = (1 - r) ** -0.5 * g_pd + (r / (1 - r)) ** 0.5 * g_999
    n_x = 0.5 * (1 + math.erf(x / math.sqrt(2)))
    k = (lgd * n_x - pd_ * lgd) / (1 - 1.5 * b) * (1 + (m - 2.5) * b)
    assert capital_k(pd_, lgd, m) == pytest.approx(k, rel=1e-12)
    assert maturity_b(pd_) == pytest.approx(b, rel=1e-15)


def test_floor_default_and_vectorised() -> None:
    k = capital_k(np.array([0.0, 0.0001, 0.0003, 1.0, np.nan]), 0.45, 2.5)
    assert k[0] == k[1] == k[2]  # floored at 0.03%
    assert k[3] == 0.0  # defaulted: loss is expected, no unexpected-loss capital
    assert np.isnan(k[4])
    with pytest.raises(ValueError):
        capital_k(1.2, 0.45)


def test_sme_adjustment_lowers_capital_and_maturity_raises_it() -> None:
    p = np.linspace(0.001, 0.2, 50)
    assert np.all(capital_k(p, 0.45, 2.5, 5.0) < capital_k(p, 0.45, 2.5, None))
    assert np.all(capital_k(p, 0.45, 1.0) < capital_k(p, 0.45, 2.5))
    # K rises with PD over the range the bank lends in (PD below the 15% decline cut-off)
    assert np.all(np.diff(capital_k(np.linspace(0.0003, 0.15, 500), 0.30, 1.0, 5.0)) > 0)


def test_sales_conversion() -> None:
    np.testing.assert_allclose(sales_eur_millions([7.7355e6, np.nan], 7.7355), [1.0, np.nan])
