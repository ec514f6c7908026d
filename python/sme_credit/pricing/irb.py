"""Basel II IRB capital for corporate exposures, with the SME firm-size adjustment.

Formulas of BCBS "International Convergence of Capital Measurement and Capital Standards"
(June 2006), paragraphs 272-273 (corporate risk weight, SME correlation adjustment) and 285
(PD floor 0.03%). All functions are vectorised over numpy arrays / pandas Series.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

PD_FLOOR = 0.0003  # Basel II para 285: corporate PD at least 0.03%.
SME_SALES_MIN_EUR_M = 5.0  # para 273: sales below EUR 5m are treated as 5m.
SME_SALES_MAX_EUR_M = 50.0  # para 273: the adjustment applies to firms below EUR 50m.
CONFIDENCE = 0.999


def asset_correlation(pd_: ArrayLike, sales_eur_m: ArrayLike | None = None) -> np.ndarray:
    """Corporate asset correlation R(PD, S).

    R = 0.12·w + 0.24·(1 − w) − 0.04·(1 − (S − 5)/45), w = (1 − e^(−50·PD))/(1 − e^(−50)).
    S (annual sales, EUR millions) is clamped to [5, 50]; S missing (None/NaN) or ≥ 50 gives no
    SME adjustment (the last term is 0).
    """
    p = np.asarray(pd_, dtype=float)
    w = (1.0 - np.exp(-50.0 * p)) / (1.0 - np.exp(-50.0))
    r = 0.12 * w + 0.24 * (1.0 - w)
    if sales_eur_m is None:
        return r
    s = np.broadcast_to(np.asarray(sales_eur_m, dtype=float), r.shape)
    s_clamped = np.clip(s, SME_SALES_MIN_EUR_M, SME_SALES_MAX_EUR_M)
    # NaN sales -> no adjustment (conservative: the reduction is a privilege of known small firms).
    adjustment = np.where(np.isnan(s), 0.0, 0.04 * (1.0 - (s_clamped - SME_SALES_MIN_EUR_M) / 45.0))
    return r - adjustment


def maturity_b(pd_: ArrayLike) -> np.ndarray:
    """Maturity-adjustment slope b = (0.11852 − 0.05478·ln PD)²."""
    return (0.11852 - 0.05478 * np.log(np.asarray(pd_, dtype=float))) ** 2


def capital_k(
    pd_: ArrayLike,
    lgd: ArrayLike,
    maturity_years: ArrayLike = 2.5,
    sales_eur_m: ArrayLike | None = None,
    pd_floor: float = PD_FLOOR,
) -> np.ndarray:
    """Capital requirement K per unit of EAD.

    K = [LGD·N((1−R)^(−½)·G(PD) + (R/(1−R))^½·G(0.999)) − PD·LGD] · (1 − 1.5·b)^(−1) · (1 + (M − 2.5)·b)

    PD is floored at ``pd_floor``; PD = 1 (defaulted) gives K = 0 because the loss is already
    expected (covered by provisions, Basel II para 272 F-IRB treatment). NaN PD gives NaN.
    """
    p_raw = np.asarray(pd_, dtype=float)
    if np.any((p_raw < 0) | (p_raw > 1)):
        raise ValueError("PD must lie in [0, 1]")
    p = np.maximum(p_raw, pd_floor)
    defaulted = p >= 1.0
    # Evaluate on a safe PD for defaulted rows (G(1) = inf), then overwrite with 0.
    p_safe = np.where(defaulted, 0.5, p)
    lgd_arr = np.asarray(lgd, dtype=float)
    m = np.asarray(maturity_years, dtype=float)
    r = asset_correlation(p_safe, sales_eur_m)
    b = maturity_b(p_safe)
    conditional_pd = norm.cdf((norm.ppf(p_safe) + np.sqrt(r) * norm.ppf(CONFIDENCE)) / np.sqrt(1.0 - r))
    k = (lgd_arr * conditional_pd - p_safe * lgd_arr) / (1.0 - 1.5 * b) * (1.0 + (m - 2.5) * b)
    return np.where(defaulted, 0.0, k)


def risk_weight(
    pd_: ArrayLike,
    lgd: ArrayLike,
    maturity_years: ArrayLike = 2.5,
    sales_eur_m: ArrayLike | None = None,
    pd_floor: float = PD_FLOOR,
) -> np.ndarray:
    """Risk weight as a fraction of EAD: RW = 12.5·K (1.4432 = 144.32%)."""
    return 12.5 * capital_k(pd_, lgd, maturity_years, sales_eur_m, pd_floor)


def sales_eur_millions(annual_sales_cny: ArrayLike, cny_per_eur: float) -> np.ndarray:
    """Annual sales in yuan → EUR millions (NaN stays NaN)."""
    return np.asarray(annual_sales_cny, dtype=float) / cny_per_eur / 1e6
