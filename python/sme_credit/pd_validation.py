"""Tests of PD calibration per cell (n obligors, d defaults, predicted PD), vectorised with scipy.

* one-sided binomial test: p = P(D >= d | n, PD) = binom.sf(d - 1, n, PD); a small p says the PD
  is too low (more defaults than it allows);
* Jeffreys test (ECB, EBA): p = F(PD) of the Beta(d + 1/2, n - d + 1/2) posterior of the default
  rate under the Jeffreys prior; a small p again says the PD is too low.

The cell's PD is its mean PD. Discrimination (AUC, KS, Brier), migration and PSI are SQL
aggregates in models/marts/pd_validation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

BACKTEST_COLUMNS = [
    "level", "variant", "model", "is_champion", "as_of_date", "evaluation_window", "grade", "n", "defaults",
    "mean_pd", "observed_default_rate", "binomial_p_value", "jeffreys_p_value",
]


def binomial_p_value(n, defaults, pd_) -> np.ndarray:
    """P(D >= defaults) for D ~ Binomial(n, pd)."""
    n, d, p = (np.asarray(x, dtype=float) for x in (n, defaults, pd_))
    return stats.binom.sf(d - 1, n, np.clip(p, 0.0, 1.0))


def jeffreys_p_value(n, defaults, pd_) -> np.ndarray:
    """Beta(defaults + 1/2, n - defaults + 1/2) CDF at pd."""
    n, d, p = (np.asarray(x, dtype=float) for x in (n, defaults, pd_))
    return stats.beta.cdf(np.clip(p, 0.0, 1.0), d + 0.5, n - d + 0.5)


def backtest_table(cells: pd.DataFrame) -> pd.DataFrame:
    """int_pd_backtest_cells plus the observed default rate and both p-values."""
    out = cells.copy()
    n = out["n"].astype(float)
    d = out["defaults"].astype(float)
    out["observed_default_rate"] = d / n
    out["binomial_p_value"] = binomial_p_value(n, d, out["mean_pd"])
    out["jeffreys_p_value"] = jeffreys_p_value(n, d, out["mean_pd"])
    out = out.astype({"n": "int64", "defaults": "int64", "grade": "int64"})
    return out[BACKTEST_COLUMNS].sort_values(["level", "variant", "model", "as_of_date", "grade"],
                                             kind="stable").reset_index(drop=True)


def population_stability_index(expected_shares, actual_shares, floor: float = 1e-4) -> float:
    """PSI = sum (a - e) ln(a / e) over bins, shares floored (empty bins) — the formula the SQL mart uses."""
    e = np.maximum(np.asarray(expected_shares, dtype=float), floor)
    a = np.maximum(np.asarray(actual_shares, dtype=float), floor)
    return float(np.sum((a - e) * np.log(a / e)))
