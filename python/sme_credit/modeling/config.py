"""The knobs of :func:`~sme_credit.modeling.fit_pd_models` beyond its keyword arguments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .estimators import DEFAULT_SPECS, ModelSpec
from .evaluation import DEFAULT_CUTOFFS
from .scorecard import DEFAULT_SCALE, ScoreScale
from .screening import ScreeningConfig


@dataclass(frozen=True)
class PDModelConfig:
    """Settings of a PD fit (the defaults are what the warehouse uses).

    cutoffs: classification cut-offs for accuracy / type I / type II errors; the
        training default rate is always added.
    tuning_folds / calibration_folds: inner stratified folds for grid search and
        for ``CalibratedClassifierCV``.
    tuning_max_rows: the grid search runs on a seeded sample of at most this many rows (whole
        enterprises on a panel), with a note: the grids are small and their choice settles long
        before 10,000 rows, while the search cost grows with every row.
    calibration_tolerance: relative CV-Brier margin within which the simpler
        calibration (none < sigmoid < isotonic) is kept.
    permutation_models / permutation_repeats: permutation importance (on held-out
        folds of the first CV repeat, per raw feature, scored by AUC).
    permutation_max_rows: each held-out fold's importance reads a seeded, stratified sample of
        at most this many rows (every feature is re-predicted ``permutation_repeats`` times;
        one per fold by default: the mean over the 5 folds still averages 5 draws per feature).
    n_jobs: processes for the CV folds, grid search and final fits (the budget is 2 cores); the
        warehouse shares them out between its tasks, which it fits side by side.
    cv_row_budget: CV repeats are cut to ``max(1, cv_row_budget // rows)`` on large samples
        (6,000 rows or more: one 5-fold pass; the demo's 2,828 loans: 2), with a note.
    monotone: optional ``{raw feature: +1 | -1}``, the expected sign of each feature's effect on
        the PD; gradient boosting is then constrained to it (the warehouse reads the signs from
        the ``indicator_expected_signs`` seed when var ``pd_monotone_constraints`` is true).
    """

    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    cutoffs: tuple[float, ...] = DEFAULT_CUTOFFS
    tuning_folds: int = 3
    tuning_max_rows: int = 4000
    calibration_folds: int = 3
    calibration_tolerance: float = 0.005
    winsor_quantiles: tuple[float, float] = (0.01, 0.99)
    max_categories: int = 20
    min_category_frequency: float | None = 0.01
    max_levels: int = 50
    permutation_models: tuple[str, ...] = ("random_forest",)
    permutation_repeats: int = 1
    permutation_max_rows: int = 1000
    n_jobs: int = 2
    cv_row_budget: int = 6_000
    monotone: Mapping[str, int] | None = None
    scale: ScoreScale = DEFAULT_SCALE
    specs: Mapping[str, ModelSpec] = field(default_factory=lambda: dict(DEFAULT_SPECS))
