"""Probability calibration (Platt / isotonic) via ``CalibratedClassifierCV``.

The deployed calibrated model is ``CalibratedClassifierCV(base, method, cv=3-fold,
ensemble=False)``: the base model refitted on all data plus a calibrator learnt
on its cross-validated predictions.

To choose the method per model by cross-validated Brier score without fitting
the base model once per method, :func:`calibration_variants` reproduces exactly
what ``CalibratedClassifierCV(ensemble=False)`` computes, sharing the base fits:
one ``cross_val_predict`` for the calibration scores, one full fit, and each
calibrator is then fitted by ``CalibratedClassifierCV`` itself on a frozen
pass-through of those scores.
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


def with_calibration(estimator: BaseEstimator, method: str, *, random_state: int, folds: int = 3) -> BaseEstimator:
    """Unfitted estimator wrapped for ``method`` (``"none"`` returns a clone)."""
    if method not in CALIBRATION_METHODS:
        raise ValueError(f"unknown calibration method {method!r}")
    if method == "none":
        return clone(estimator)
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


def calibration_variants(
    estimator: BaseEstimator,
    X_train,
    y_train,
    X_test,
    methods: Iterable[str],
    *,
    random_state: int,
    folds: int = 3,
) -> tuple[dict[str, np.ndarray], BaseEstimator]:
    """Test-set PD for each calibration method, plus the uncalibrated fitted base model.

    For ``"sigmoid"``/``"isotonic"`` the result equals
    ``with_calibration(estimator, m, random_state=random_state, folds=folds)
    .fit(X_train, y_train).predict_proba(X_test)[:, 1]``.
    """
    methods = list(methods)
    y_train = np.asarray(y_train).ravel().astype(int)
    base = clone(estimator).fit(X_train, y_train)
    out: dict[str, np.ndarray] = {}
    if "none" in methods:
        if not hasattr(base, "predict_proba"):
            raise ValueError(f"{type(base).__name__} has no predict_proba: calibrate it")
        out["none"] = base.predict_proba(X_test)[:, 1]
    to_calibrate = [m for m in methods if m != "none"]
    if to_calibrate:
        response = _response_method(base)
        cal_scores = cross_val_predict(clone(estimator), X_train, y_train, cv=inner_cv(random_state, folds),
                                       method=response)
        if response == "predict_proba":
            cal_scores = cal_scores[:, 1]
        test_scores = _positive_scores(base, X_test, response)
        passthrough = (_DecisionScores() if response == "decision_function" else _ProbaScores()).fit(None)
        for method in to_calibrate:
            calibrator = CalibratedClassifierCV(FrozenEstimator(passthrough), method=method)
            calibrator.fit(cal_scores.reshape(-1, 1), y_train)
            out[method] = calibrator.predict_proba(test_scores.reshape(-1, 1))[:, 1]
    return out, base


def choose_calibration(cv_brier: Mapping[str, float], *, tolerance: float = 1e-4) -> str:
    """Lowest mean CV Brier wins; ``"none"`` is kept unless beaten by more than ``tolerance``.

    Among calibrated methods a near-tie prefers Platt (two parameters) over isotonic.
    """
    finite = {m: b for m, b in cv_brier.items() if np.isfinite(b)}
    if not finite:
        return next(iter(cv_brier))
    best = min(finite.values())
    for method in ("none", "sigmoid", "isotonic"):
        if method in finite and finite[method] <= best + (tolerance if method != "isotonic" else 0.0):
            return method
    return min(finite, key=finite.get)


def base_estimator(fitted: BaseEstimator) -> BaseEstimator:
    """The underlying fitted model of a (possibly) calibrated estimator."""
    if isinstance(fitted, CalibratedClassifierCV):
        return fitted.calibrated_classifiers_[0].estimator
    return fitted
