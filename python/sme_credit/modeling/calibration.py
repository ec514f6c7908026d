"""Probability calibration (Platt / isotonic) built on ``CalibratedClassifierCV``.

Two strategies, fixed per model family in :mod:`.estimators`:

* ``"cv"`` (naive Bayes, SVM): ``CalibratedClassifierCV(base, method, cv=3-fold,
  ensemble=False)`` - the base model refitted on all data plus a calibrator
  learnt on its cross-validated scores.
* ``"oob"`` (random forest): :class:`OOBCalibratedClassifier` - the calibrator is
  learnt on the forest's out-of-bag probabilities, which are honest held-out
  scores that come free with one fit. The ``"cv"`` strategy would need four
  forest fits instead of one, which on the 2-core budget dominated the run
  time.

In both cases the sigmoid/isotonic map itself is fitted by
``CalibratedClassifierCV`` on a frozen pass-through of the calibration scores,
so Platt/isotonic behave exactly as in scikit-learn.

To choose the method per model by cross-validated Brier score without one base
fit per method, :func:`calibration_variants` reproduces exactly what the
deployed calibrated estimator computes while sharing the base fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import StratifiedKFold, cross_val_predict

CALIBRATION_METHODS: tuple[str, ...] = ("none", "sigmoid", "isotonic")


def inner_cv(random_state: int, folds: int = 3) -> StratifiedKFold:
    """Splitter used for calibration everywhere (same seed -> same splits)."""
    return StratifiedKFold(folds, shuffle=True, random_state=random_state)


def with_calibration(estimator: BaseEstimator, method: str, *, random_state: int, folds: int = 3,
                     strategy: str = "cv") -> BaseEstimator:
    """Unfitted estimator wrapped for ``method`` (``"none"`` returns a clone)."""
    if method not in CALIBRATION_METHODS:
        raise ValueError(f"unknown calibration method {method!r}")
    if method == "none":
        return clone(estimator)
    if strategy == "oob":
        return OOBCalibratedClassifier(clone(estimator), method=method)
    if strategy != "cv":
        raise ValueError(f"unknown calibration strategy {strategy!r}")
    return CalibratedClassifierCV(clone(estimator), method=method, cv=inner_cv(random_state, folds), ensemble=False)


class _ProbaScores(ClassifierMixin, BaseEstimator):
    """Pass-through 'classifier' whose positive-class probability is column 0 of X."""

    def fit(self, X, y=None):  # noqa: N803
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):  # noqa: N803
        s = np.asarray(X, dtype=float)[:, 0]
        return np.column_stack([1 - s, s])

    def predict(self, X):  # noqa: N803 - required by cross_val_predict's validation
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


class _DecisionScores(_ProbaScores):
    """Pass-through whose decision function is column 0 of X (for SVM-like models)."""

    def decision_function(self, X):  # noqa: N803
        return np.asarray(X, dtype=float)[:, 0]


def _response_method(estimator: BaseEstimator) -> str:
    # same preference order as CalibratedClassifierCV
    return "decision_function" if hasattr(estimator, "decision_function") else "predict_proba"


def _positive_scores(estimator: BaseEstimator, X, method: str) -> np.ndarray:
    out = getattr(estimator, method)(X)
    return out[:, 1] if method == "predict_proba" else out


def _score_calibrator(scores: np.ndarray, y: np.ndarray, method: str, response: str) -> CalibratedClassifierCV:
    """Platt/isotonic map from 1-D scores to PD, fitted by CalibratedClassifierCV itself."""
    passthrough = (_DecisionScores() if response == "decision_function" else _ProbaScores()).fit(None)
    return CalibratedClassifierCV(FrozenEstimator(passthrough), method=method).fit(scores.reshape(-1, 1), y)


class OOBCalibratedClassifier(ClassifierMixin, BaseEstimator):
    """Bagging ensemble (random forest) calibrated on its out-of-bag probabilities.

    ``fit`` trains ``estimator`` with ``oob_score=True`` and learns the
    sigmoid/isotonic map on ``oob_decision_function_`` (rows that were never
    out of bag are skipped); ``predict_proba`` maps the full ensemble's
    probability through it.
    """

    def __init__(self, estimator: BaseEstimator | None = None, method: str = "sigmoid") -> None:
        self.estimator = estimator
        self.method = method

    def fit(self, X, y) -> "OOBCalibratedClassifier":  # noqa: N803
        y = np.asarray(y).ravel().astype(int)
        self.estimator_ = clone(self.estimator).set_params(oob_score=True).fit(X, y)
        oob = self.estimator_.oob_decision_function_[:, 1]
        seen = np.isfinite(oob)
        self.calibrator_ = _score_calibrator(oob[seen], y[seen], self.method, "predict_proba")
        self.classes_ = self.estimator_.classes_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def predict_proba(self, X) -> np.ndarray:  # noqa: N803
        scores = self.estimator_.predict_proba(X)[:, 1]
        return self.calibrator_.predict_proba(scores.reshape(-1, 1))

    def predict(self, X) -> np.ndarray:  # noqa: N803
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def calibration_variants(
    estimator: BaseEstimator,
    X_train,
    y_train,
    X_test,
    methods: Iterable[str],
    *,
    random_state: int,
    folds: int = 3,
    strategy: str = "cv",
) -> tuple[dict[str, np.ndarray], BaseEstimator]:
    """Test-set PD for each calibration method, plus the uncalibrated fitted base model.

    For every method the result equals
    ``with_calibration(estimator, m, random_state=random_state, folds=folds, strategy=strategy)
    .fit(X_train, y_train).predict_proba(X_test)[:, 1]``.
    """
    methods = list(methods)
    y_train = np.asarray(y_train).ravel().astype(int)
    to_calibrate = [m for m in methods if m != "none"]
    if strategy == "oob" and to_calibrate:
        base = clone(estimator).set_params(oob_score=True).fit(X_train, y_train)
    else:
        base = clone(estimator).fit(X_train, y_train)
    out: dict[str, np.ndarray] = {}
    if "none" in methods:
        if not hasattr(base, "predict_proba"):
            raise ValueError(f"{type(base).__name__} has no predict_proba: calibrate it")
        out["none"] = base.predict_proba(X_test)[:, 1]
    if not to_calibrate:
        return out, base
    if strategy == "oob":
        response = "predict_proba"
        cal_scores = base.oob_decision_function_[:, 1]
        seen = np.isfinite(cal_scores)
        cal_scores, cal_y = cal_scores[seen], y_train[seen]
    else:
        response = _response_method(base)
        cal_scores = cross_val_predict(clone(estimator), X_train, y_train, cv=inner_cv(random_state, folds),
                                       method=response)
        if response == "predict_proba":
            cal_scores = cal_scores[:, 1]
        cal_y = y_train
    test_scores = _positive_scores(base, X_test, response)
    for method in to_calibrate:
        calibrator = _score_calibrator(cal_scores, cal_y, method, response)
        out[method] = calibrator.predict_proba(test_scores.reshape(-1, 1))[:, 1]
    return out, base


def choose_calibration(cv_brier: Mapping[str, float], *, tolerance: float = 0.005) -> str:
    """Pick the calibration method from mean CV Brier scores, preferring the simpler ones.

    Preference order ``none`` < ``sigmoid`` < ``isotonic``: the first method whose
    Brier is within ``tolerance`` (relative) of the best wins. Isotonic maps are
    step functions that put PD = 0 or 1 on whole score ranges and overfit small
    calibration sets, so they are taken only when clearly better.
    """
    finite = {m: b for m, b in cv_brier.items() if np.isfinite(b)}
    if not finite:
        return next(iter(cv_brier))
    limit = min(finite.values()) * (1.0 + tolerance)
    for method in CALIBRATION_METHODS:
        if method in finite and finite[method] <= limit:
            return method
    return min(finite, key=finite.get)


def base_estimator(fitted: BaseEstimator) -> BaseEstimator:
    """The underlying fitted model of a (possibly) calibrated estimator."""
    if isinstance(fitted, CalibratedClassifierCV):
        return fitted.calibrated_classifiers_[0].estimator
    if isinstance(fitted, OOBCalibratedClassifier):
        return fitted.estimator_
    return fitted
