"""Score scale anchors and the master scale."""

from __future__ import annotations

import numpy as np
import pytest

from sme_credit.modeling.scorecard import (
    DEFAULT_SCALE,
    MASTER_SCALE_BOUNDS,
    ScoreScale,
    assign_grade,
    grade_label,
    master_scale,
)


def test_default_scale_anchor_and_points_to_double_odds():
    scale = DEFAULT_SCALE
    assert (scale.base_score, scale.base_odds, scale.pdo) == (600.0, 50.0, 20.0)
    pd_at_50_to_1 = 1 / 51
    assert scale.score(pd_at_50_to_1) == pytest.approx(600.0)
    assert scale.score(1 / 101) == pytest.approx(620.0)  # odds 100:1 -> +PDO
    assert scale.score(1 / 26) == pytest.approx(580.0)  # odds 25:1 -> -PDO
    assert scale.factor == pytest.approx(20 / np.log(2))
    assert scale.offset == pytest.approx(600 - 20 / np.log(2) * np.log(50))


def test_score_is_decreasing_in_pd_finite_and_invertible():
    p = np.array([0.0, 1e-4, 0.01, 0.2, 0.5, 0.99, 1.0])
    s = DEFAULT_SCALE.score(p)
    assert np.all(np.isfinite(s)) and np.all(np.diff(s) < 0)
    inner = p[1:-1]
    np.testing.assert_allclose(DEFAULT_SCALE.pd(DEFAULT_SCALE.score(inner)), inner, rtol=1e-10)
    custom = ScoreScale(base_score=500, base_odds=20, pdo=50)
    assert custom.score(1 / 21) == pytest.approx(500.0)
    assert custom.score(1 / 41) == pytest.approx(550.0)


def test_master_scale_table_is_contiguous_and_ordered():
    table = master_scale()
    assert table["grade"].tolist() == list(range(1, 11))
    assert table["pd_lower"].iloc[0] == 0.0 and table["pd_upper"].iloc[-1] == 1.0
    np.testing.assert_array_equal(table["pd_lower"].iloc[1:].to_numpy(), table["pd_upper"].iloc[:-1].to_numpy())
    assert table["pd_upper"].is_monotonic_increasing
    assert table["score_max"].is_monotonic_decreasing
    assert ((table["pd_mid"] > table["pd_lower"]) & (table["pd_mid"] < table["pd_upper"])).all()
    assert grade_label([1, 10]).tolist() == ["AAA", "C"]


def test_assign_grade_boundaries_and_monotonicity():
    uppers = [b[2] for b in MASTER_SCALE_BOUNDS]
    assert assign_grade([0.0])[0] == 1
    assert assign_grade([uppers[0] * 0.999])[0] == 1
    assert assign_grade([uppers[0]])[0] == 2  # an upper bound belongs to the next grade
    assert assign_grade([0.35, 1.0]).tolist() == [10, 10]
    p = np.sort(np.random.default_rng(0).random(5000) ** 3)
    grades = assign_grade(p)
    assert np.all(np.diff(grades) >= 0) and grades.min() >= 1 and grades.max() <= 10
    with pytest.raises(ValueError):
        assign_grade([np.nan])
    with pytest.raises(ValueError):
        assign_grade([1.2])
