"""Points-to-double-the-odds score scale and the master scale of rating grades.

Score scale (defaults)::

    score = offset + factor * ln(odds_good),   odds_good = (1 - PD) / PD
    factor = PDO / ln 2 = 20 / ln 2 ≈ 28.85
    offset = 600 - factor * ln 50            ≈ 487.12

so a borrower at good:bad odds of 50:1 (PD = 1/51 ≈ 1.96 %) scores 600 and
every 20 points double the odds. PDs are clipped to [1e-6, 1 - 1e-6] to keep
scores finite (about 89 to 886 points).

Master scale: ten grades, 1 (best) .. 10 (worst), with PD upper bounds
roughly doubling per grade. Grade ``g`` holds ``lower_g <= PD < upper_g``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PD_FLOOR = 1e-6

#: (grade, label, PD upper bound, exclusive); the last bound is 1 (inclusive).
MASTER_SCALE_BOUNDS: tuple[tuple[int, str, float], ...] = (
    (1, "AAA", 0.0005),
    (2, "AA", 0.0015),
    (3, "A", 0.0040),
    (4, "BBB", 0.0100),
    (5, "BB", 0.0200),
    (6, "B", 0.0400),
    (7, "CCC+", 0.0800),
    (8, "CCC", 0.1500),
    (9, "CC", 0.3000),
    (10, "C", 1.0000),
)


@dataclass(frozen=True)
class ScoreScale:
    """Linear score in log-odds: ``base_score`` points at ``base_odds`` good:bad, ``pdo`` to double."""

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        return self.pdo / np.log(2.0)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * np.log(self.base_odds)

    def score(self, pd_values) -> np.ndarray:
        """Points for each PD (higher = safer)."""
        p = np.clip(np.asarray(pd_values, dtype=float), PD_FLOOR, 1 - PD_FLOOR)
        return self.offset + self.factor * np.log((1 - p) / p)

    def pd(self, scores) -> np.ndarray:
        """Inverse of :meth:`score`."""
        log_odds_good = (np.asarray(scores, dtype=float) - self.offset) / self.factor
        return 1.0 / (1.0 + np.exp(log_odds_good))


DEFAULT_SCALE = ScoreScale()


def master_scale(scale: ScoreScale = DEFAULT_SCALE) -> pd.DataFrame:
    """The master scale as a table: ``grade, label, pd_lower, pd_upper, pd_mid, score_min, score_max``.

    ``pd_mid`` is the geometric mean of the band (arithmetic for the last one);
    ``score_min``/``score_max`` are the scores at the band's PD edges.
    """
    rows = []
    lower = 0.0
    for grade, label, upper in MASTER_SCALE_BOUNDS:
        mid = np.sqrt(max(lower, PD_FLOOR) * upper) if upper < 1 else (lower + upper) / 2
        rows.append(
            {
                "grade": grade,
                "label": label,
                "pd_lower": lower,
                "pd_upper": upper,
                "pd_mid": float(mid),
                "score_min": float(scale.score(upper)),
                "score_max": float(scale.score(lower)),
            }
        )
        lower = upper
    return pd.DataFrame(rows)


def assign_grade(pd_values) -> np.ndarray:
    """Master-scale grade (int 1..10) for each PD; monotone non-decreasing in PD."""
    p = np.asarray(pd_values, dtype=float)
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("PD must be finite and in [0, 1]")
    uppers = np.array([b[2] for b in MASTER_SCALE_BOUNDS[:-1]])
    return (np.searchsorted(uppers, p, side="right") + 1).astype("int64")


def grade_label(grades) -> np.ndarray:
    """Letter label of each integer grade."""
    labels = {g: lab for g, lab, _ in MASTER_SCALE_BOUNDS}
    return np.array([labels[int(g)] for g in np.asarray(grades).ravel()], dtype=object)
