"""Churn table: seed equals the official xlsx, exact at the points, linear in between."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sme_credit.pricing import PricingParams
from sme_credit.pricing.churn import (
    churn_rate,
    load_rate_churn,
    pd_implied_rating,
    rate_churn_from_xlsx,
    rate_grid,
    rating_for_churn,
    write_rate_churn_seed,
)
from sme_credit.pricing.parameters import seeds_dir

XLSX = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cumcm2020c" / "att3_rate_churn.xlsx"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_rate_churn()


@pytest.mark.realdata
def test_committed_seed_equals_xlsx(tmp_path: Path) -> None:
    if not XLSX.exists():
        pytest.skip(f"{XLSX} not found")
    from_xlsx = rate_churn_from_xlsx(XLSX)
    pd.testing.assert_frame_equal(load_rate_churn(), from_xlsx, check_exact=True)
    regenerated = write_rate_churn_seed(XLSX, tmp_path / "rate_churn.csv")
    assert regenerated.read_bytes() == (seeds_dir() / "rate_churn.csv").read_bytes()


def test_table_shape(table: pd.DataFrame) -> None:
    assert len(table) == 87 and list(table["credit_rating"].unique()) == ["A", "B", "C"]
    grid = rate_grid(table)
    assert len(grid) == 29 and grid[0] == 0.04 and grid[1] == 0.0425 and grid[-2] == 0.1465 and grid[-1] == 0.15
    np.testing.assert_allclose(np.diff(grid[1:-1]), 0.004, atol=1e-12)
    # a few values copied by hand from the xlsx
    lookup = table.set_index(["credit_rating", "interest_rate"])["churn_rate"]
    assert lookup[("A", 0.0425)] == 0.0945741262057566
    assert lookup[("B", 0.1025)] == 0.696925430878578
    assert lookup[("C", 0.15)] == 0.895164738662031


def test_exact_at_points(table: pd.DataFrame) -> None:
    got = churn_rate(table["interest_rate"], table["credit_rating"], table)
    assert np.array_equal(got, table["churn_rate"].to_numpy())


def test_linear_between_points(table: pd.DataFrame) -> None:
    a = table[table["credit_rating"] == "A"].set_index("interest_rate")["churn_rate"]
    # between 0.0425 (0.0945741262057566) and 0.0465 (0.135727183124787)
    for t in (0.25, 0.5, 0.9):
        rate = 0.0425 + t * 0.004
        expected = 0.0945741262057566 + t * (0.135727183124787 - 0.0945741262057566)
        assert churn_rate(rate, "A", table) == pytest.approx(expected, abs=1e-15)
    # midpoint of every interval of every curve is the mean of its ends
    for rating, curve in table.groupby("credit_rating"):
        r, c = curve["interest_rate"].to_numpy(), curve["churn_rate"].to_numpy()
        mid = churn_rate((r[:-1] + r[1:]) / 2, np.full(len(r) - 1, rating, dtype=object), table)
        np.testing.assert_allclose(mid, (c[:-1] + c[1:]) / 2, atol=1e-15)
    assert a.index.is_monotonic_increasing


def test_outside_range_and_missing(table: pd.DataFrame) -> None:
    for rate in (0.039, 0.1501, 0.0):
        with pytest.raises(ValueError):
            churn_rate(rate, "A", table)
    out = churn_rate([np.nan, 0.05, 0.05, 0.05], np.array(["A", "D", None, "B"], dtype=object), table)
    assert np.isnan(out[:3]).all() and np.isfinite(out[3])


def test_pd_implied_rating() -> None:
    p = PricingParams()
    got = pd_implied_rating([0.0, 0.0199, 0.02, 0.0499, 0.05, 0.1499, 0.15, 1.0, np.nan], p)
    assert list(got) == ["A", "A", "B", "B", "C", "C", "D", "D", None]


def test_rating_for_churn_prefers_bank_rating() -> None:
    got = rating_for_churn(np.array(["a", None, "", " D", "C"], dtype=object), [0.5, 0.03, 0.2, 0.01, 0.001])
    assert list(got) == ["A", "B", "D", "D", "C"]
    with pytest.raises(ValueError):
        rating_for_churn(np.array(["E"], dtype=object), [0.01])
