"""The PD model families and their small hyper-parameter grids.

* ``logistic``      – the seed papers' model: :class:`~sme_credit.modeling.logistic.LogisticPD`
                      on the stepwise-screened features, reported with SPSS-style tables (the
                      paper-replication model; the stepwise step keeps few features);
* ``regularised_logistic`` – L2 logistic regression on every preprocessed feature, strength chosen
                      by inner CV (the penalty, not a p-value walk, decides what counts);
* ``random_forest`` – scikit-learn random forest on all (preprocessed) features;
* ``gradient_boosting`` – histogram gradient boosting on the raw numbers with their missing values
                      (native NaN handling), early stopping, optional monotonic constraints;
* ``woe_scorecard`` – optbinning WoE binning + logistic regression, scaled to points
                      (:mod:`.woe`): the scorecard table a bank's committee signs off;
* ``naive_bayes``   – Gaussian naive Bayes on screened features;
* ``svm``           – RBF support vector machine on screened features, fitted on at most 3,000
                      rows; it has no native probabilities, so it is always calibrated.

Each spec says which inputs its family reads (``inputs``): ``screened`` (after the paper's
screening), ``design`` (winsorised, scaled, imputed with missing indicators, one-hot),
``tree`` (the numbers as they are, NaN kept; one-hot categories) or ``raw`` (the cleaned raw
columns; the scorecard bins them itself). Grids are listed simplest-first: GridSearchCV keeps the
first of tied candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from .folds import inner_cv
from .logistic import LogisticPD, RegularisedLogisticPD
from .woe import WoEScorecard

MODEL_NAMES: tuple[str, ...] = ("logistic", "regularised_logistic", "random_forest", "gradient_boosting",
                                "woe_scorecard", "naive_bayes", "svm")
INPUTS = ("screened", "design", "tree", "raw")


@dataclass(frozen=True)
class ModelSpec:
    """How one model family is built, tuned and calibrated.

    complexity: rank used by the champion rule's last tie-break (lower = simpler).
    calibration_strategy: ``"cv"`` (CalibratedClassifierCV, 3 inner folds) or ``"oob"``
        (out-of-bag scores, bagging ensembles only).
    """

    name: str
    inputs: str
    param_grid: Mapping[str, Sequence] = field(default_factory=dict)
    calibration_candidates: tuple[str, ...] = ("none", "sigmoid", "isotonic")
    complexity: int = 0
    fixed_params: Mapping[str, object] = field(default_factory=dict)
    calibration_strategy: str = "cv"

    def __post_init__(self) -> None:
        if self.inputs not in INPUTS:
            raise ValueError(f"{self.name}: inputs must be one of {INPUTS}, got {self.inputs!r}")

    @property
    def uses_screening(self) -> bool:
        return self.inputs == "screened"


DEFAULT_SPECS: dict[str, ModelSpec] = {
    # Logistic stays uncalibrated on purpose: its coefficient table must reproduce
    # the deployed PD exactly, and ML logistic fits are calibrated-in-the-large anyway.
    "logistic": ModelSpec("logistic", inputs="screened", calibration_candidates=("none",), complexity=0),
    "regularised_logistic": ModelSpec(
        "regularised_logistic", inputs="design", calibration_candidates=("none",), complexity=1,
        # strongest penalty first (simplest): C = 1 / lambda of the L2 penalty on the standardised design
        param_grid={"C": [0.01, 0.03, 0.1, 0.3, 1.0]},
    ),
    "woe_scorecard": ModelSpec(
        "woe_scorecard", inputs="raw", calibration_candidates=("none",), complexity=2,
        # the demo panel picked the grid's edge, 0.03, until 0.01 was added (tuning AUC 0.780 against
        # 0.774; CV 0.793 against 0.790); 0.003 never won
        param_grid={"C": [0.01, 0.03, 0.3]},
    ),
    "naive_bayes": ModelSpec("naive_bayes", inputs="screened", complexity=3),
    "random_forest": ModelSpec(
        "random_forest",
        inputs="design",
        # larger leaves first (simpler). Measured on the 123 CUMCM firms (uncalibrated, 5x5 CV):
        # leaf 1 0.869, 3 0.877, 10 0.883; full trees (leaf 1) also calibrate worst on out-of-bag scores
        param_grid={"min_samples_leaf": [10, 3]},
        complexity=4,
        # each tree sees at most 2,000 bootstrap rows: large panels cost like small ones; 300
        # trees keep the averaged PD stable on 100-row samples (100 trees lost 0.01-0.03 AUC there)
        fixed_params={"n_estimators": 150, "max_features": "sqrt", "max_bootstrap_rows": 2000},
        calibration_strategy="oob",  # one forest fit instead of four per calibration
    ),
    "gradient_boosting": ModelSpec(
        "gradient_boosting",
        inputs="tree",
        # boosting minimises log loss and stops early on held-out log loss, so its PDs come
        # calibrated: no recalibration (on the demo tasks it won the CV Brier anyway, and the
        # three inner refits per fold it would need were most of the family's time)
        calibration_candidates=("none",),
        # 15 leaves per tree never won the grid search (demo panel and loans: 7 by 0.003-0.02 AUC;
        # CUMCM: tied), so the trees keep 7 leaves and only the leaf size is searched
        param_grid={"min_samples_leaf": [40, 10]},
        complexity=5,
        # shrinkage, a leaf-size floor and early stopping on a seeded, stratified 15% of the
        # training rows (the same split on every rebuild)
        # at most 150 trees: with 500 the 10,000-row panel never stopped early and its PDs spread
        # too much (CV calibration slope 0.69, out-of-time mean PD 23% below the default rate)
        fixed_params={"learning_rate": 0.05, "max_iter": 150, "max_leaf_nodes": 7, "l2_regularization": 1.0,
                      "early_stopping": True,
                      "validation_fraction": 0.15, "n_iter_no_change": 20},
    ),
    "svm": ModelSpec(
        "svm",
        inputs="screened",
        param_grid={"C": [0.1, 1.0, 10.0]},
        calibration_candidates=("sigmoid", "isotonic"),
        complexity=6,
        fixed_params={"kernel": "rbf", "gamma": "scale", "max_train_rows": 3000},
    ),
}


class PDRandomForest(RandomForestClassifier):
    """Random forest whose trees draw at most ``max_bootstrap_rows`` bootstrap rows each.

    On a 10,000-row panel full-size bootstraps made the forest the slowest family; a cap keeps
    each tree's cost fixed while 500 trees still see every row many times over.
    """

    def __init__(self, n_estimators=300, *, min_samples_leaf=1, max_features="sqrt", max_bootstrap_rows=2000,
                 oob_score=False, n_jobs=1, random_state=None):
        super().__init__(n_estimators=n_estimators, min_samples_leaf=min_samples_leaf, max_features=max_features,
                         oob_score=oob_score, n_jobs=n_jobs, random_state=random_state)
        self.max_bootstrap_rows = max_bootstrap_rows

    def fit(self, X, y, sample_weight=None):
        n = len(y)
        self.max_samples = (None if not self.max_bootstrap_rows or n <= self.max_bootstrap_rows
                            else self.max_bootstrap_rows / n)
        return super().fit(X, y, sample_weight=sample_weight)


class SerialHistGradientBoosting(HistGradientBoostingClassifier):
    """Histogram gradient boosting on one OpenMP thread: identical trees on every rebuild.

    With several threads the histogram sums are added in a varying order, ties between splits
    break differently, and a rebuild gave other PDs. The CV folds run in parallel processes, so
    the single thread costs little."""

    def fit(self, X, y, sample_weight=None):
        # monotonic constraints come as {raw feature: +1/-1} for every catalogued feature: keep the
        # ones this design has (the fold's columns), restore the parameter afterwards
        constraints = self.monotonic_cst
        if isinstance(constraints, dict) and hasattr(X, "columns"):
            self.monotonic_cst = {c: s for c, s in constraints.items() if c in set(X.columns)} or None
        try:
            with threadpool_limits(limits=1, user_api="openmp"):
                return super().fit(X, y, sample_weight=sample_weight)
        finally:
            self.monotonic_cst = constraints

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
    if name == "regularised_logistic":
        return RegularisedLogisticPD(**params)
    if name == "woe_scorecard":
        return WoEScorecard(**params)
    if name == "random_forest":
        # n_jobs=1: parallelism is spent on CV folds, not trees (2-core budget)
        return PDRandomForest(random_state=random_state, n_jobs=1, **params)
    if name == "naive_bayes":
        return GaussianNB(**params)
    if name == "gradient_boosting":
        return SerialHistGradientBoosting(random_state=random_state, **params)
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
    estimator = make_estimator(name, random_state=random_state, specs=specs)
    y = np.asarray(y).ravel().astype(int)
    cv = inner_cv(cv_folds, random_state, groups)
    groups = None if groups is None else np.asarray(groups)
    if hasattr(estimator, "fit_path") and list(grid) == ["C"]:
        return _path_search(estimator, list(grid["C"]), X, y, cv, groups, n_jobs)
    search = GridSearchCV(estimator, grid, scoring="roc_auc", cv=cv, n_jobs=n_jobs, refit=False)
    search.fit(X, y, groups=groups)
    res = search.cv_results_
    results = pd.DataFrame(
        {"params": res["params"], "mean_auc": res["mean_test_score"], "std_auc": res["std_test_score"],
         "rank": res["rank_test_score"]}
    )
    return dict(search.best_params_), results


def _path_search(estimator, Cs: list, X: pd.DataFrame, y: np.ndarray, cv, groups, n_jobs: int
                 ) -> tuple[dict, pd.DataFrame]:
    """GridSearchCV over ``C`` alone, through ``estimator.fit_path`` (one fit per fold for all C).

    Same folds, AUC, mean, std and ranking as GridSearchCV (first of tied candidates wins).
    """
    splits = list(cv.split(X, y, groups))

    def fold_aucs(train, test):
        path = clone(estimator).fit_path(X.iloc[train], y[train], Cs)
        return [roc_auc_score(y[test], fitted.decision_function(X.iloc[test])) for fitted in path]

    scores = np.array(Parallel(n_jobs=n_jobs)(delayed(fold_aucs)(train, test) for train, test in splits))
    mean, std = scores.mean(axis=0), scores.std(axis=0)
    rank = rankdata(-mean, method="min").astype(int)
    results = pd.DataFrame({"params": [{"C": c} for c in Cs], "mean_auc": mean, "std_auc": std, "rank": rank})
    return {"C": Cs[int(np.argmax(rank == 1))]}, results
