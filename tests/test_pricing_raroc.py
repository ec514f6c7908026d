"""RAROC economics of single loans, computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sme_credit.pricing.raroc import loan_economics, portfolio_raroc, term_pd

COSTS = dict(cost_of_funds=0.015, operating_cost_rate=0.005, hurdle_rate=0.10)


def test_one_year_loan_by_hand() -> None:
    # L 500,000 at 5.85% for 1 year, PD 2%, LGD 30%, churn 30%, K 5%
    got = loan_economics(500_000, 0.0585, 1.0, 0.02, 0.30, 0.30, 0.05, **COSTS).iloc[0]
    # retained 70% is lent: EAD 350,000
    assert got["exposure"] == pytest.approx(350_000)
    assert got["expected_income"] == pytest.approx(20_475.0)  # 500,000 × 0.0585 × 1 × 0.7
    assert got["expected_loss"] == pytest.approx(2_100.0)  # 0.02 × 0.30 × 350,000
    assert got["funding_operating_cost"] == pytest.approx(10_000.0)  # 0.02 × 500,000 × 1
    assert got["capital"] == pytest.approx(17_500.0)  # 0.05 × 350,000
    assert got["raroc"] == pytest.approx(8_375.0 / 17_500.0)  # (20,475 − 2,100 − 10,000) / 17,500
    assert got["risk_adjusted_profit"] == pytest.approx(8_375.0 - 1_750.0)


def test_six_month_loan_by_hand() -> None:
    got = loan_economics(500_000, 0.0585, 0.5, 0.02, 0.30, 0.30, 0.05, **COSTS).iloc[0]
    pd_half = 1 - 0.98**0.5  # 0.0100505...
    assert term_pd(0.02, 0.5) == pytest.approx(pd_half)
    assert got["expected_income"] == pytest.approx(10_237.5)
    assert got["expected_loss"] == pytest.approx(pd_half * 0.30 * 350_000)
    assert got["funding_operating_cost"] == pytest.approx(5_000.0)
    net = 10_237.5 - pd_half * 0.30 * 350_000 - 5_000.0
    assert got["raroc"] == pytest.approx(net / (17_500.0 * 0.5))  # annualised: capital held half a year
    assert got["risk_adjusted_profit"] == pytest.approx(net - 0.10 * 17_500.0 * 0.5)


def test_vectorised_and_zero_capital() -> None:
    got = loan_economics(np.array([0.0, 1.0, 2.0]), 0.05, 1.0, 0.01, 0.3, 0.2, 0.04, **COSTS)
    assert np.isnan(got["raroc"].iloc[0])
    assert got["expected_income"].iloc[2] == pytest.approx(2 * got["expected_income"].iloc[1])
    assert got["raroc"].iloc[1] == pytest.approx(got["raroc"].iloc[2])


def test_portfolio_raroc() -> None:
    assert portfolio_raroc([10.0, 5.0], [100.0, 100.0], [1.0, 0.5]) == pytest.approx(15.0 / 150.0)
    assert np.isnan(portfolio_raroc([0.0], [0.0], [1.0]))
