"""The four PD model families and their small hyper-parameter grids.

* ``logistic``      – :class:`~sme_credit.modeling.logistic.LogisticPD` on screened features;
* ``random_forest`` – scikit-learn random forest on all (preprocessed) features;
* ``naive_bayes``   – Gaussian naive Bayes on screened features;
* ``svm``           – RBF support vector machine on screened features; it has no native
                      probabilities, so it is always calibrated (Platt or isotonic);
* ``gradient_boosting`` – scikit-learn histogram gradient boosting on all features (a
                      challenger: interactions and thresholds the forest averages away).

Grids are listed simplest-first: GridSearchCV keeps the first of tied candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from .folds import inner_cv
from .logistic import LogisticPD

MODEL_NAMES: tuple[str, ...] = ("logistic", "random_forest", "naive_bayes", "svm", "gradient_boosting")


@dataclass(frozen=True)
class ModelSpec:
    """How one model family is built, tuned and calibrated.

    complexity: rank used by the champion rule's last tie-break (lower = simpler).
    calibration_strategy: ``"cv"`` (CalibratedClassifierCV, 3 inner folds) or ``"oob"``
        (out-of-bag scores, bagging ensembles only).
    """

    name: str
    uses_screening: bool
    param_grid: Mapping[str, Sequence] = field(default_factory=dict)
    calibration_candidates: tuple[str, ...] = ("none", "sigmoid", "isotonic")
    complexity: int = 0
    fixed_params: Mapping[str, object] = field(default_factory=dict)
    calibration_strategy: str = "cv"


DEFAULT_SPECS: dict[str, ModelSpec] = {
    # Logistic stays uncalibrated on purpose: its coefficient table must reproduce
    # the deployed PD exactly, and ML logistic fits are calibrated-in-the-large anyway.
    "logistic": ModelSpec("logistic", uses_screening=True, calibration_candidates=("none",), complexity=0),
    "naive_bayes": ModelSpec("naive_bayes", uses_screening=True, complexity=1),
    "random_forest": ModelSpec(
        "random_forest",
        uses_screening=False,
        param_grid={"min_samples_leaf": [25, 10, 3]},
        complexity=2,
        fixed_params={"n_estimators": 100, "max_features": "sqrt"},
        calibration_strategy="oob",  # one forest fit instead of four per calibration
    ),
    "svm": ModelSpec(
        "svm",
        uses_screening=True,
        param_grid={"C": [0.1, 1.0, 10.0]},
        calibration_candidates=("sigmoid", "isotonic"),
        complexity=4,
        fixed_params={"kernel": "rbf", "gamma": "scale", "max_train_rows": 3000},
    ),
    "gradient_boosting": ModelSpec(
        "gradient_boosting",
        uses_screening=False,
        param_grid={"max_leaf_nodes": [7, 15]},
        complexity=3,
        # a fixed, modest number of shallow trees with shrinkage and a leaf-size floor: stable
        # across folds without early stopping (whose inner split would differ per fold)
        fixed_params={"learning_rate": 0.05, "max_iter": 150, "min_samples_leaf": 40, "l2_regularization": 1.0},
    ),
}


class SerialHistGradientBoosting(HistGradientBoostingClassifier):
    """Histogram gradient boosting on one OpenMP thread: identical trees on every rebuild.

    With several threads the histogram sums are added in a varying order, ties between splits
    break differently, and a rebuild gave other PDs. The CV folds run in parallel processes, so
    the single thread costs little."""

    def fit(self, X, y, sample_weight=None):
        with threadpool_limits(limits=1, user_api="openmp"):
            return super().fit(X, y, sample_weight=sample_weight)

    def predict_proba(self, X):
        with threadpool_limits(limits=1, user_api="openmp"):
            return super().predict_proba(X)

    def decision_function(self, X):
        with threadpool_limits(limits=1, user_api="openmp"):
            return super().decision_function(X)


class SampledSVC(ClassifierMixin, BaseEstimator):
    """RBF SVC fitted on at most ``max_train_rows`` rows: a seeded, class-stratified sample.

    A kernel SVM's fit grows with the square of the rows; on the point-in-time panel (10,000
    training rows) it cost more than every other family together. Beyond a few thousand rows
    its AUC barely moves, so larger samples are thinned, keeping each class's share.
    """

    def __init__(self, C=1.0, kernel="rbf", gamma="scale", max_train_rows=3000, random_state=0):
        self.C, self.kernel, self.gamma = C, kernel, gamma
        self.max_train_rows, self.random_state = max_train_rows, random_state

    def fit(self, X, y):
        y = np.asarray(y)
        rows = np.arange(len(y))
        if self.max_train_rows and len(y) > self.max_train_rows:
            rng = np.random.default_rng(self.random_state)
            share = self.max_train_rows / len(y)
            rows = np.sort(np.concatenate([
                rng.choice(np.flatnonzero(y == c), max(1, int(round(share * (y == c).sum()))), replace=False)
                for c in np.unique(y)]))
        X_fit = X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X)[rows]
        self.svc_ = SVC(C=self.C, kernel=self.kernel, gamma=self.gamma, random_state=self.random_state)
        self.svc_.fit(X_fit, y[rows])
        self.classes_ = self.svc_.classes_
        self.train_rows_ = rows
        self.n_train_rows_ = len(rows)
        return self

    def decision_function(self, X):
        return self.svc_.decision_function(X)

    def predict(self, X):
        return self.svc_.predict(X)


def make_estimator(name: str, params: Mapping[str, object] | None = None, *, random_state: int = 0,
                   specs: Mapping[str, ModelSpec] = DEFAULT_SPECS) -> BaseEstimator:
    """Unfitted estimator of family ``name`` with the spec's fixed parameters plus ``params``."""
    params = {**specs[name].fixed_params, **(params or {})}
    if name == "logistic":
        return LogisticPD(**params)
    if name == "random_forest":
        # n_jobs=1: parallelism is spent on CV folds, not trees (2-core budget)
        return RandomForestClassifier(random_state=random_state, n_jobs=1, **params)
    if name == "naive_bayes":
        return GaussianNB(**params)
    if name == "gradient_boosting":
        return SerialHistGradientBoosting(random_state=random_state, early_stopping=False, **params)
    if name == "svm":
        return SampledSVC(random_state=random_state, **params)
    raise ValueError(f"unknown model {name!r}; choose from {MODEL_NAMES}")


