"""What every fit of a PD sample shares: the fitted preprocessing (+ screening) and one CV fold.

Kept apart from the orchestration in pipeline.py; the CV workers (joblib processes) import this.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline

from .calibration import calibration_variants
from .config import PDModelConfig
from .estimators import ModelSpec, make_estimator
from .folds import sample_rows
from .importance import feature_groups, grouped_permutation_importance
from .preprocess import FeatureTypes, build_preprocessor, build_tree_preprocessor, design_feature_sources
from .screening import FeatureScreener


@dataclass
class Plan:
    """Everything a CV worker needs (picklable)."""

    types: FeatureTypes
    config: PDModelConfig
    models: tuple[str, ...]
    params: dict[str, dict]
    random_state: int

    def needs(self, inputs: str) -> bool:
        return any(self.config.specs[m].inputs == inputs for m in self.models)

    def estimator(self, name: str) -> BaseEstimator:
        params = dict(self.params[name])
        if name == "gradient_boosting" and self.config.monotone:
            params.setdefault("monotonic_cst", dict(self.config.monotone))
        return make_estimator(name, params, random_state=self.random_state, specs=self.config.specs)


@dataclass
class FeatureStage:
    """Fitted preprocessing (+ screening) of one training sample, and its transformed inputs."""

    preprocessor: Any
    screener: FeatureScreener | None
    tree_preprocessor: Any
    raw: pd.DataFrame
    design: pd.DataFrame
    screened: pd.DataFrame | None
    tree: pd.DataFrame | None

    def inputs(self, spec: ModelSpec) -> pd.DataFrame:
        return {"screened": self.screened, "design": self.design, "tree": self.tree, "raw": self.raw}[spec.inputs]

    def transform(self, X: pd.DataFrame) -> dict[str, pd.DataFrame | None]:
        """The inputs of every kind for new raw rows."""
        design = self.preprocessor.transform(X)
        return {"raw": X, "design": design,
                "screened": self.screener.transform(design) if self.screener is not None else None,
                "tree": self.tree_preprocessor.transform(X) if self.tree_preprocessor is not None else None}

    def pipeline(self, spec: ModelSpec, model: BaseEstimator) -> Pipeline:
        """The deployable raw-feature pipeline of ``model``."""
        if spec.inputs == "raw":
            return Pipeline([("model", model)])
        if spec.inputs == "tree":
            return Pipeline([("preprocess", self.tree_preprocessor), ("model", model)])
        steps = [("preprocess", self.preprocessor)]
        if spec.uses_screening:
            steps.append(("screen", self.screener))
        return Pipeline(steps + [("model", model)])


class quiet(warnings.catch_warnings):  # noqa: N801 - context manager
    """Silence expected, noisy warnings (unknown categories at scoring, convergence chatter)."""

    def __enter__(self):
        out = super().__enter__()
        warnings.filterwarnings("ignore", message=".*unknown categories.*")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", module="statsmodels")
        warnings.filterwarnings("ignore", module="optbinning")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        return out


def fit_stage(plan: Plan, X: pd.DataFrame, y: np.ndarray, *, screen: bool, full_report: bool = False
              ) -> FeatureStage:
    cfg = plan.config
    pre = build_preprocessor(plan.types, winsor_quantiles=cfg.winsor_quantiles, max_categories=cfg.max_categories,
                             min_category_frequency=cfg.min_category_frequency)
    design = pre.fit_transform(X)
    screener, screened = None, None
    if screen:
        screener = FeatureScreener(cfg.screening, random_state=plan.random_state, full_report=full_report)
        screener.fit(design, y)
        screened = screener.transform(design)
    tree_pre, tree = None, None
    if plan.needs("tree"):
        tree_pre = build_tree_preprocessor(plan.types, max_categories=cfg.max_categories,
                                           min_category_frequency=cfg.min_category_frequency)
        tree = tree_pre.fit_transform(X)
    return FeatureStage(pre, screener, tree_pre, X, design, screened, tree)


def cv_fold(plan: Plan, X: pd.DataFrame, y: np.ndarray, train: np.ndarray, test: np.ndarray,
            repeat: int, fold: int, with_importance: bool) -> dict:
    """Fit every model on one training fold; return test-fold PDs of each calibration variant."""
    cfg = plan.config
    with quiet():
        stage = fit_stage(plan, X.iloc[train], y[train], screen=plan.needs("screened"))
        test_inputs = stage.transform(X.iloc[test])
        preds: dict[str, dict[str, np.ndarray]] = {}
        importance: dict[str, np.ndarray] = {}
        seconds: dict[str, float] = {}
        for name in plan.models:
            started = time.process_time()  # CPU, not wall: comparable on a loaded machine
            spec = cfg.specs[name]
            x_test = test_inputs[spec.inputs]
            preds[name], base = calibration_variants(plan.estimator(name), stage.inputs(spec), y[train], x_test,
                                                     spec.calibration_candidates, random_state=plan.random_state,
                                                     folds=cfg.calibration_folds,
                                                     strategy=spec.calibration_strategy)
            if with_importance and name in cfg.permutation_models:
                sources = design_feature_sources(x_test.columns, plan.types)
                groups = feature_groups(x_test.columns, sources, list(X.columns))
                rows = sample_rows(y[test], cfg.permutation_max_rows, plan.random_state + fold)
                importance[name] = grouped_permutation_importance(
                    base, x_test.iloc[rows], y[test][rows], groups, n_repeats=cfg.permutation_repeats,
                    random_state=plan.random_state + fold).to_numpy()
            seconds[name] = time.process_time() - started
    return {
        "repeat": repeat,
        "fold": fold,
        "test": test,
        "preds": preds,
        "selected": list(stage.screener.selected_features_) if stage.screener is not None else None,
        "importance": importance,
        "seconds": seconds,
    }
