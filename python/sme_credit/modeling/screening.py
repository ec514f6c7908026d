"""Feature screening for the PD models, as in the seed papers.

Steps (each also available as a plain function returning a DataFrame):

1. ``degenerate``       – zero-variance / non-finite design columns are dropped with a reason;
2. ``univariate_logit`` – one logistic regression per feature: B, S.E., Wald, df, Sig., Exp(B);
3. ``group_test``       – Lilliefors-KS normality per label group, then Student/Welch t-test
                          (Levene decides) or Mann–Whitney U;
   a feature passes the *gate* of steps 2–3 (default: univariate Sig. < 0.20);
4. ``correlation``      – of any pair with |r| above a threshold, the feature with the weaker
                          univariate Wald statistic is dropped;
5. ``pca`` (optional)   – KMO and Bartlett's sphericity test; if adequate, continuous features
                          are replaced by the principal components with eigenvalue > 1;
6. ``vif``              – iteratively drop the feature with the largest VIF above a threshold;
7. ``stepwise``         – forward–backward logistic selection on p-values (score test to enter,
                          Wald to remove, SPSS "forward conditional" style) or on AIC.

:class:`FeatureScreener` chains them as a scikit-learn transformer so that the
whole screening is refitted inside every cross-validation fold.

The plain statistical functions live in :mod:`.screening_tests`, the stepwise selection in
:mod:`.stepwise`; both are re-exported here. This module holds :class:`ScreeningConfig`, the
screener steps (each returning the kept columns and its report rows) and :class:`FeatureScreener`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .logistic import fit_logit
from .screening_tests import (
    ALL_FEATURES,
    REPORT_COLUMNS,
    bartlett_sphericity,
    correlation_filter,
    degenerate_design_columns,
    group_difference_tests,
    kmo,
    pca_screen,
    report_rows,
    univariate_logit_table,
    vif_filter,
    vif_table,
)
from .stepwise import stepwise_selection

__all__ = [
    "ALL_FEATURES",
    "REPORT_COLUMNS",
    "FeatureScreener",
    "ScreeningConfig",
    "bartlett_sphericity",
    "correlation_filter",
    "degenerate_design_columns",
    "group_difference_tests",
    "kmo",
    "pca_screen",
    "report_rows",
    "stepwise_selection",
    "univariate_logit_table",
    "vif_filter",
    "vif_table",
]


@dataclass(frozen=True)
class ScreeningConfig:
    """Thresholds of the screening steps (defaults follow common scorecard practice).

    gate: which univariate evidence a feature needs to go on —
        ``"logit"`` (univariate Sig. < ``univariate_p``, paper 002 uses 0.2),
        ``"group_test"`` (t / Mann–Whitney p < ``group_alpha``, paper 004),
        ``"both"``, ``"either"`` or ``"none"``.
    stepwise: ``"pvalue"``, ``"aic"`` or ``None`` (skip).
    min_events_per_variable: stepwise stops adding features once
        ``n_selected >= n_minority_class / min_events_per_variable``.
    """

    gate: Literal["logit", "group_test", "both", "either", "none"] = "logit"
    univariate_p: float = 0.20
    group_alpha: float = 0.05
    normality_alpha: float = 0.05
    corr_threshold: float = 0.80
    vif_threshold: float = 10.0
    pca: bool = False
    kmo_min: float = 0.60
    bartlett_alpha: float = 0.05
    stepwise: Literal["pvalue", "aic"] | None = "pvalue"
    p_enter: float = 0.05
    p_remove: float = 0.10
    min_events_per_variable: float = 10.0
    max_stepwise_iter: int = 100
    l2_lambda: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- helpers


def _report(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    frame["selected"] = frame["selected"].astype(bool)
    return frame


# --------------------------------------------------------------------------- screener steps


def _strongest(uni: pd.DataFrame, columns: list[str]) -> str:
    """Column with the largest univariate Wald statistic."""
    return str(uni.loc[columns, "wald"].fillna(-np.inf).idxmax())


def _degenerate_step(X: pd.DataFrame) -> tuple[list[str], list[dict]]:
    degenerate = degenerate_design_columns(X)
    rows: list[dict] = []
    for rec in degenerate.itertuples(index=False):
        rows += report_rows("degenerate", rec.feature, {"std": rec.std}, False, f"dropped: {rec.reason}")
    alive = [c for c in X.columns if c not in set(degenerate["feature"])]
    if not alive:
        raise ValueError("no feature with variation left to screen")
    return alive, rows


def _univariate_step(X: pd.DataFrame, y: np.ndarray, cfg: ScreeningConfig, full_report: bool
                     ) -> tuple[pd.DataFrame, list[str], list[dict]]:
    """Univariate logit + group tests, then the gate; returns the univariate table and survivors."""
    cols = list(X.columns)
    uni = univariate_logit_table(X, y, l2_lambda=cfg.l2_lambda).set_index("feature")
    if full_report or cfg.gate != "logit":
        groups = group_difference_tests(X, y, normality_alpha=cfg.normality_alpha).set_index("feature")
    else:
        groups = None
    pass_logit = uni["sig"].lt(cfg.univariate_p)
    pass_group = groups["p_value"].lt(cfg.group_alpha) if groups is not None else pass_logit & False
    passed = {"logit": pass_logit, "group_test": pass_group, "both": pass_logit & pass_group,
              "either": pass_logit | pass_group, "none": pass_logit | True}[cfg.gate].copy()
    gate_note = dict.fromkeys(cols, "")
    if not passed.any():
        best = _strongest(uni, cols)
        passed[best] = True
        gate_note[best] = "kept: strongest univariate feature (none passed the gate)"
    rows: list[dict] = []
    for col in cols:
        u = uni.loc[col]
        note = "; ".join(x for x in (u["note"], gate_note[col]) if x) or f"gate={cfg.gate}"
        rows += report_rows("univariate_logit", col, {"b": u["b"], "se": u["se"], "wald": u["wald"], "df": 1,
                                                      "sig": u["sig"], "exp_b": u["exp_b"]}, passed[col], note)
        if groups is not None:
            g = groups.loc[col]
            rows += report_rows("group_test", col, {"ks_p_good": g["ks_p_good"], "ks_p_bad": g["ks_p_bad"],
                                                    "levene_p": g["levene_p"], "statistic": g["statistic"],
                                                    "p_value": g["p_value"]}, bool(pass_group[col]), g["test"])
    return uni, [c for c in cols if passed[c]], rows


def _correlation_step(X: pd.DataFrame, uni: pd.DataFrame, cfg: ScreeningConfig) -> tuple[list[str], list[dict]]:
    kept, table = correlation_filter(X, uni["wald"], cfg.corr_threshold)
    rows: list[dict] = []
    for rec in table.itertuples(index=False):
        note = f"dropped: |r| > {cfg.corr_threshold} with {rec.partner} (stronger)" if rec.dropped else ""
        rows += report_rows("correlation", rec.feature, {"max_abs_r": rec.max_abs_r}, not rec.dropped, note)
    return kept, rows


def _vif_step(X: pd.DataFrame, cfg: ScreeningConfig) -> tuple[list[str], list[dict]]:
    kept, table = vif_filter(X, cfg.vif_threshold)
    rows: list[dict] = []
    for rec in table.itertuples(index=False):
        note = f"dropped: VIF > {cfg.vif_threshold}" if rec.dropped else ""
        rows += report_rows("vif", rec.feature, {"vif": rec.vif, "tolerance": rec.tolerance}, not rec.dropped, note)
    return kept, rows


def _stepwise_step(X: pd.DataFrame, y: np.ndarray, uni: pd.DataFrame, cfg: ScreeningConfig
                   ) -> tuple[list[str], list[dict]]:
    """Stepwise selection with the events-per-variable cap; never returns an empty selection."""
    current = list(X.columns)
    if not current:
        return current, []
    n_minority = int(min(y.sum(), len(y) - y.sum()))
    max_features = max(1, int(n_minority // cfg.min_events_per_variable))
    selected, history = stepwise_selection(X, y, criterion=cfg.stepwise, p_enter=cfg.p_enter,
                                           p_remove=cfg.p_remove, max_features=max_features,
                                           max_iter=cfg.max_stepwise_iter, l2_lambda=cfg.l2_lambda)
    fallback_note = ""
    if not selected:
        known = [c for c in current if c in uni.index]
        selected = [_strongest(uni, known)] if known else current[:1]
        fallback_note = "kept: strongest univariate feature (stepwise selected none)"
    final_fit = fit_logit(X[selected], y, l2_lambda=cfg.l2_lambda)
    rows: list[dict] = []
    for rec in history.itertuples(index=False):
        rows += report_rows("stepwise", rec.feature, {f"{rec.action}_{rec.statistic}": rec.value},
                            rec.feature in selected, f"{rec.action} at iteration {rec.iteration}")
    moved = set(history["feature"])
    for col in current:
        if col in selected:
            rows += report_rows("stepwise", col, {"final_wald_p": final_fit.pvalue(col)}, True, fallback_note)
        elif col not in moved:
            rows += report_rows("stepwise", col, {"entered": 0.0}, False, "never entered")
    return selected, rows


# --------------------------------------------------------------------------- transformer


class FeatureScreener(TransformerMixin, BaseEstimator):
    """All screening steps as one transformer on the (numeric) design matrix.

    After ``fit``: ``selected_features_`` (output columns, possibly ``pc1..``),
    ``report_`` (long frame ``step, feature, metric, value, selected, note``)
    and ``pca_`` (fitted PCA step or None). At least one feature is always kept
    (the strongest univariate one) so downstream models never see an empty matrix.
    """

    def __init__(self, config: ScreeningConfig | None = None, random_state: int = 0, full_report: bool = True) -> None:
        self.config = config
        self.random_state = random_state
        # full_report=False skips purely informational statistics (group tests when the
        # gate does not use them): CV folds only need the selection, not the report
        self.full_report = full_report

    def fit(self, X, y) -> "FeatureScreener":  # noqa: N803
        cfg = self.config or ScreeningConfig()
        X = self._frame(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        y_arr = np.asarray(y).ravel().astype(int)

        alive, rows = _degenerate_step(X)
        uni, current, step_rows = _univariate_step(X[alive], y_arr, cfg, self.full_report)
        rows += step_rows
        current, step_rows = _correlation_step(X[current], uni, cfg)
        rows += step_rows
        work, self.pca_ = X[current], None
        if cfg.pca:
            self.pca_, step_rows = pca_screen(work, kmo_min=cfg.kmo_min, bartlett_alpha=cfg.bartlett_alpha,
                                              random_state=self.random_state)
            rows += step_rows
            if self.pca_ is not None:
                work = pd.concat([work.drop(columns=self.pca_.columns), self.pca_.transform(work)], axis=1)
        current, step_rows = _vif_step(work, cfg)
        rows += step_rows
        if cfg.stepwise is not None:
            current, step_rows = _stepwise_step(work[current], y_arr, uni, cfg)
            rows += step_rows

        self.selected_features_ = list(current)
        for col in list(X.columns) + [c for c in current if c not in set(X.columns)]:
            note = "principal component" if col not in set(X.columns) else ""
            rows += report_rows("final", col, {"selected": float(col in current)}, col in current, note)
        self.report_ = _report(rows)
        return self

    def transform(self, X) -> pd.DataFrame:  # noqa: N803
        check_is_fitted(self, "selected_features_")
        X = self._frame(X)
        if self.pca_ is not None:
            X = pd.concat([X, self.pca_.transform(X)], axis=1)
        return X.loc[:, self.selected_features_]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "selected_features_")
        return np.asarray(self.selected_features_, dtype=object)

    @staticmethod
    def _frame(X) -> pd.DataFrame:  # noqa: N803
        if isinstance(X, pd.DataFrame):
            return X
        arr = np.asarray(X, dtype=float)
        return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