def tune_hyperparameters(
    name: str,
    X: pd.DataFrame,
    y,
    *,
    random_state: int = 0,
    cv_folds: int = 3,
    n_jobs: int = 1,
    specs: Mapping[str, ModelSpec] = DEFAULT_SPECS,
    groups=None,
) -> tuple[dict, pd.DataFrame]:
    """Pick the grid point with the best stratified-CV AUC (folds grouped by ``groups`` if given).

    Returns ``(best_params, results)`` where ``results`` has one row per grid
    point (``params`` as a dict, ``mean_auc``, ``std_auc``, ``rank``). Families
    without a grid return ``({}, empty frame)``.
    """
    grid = dict(specs[name].param_grid)
    columns = ["params", "mean_auc", "std_auc", "rank"]
    if not grid:
        return {}, pd.DataFrame(columns=columns)
    search = GridSearchCV(
        make_estimator(name, random_state=random_state, specs=specs),
        grid,
        scoring="roc_auc",
        cv=inner_cv(cv_folds, random_state, groups),
        n_jobs=n_jobs,
        refit=False,
    )
    search.fit(X, np.asarray(y).ravel().astype(int), groups=None if groups is None else np.asarray(groups))
    res = search.cv_results_
    results = pd.DataFrame(
        {"params": res["params"], "mean_auc": res["mean_test_score"], "std_auc": res["std_test_score"],
         "rank": res["rank_test_score"]}
    )
    return dict(search.best_params_), results
