"""Customer churn as a function of the loan rate (CUMCM 2020 C attachment 3).

The table gives, for each bank rating A/B/C, the share of potential customers lost at 29
annual rates 0.04..0.15. Between those points churn is interpolated linearly; outside
[0.04, 0.15] it is undefined (the problem allows no other rates), so asking raises.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .parameters import PricingParams, seeds_dir

CHURN_RATINGS = ("A", "B", "C")
RATE_CHURN_COLUMNS = ["credit_rating", "interest_rate", "churn_rate"]
_RATE_TOL = 1e-12  # float slack when checking the table's bounds


def rate_churn_from_xlsx(xlsx_path: str | Path) -> pd.DataFrame:
    """Read att3_rate_churn.xlsx into the long seed format, checked for pricing use.

    Parsing is the ingest adapter's (columns found by header text, full double precision);
    this adds the pricing checks (ratings A/B/C, grid bounds, churn in [0, 1]).
    """
    from sme_credit.ingest.cumcm import read_rate_churn

    table = read_rate_churn(xlsx_path)
    validate_rate_churn(table)
    return table


def write_rate_churn_seed(xlsx_path: str | Path, csv_path: str | Path | None = None) -> Path:
    """Regenerate ``seeds/rate_churn.csv`` from the xlsx; returns the CSV path."""
    csv_path = Path(csv_path) if csv_path is not None else seeds_dir() / "rate_churn.csv"
    # pandas writes floats with the shortest repr that round-trips, so no precision is lost.
    rate_churn_from_xlsx(xlsx_path).to_csv(csv_path, index=False, lineterminator="\n")
    return csv_path


def load_rate_churn(path: str | Path | None = None) -> pd.DataFrame:
    """Read the rate/churn seed (long format) and check it."""
    path = Path(path) if path is not None else seeds_dir() / "rate_churn.csv"
    table = pd.read_csv(path, dtype={"credit_rating": str, "interest_rate": float, "churn_rate": float})
    validate_rate_churn(table)
    return table


def validate_rate_churn(table: pd.DataFrame) -> None:
    """Raise ValueError unless every rating A/B/C has the same strictly increasing rate grid and churn in [0, 1]."""
    if list(table.columns) != RATE_CHURN_COLUMNS:
        raise ValueError(f"rate/churn table must have columns {RATE_CHURN_COLUMNS}")
    if sorted(table["credit_rating"].unique()) != list(CHURN_RATINGS):
        raise ValueError("rate/churn table must cover ratings A, B and C")
    if not table["churn_rate"].between(0, 1).all():
        raise ValueError("churn_rate must lie in [0, 1]")
    grids = [g["interest_rate"].to_numpy() for _, g in table.groupby("credit_rating")]
    if any(np.any(np.diff(g) <= 0) for g in grids):
        raise ValueError("interest_rate must be strictly increasing within each rating")
    if any(len(g) != len(grids[0]) or not np.array_equal(g, grids[0]) for g in grids):
        raise ValueError("every rating must use the same rate grid")


def rate_grid(table: pd.DataFrame, params: PricingParams | None = None) -> np.ndarray:
    """The table's rate points within [rate_grid_min, rate_grid_max] (the offerable rates)."""
    params = params or PricingParams()
    rates = np.sort(table["interest_rate"].unique())
    keep = (rates >= params.rate_grid_min - _RATE_TOL) & (rates <= params.rate_grid_max + _RATE_TOL)
    return rates[keep]


def churn_rate(rate: ArrayLike, rating: ArrayLike, table: pd.DataFrame) -> np.ndarray:
    """Churn at ``rate`` for churn curve ``rating`` (A/B/C), by linear interpolation in the table.

    Exact at the table's points. ``rate`` NaN or ``rating`` not A/B/C (e.g. D or missing)
    gives NaN; a finite rate outside the table's range raises ValueError.
    """
    r = np.asarray(rate, dtype=float)
    g = np.asarray(rating, dtype=object)
    r, g = np.broadcast_arrays(r, g)
    lo, hi = table["interest_rate"].min(), table["interest_rate"].max()
    finite = np.isfinite(r)
    if np.any(finite & ((r < lo - _RATE_TOL) | (r > hi + _RATE_TOL))):
        raise ValueError(f"interest rate outside the churn table's range [{lo}, {hi}]")
    out = np.full(r.shape, np.nan)
    for rating_value, curve in table.groupby("credit_rating"):  # three curves, not per enterprise
        mask = (g == rating_value) & finite
        if mask.any():
            out[mask] = np.interp(r[mask], curve["interest_rate"].to_numpy(), curve["churn_rate"].to_numpy())
    return out


def pd_implied_rating(pd_: ArrayLike, params: PricingParams | None = None) -> np.ndarray:
    """Map PD to a bank-rating letter with the tier cut points (NaN PD → None).

    A: PD < tier_premium_max_pd; B: < tier_ordinary_max_pd; C: < pd_decline_cutoff; D otherwise.
    """
    params = params or PricingParams()
    p = np.asarray(pd_, dtype=float)
    bins = [params.tier_premium_max_pd, params.tier_ordinary_max_pd, params.pd_decline_cutoff]
    letters = np.array(["A", "B", "C", "D"], dtype=object)[np.digitize(p, bins, right=False)]
    return np.where(np.isnan(p), None, letters)


def rating_for_churn(credit_rating: ArrayLike, pd_: ArrayLike, params: PricingParams | None = None) -> np.ndarray:
    """The churn curve an enterprise is priced on: its bank rating if it has one, else the PD-implied letter.

    Returns A/B/C/D (D: no curve, the enterprise is declined) or None (no rating and no PD).
    """
    rating = normalise_rating(credit_rating)
    implied = pd_implied_rating(pd_, params)
    return np.where(pd.isna(rating), implied, rating)


def normalise_rating(credit_rating: ArrayLike) -> np.ndarray:
    """Strip/upper-case bank ratings; empty strings and nulls → None; anything but A-D raises."""
    s = pd.Series(np.asarray(credit_rating, dtype=object), dtype=object)
    s = s.where(s.isna(), s.astype(str).str.strip().str.upper())
    s = s.where(~s.isin(["", "NAN", "NONE"]), None)
    bad = s.notna() & ~s.isin(["A", "B", "C", "D"])
    if bad.any():
        raise ValueError(f"credit_rating must be A-D or empty, got {sorted(s[bad].unique())}")
    return s.to_numpy(dtype=object)
