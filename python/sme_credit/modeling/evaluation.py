"""Discrimination, accuracy and calibration metrics for PD predictions.

Conventions: ``y = 1`` is a default (a "bad"), ``p`` is the predicted PD, and a
borrower is *classified as a defaulter* when ``p >= cutoff``.

* type I error  = defaulters classified as good  / defaulters   (FN / (FN + TP))
* type II error = goods classified as defaulters / goods        (FP / (FP + TN))

(the banking convention of the seed papers: a type I error lends to a bad).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from sklearn.metrics import brier_score_loss, confusion_matrix, log_loss, roc_auc_score, roc_curve

DEFAULT_CUTOFFS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.5)
PD_CLIP = 1e-12


def _as_arrays(y, p) -> tuple[np.ndarray, np.ndarray]:
    y_arr = np.asarray(y, dtype=float).ravel()
    p_arr = np.asarray(p, dtype=float).ravel()
    if y_arr.shape != p_arr.shape:
        raise ValueError("y and p must have the same length")
    return y_arr, p_arr


def _both_classes(y: np.ndarray) -> bool:
    return bool(np.any(y == 1) and np.any(y == 0))


def auc(y, p) -> float:
    """Area under the ROC curve (NaN when only one class is present)."""
    y_arr, p_arr = _as_arrays(y, p)
    return float(roc_auc_score(y_arr, p_arr)) if _both_classes(y_arr) else float("nan")


def gini(y, p) -> float:
    """Accuracy ratio / Gini coefficient: ``2 * AUC - 1``."""
    return 2.0 * auc(y, p) - 1.0


def ks_statistic(y, p) -> float:
    """Kolmogorov–Smirnov separation: ``max |F_bad(s) - F_good(s)|`` over score thresholds.

    Equals ``max(TPR - FPR)`` along the ROC curve.
    """
    y_arr, p_arr = _as_arrays(y, p)
    if not _both_classes(y_arr):
        return float("nan")
    fpr, tpr, _ = roc_curve(y_arr, p_arr)
    return float(np.max(np.abs(tpr - fpr)))


def brier(y, p) -> float:
    """Mean squared error of the PD against the 0/1 outcome."""
    y_arr, p_arr = _as_arrays(y, p)
    return float(brier_score_loss(y_arr, p_arr))


def binary_log_loss(y, p) -> float:
    """Mean negative Bernoulli log-likelihood (PD clipped away from 0 and 1)."""
    y_arr, p_arr = _as_arrays(y, p)
    return float(log_loss(y_arr, np.clip(p_arr, PD_CLIP, 1 - PD_CLIP), labels=[0, 1]))


@dataclass(frozen=True)
class CutoffResult:
    """Confusion matrix and error rates at one cut-off."""

    cutoff: float
    tn: int
    fp: int
    fn: int
    tp: int

    @property
    def accuracy(self) -> float:
        return (self.tn + self.tp) / max(self.tn + self.fp + self.fn + self.tp, 1)

    @property
    def type_i_error(self) -> float:
        """Share of defaulters classified as good."""
        bad = self.fn + self.tp
        return self.fn / bad if bad else float("nan")

    @property
    def type_ii_error(self) -> float:
        """Share of goods classified as defaulters."""
        good = self.tn + self.fp
        return self.fp / good if good else float("nan")


def classify_at_cutoff(y, p, cutoff: float) -> CutoffResult:
    """Confusion matrix with ``p >= cutoff`` meaning 'predicted default'."""
    y_arr, p_arr = _as_arrays(y, p)
    pred = (p_arr >= cutoff).astype(int)
    tn, fp, fn, tp = confusion_matrix(y_arr.astype(int), pred, labels=[0, 1]).ravel()
    return CutoffResult(float(cutoff), int(tn), int(fp), int(fn), int(tp))


def calibration_intercept_slope(y, p) -> tuple[float, float]:
    """Cox calibration: logistic regression of the outcome on ``logit(p)``.

    A perfectly calibrated PD has intercept 0 and slope 1; slope < 1 means the
    PDs are too extreme (over-fit), slope > 1 too timid.
    """
    y_arr, p_arr = _as_arrays(y, p)
    if not _both_classes(y_arr):
        return float("nan"), float("nan")
    p_arr = np.clip(p_arr, 1e-8, 1 - 1e-8)
    lp = np.log(p_arr / (1 - p_arr))
    if np.ptp(lp) == 0:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.Logit(y_arr, sm.add_constant(lp, has_constant="add")).fit(disp=0, maxiter=100)
        except Exception:  # noqa: BLE001 - separation etc.: report as not estimable
            return float("nan"), float("nan")
    intercept, slope = fit.params
    return float(intercept), float(slope)


def calibration_by_decile(y, p, n_groups: int = 10) -> pd.DataFrame:
    """Expected (mean PD) vs observed default rate in PD-ranked groups.

    Rows are sorted by PD (stable) and split into ``n_groups`` groups of equal
    size (±1), so ties never produce empty groups. Columns:
    ``decile`` (1 = lowest PD), ``n``, ``mean_pd``, ``observed_rate``.
    """
    y_arr, p_arr = _as_arrays(y, p)
    groups = _rank_groups(p_arr, n_groups)
    frame = pd.DataFrame({"decile": groups + 1, "y": y_arr, "p": p_arr})
    out = frame.groupby("decile", sort=True).agg(n=("y", "size"), mean_pd=("p", "mean"), observed_rate=("y", "mean"))
    out = out.reset_index()
    out["n"] = out["n"].astype("int64")
    out["decile"] = out["decile"].astype("int64")
    return out


def _rank_groups(p: np.ndarray, n_groups: int) -> np.ndarray:
    """Group index 0..G-1 for each element by stable PD rank, equal-sized groups."""
    n = len(p)
    n_groups = max(1, min(n_groups, n))
    order = np.argsort(p, kind="stable")
    groups = np.empty(n, dtype=int)
    for g, idx in enumerate(np.array_split(order, n_groups)):
        groups[idx] = g
    return groups


@dataclass(frozen=True)
class HosmerLemeshow:
    """Hosmer–Lemeshow goodness-of-fit test result."""

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame


def hosmer_lemeshow(y, p, n_groups: int = 10) -> HosmerLemeshow:
    """Hosmer–Lemeshow test over ``n_groups`` equal-size groups of sorted PD.

    ``H = sum_g (O_g - E_g)^2 / (E_g (1 - E_g / n_g))`` with ``O_g`` observed
    defaults, ``E_g`` the sum of PDs, ``n_g`` the group size; ``df = G - 2``.
    """
    y_arr, p_arr = _as_arrays(y, p)
    groups = _rank_groups(p_arr, n_groups)
    frame = pd.DataFrame({"g": groups, "y": y_arr, "p": p_arr})
    table = frame.groupby("g", sort=True).agg(n=("y", "size"), observed=("y", "sum"), expected=("p", "sum"))
    n_g = table["n"].to_numpy(float)
    obs = table["observed"].to_numpy(float)
    exp = table["expected"].to_numpy(float)
    denom = exp * (1.0 - exp / n_g)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(denom > 0, (obs - exp) ** 2 / denom, 0.0)
    statistic = float(terms.sum())
    df = int(len(table) - 2)
    p_value = float(stats.chi2.sf(statistic, df)) if df > 0 else float("nan")
    return HosmerLemeshow(statistic, df, p_value, table.reset_index(drop=True))


def bernoulli_loglik(y, p) -> float:
    """Log-likelihood ``sum y ln p + (1 - y) ln(1 - p)`` (PD clipped)."""
    y_arr, p_arr = _as_arrays(y, p)
    p_arr = np.clip(p_arr, PD_CLIP, 1 - PD_CLIP)
    return float(np.sum(y_arr * np.log(p_arr) + (1 - y_arr) * np.log(1 - p_arr)))


def null_loglik(y) -> float:
    """Log-likelihood of the intercept-only model (PD = sample default rate)."""
    y_arr = np.asarray(y, dtype=float).ravel()
    rate = y_arr.mean()
    if rate in (0.0, 1.0):
        return 0.0
    return float(np.sum(y_arr * np.log(rate) + (1 - y_arr) * np.log(1 - rate)))


def cox_snell_r2(ll_model: float, ll_null: float, n: int) -> float:
    """Cox & Snell pseudo R²: ``1 - exp(2 (ll_null - ll_model) / n)``."""
    return float(1.0 - np.exp(2.0 * (ll_null - ll_model) / n))


def nagelkerke_r2(ll_model: float, ll_null: float, n: int) -> float:
    """Nagelkerke pseudo R²: Cox & Snell rescaled by its maximum ``1 - exp(2 ll_null / n)``."""
    max_r2 = 1.0 - np.exp(2.0 * ll_null / n)
    return float(cox_snell_r2(ll_model, ll_null, n) / max_r2) if max_r2 > 0 else float("nan")


def goodness_of_fit(y, p, n_groups: int = 10) -> dict[str, float]:
    """SPSS-style fit block: −2LL, Cox–Snell and Nagelkerke R², Hosmer–Lemeshow."""
    y_arr, p_arr = _as_arrays(y, p)
    ll = bernoulli_loglik(y_arr, p_arr)
    ll0 = null_loglik(y_arr)
    n = len(y_arr)
    hl = hosmer_lemeshow(y_arr, p_arr, n_groups)
    return {
        "minus_2_log_likelihood": -2.0 * ll,
        "cox_snell_r2": cox_snell_r2(ll, ll0, n),
        "nagelkerke_r2": nagelkerke_r2(ll, ll0, n),
        "hosmer_lemeshow_chi2": hl.statistic,
        "hosmer_lemeshow_df": float(hl.df),
        "hosmer_lemeshow_p": hl.p_value,
    }


def evaluate_predictions(y, p, cutoffs: Iterable[float] = DEFAULT_CUTOFFS) -> pd.DataFrame:
    """All metrics for one prediction vector as a long frame ``metric, cutoff, value``.

    Cut-off free metrics carry ``cutoff = NaN``; accuracy, type I/II errors and
    confusion cells (``confusion_tn/fp/fn/tp``) are given per cut-off.
    """
    y_arr, p_arr = _as_arrays(y, p)
    intercept, slope = calibration_intercept_slope(y_arr, p_arr)
    hl = hosmer_lemeshow(y_arr, p_arr)
    rows: list[tuple[str, float, float]] = [
        ("n", np.nan, float(len(y_arr))),
        ("n_defaults", np.nan, float(y_arr.sum())),
        ("default_rate", np.nan, float(y_arr.mean())),
        ("mean_pd", np.nan, float(p_arr.mean())),
        ("auc", np.nan, auc(y_arr, p_arr)),
        ("gini", np.nan, gini(y_arr, p_arr)),
        ("ks", np.nan, ks_statistic(y_arr, p_arr)),
        ("brier", np.nan, brier(y_arr, p_arr)),
        ("log_loss", np.nan, binary_log_loss(y_arr, p_arr)),
        ("calibration_intercept", np.nan, intercept),
        ("calibration_slope", np.nan, slope),
        ("hosmer_lemeshow_chi2", np.nan, hl.statistic),
        ("hosmer_lemeshow_p", np.nan, hl.p_value),
    ]
    for cutoff in _unique_cutoffs(cutoffs):
        res = classify_at_cutoff(y_arr, p_arr, cutoff)
        rows += [
            ("accuracy", cutoff, res.accuracy),
            ("type_i_error", cutoff, res.type_i_error),
            ("type_ii_error", cutoff, res.type_ii_error),
            ("confusion_tn", cutoff, float(res.tn)),
            ("confusion_fp", cutoff, float(res.fp)),
            ("confusion_fn", cutoff, float(res.fn)),
            ("confusion_tp", cutoff, float(res.tp)),
        ]
    return pd.DataFrame(rows, columns=["metric", "cutoff", "value"])


def _unique_cutoffs(cutoffs: Iterable[float]) -> list[float]:
    seen: list[float] = []
    for c in cutoffs:
        c = float(c)
        if not any(np.isclose(c, s) for s in seen):
            seen.append(c)
    return seen


def summarise_repeats(per_repeat: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Mean and sample std (ddof=1) across CV repeats of ``evaluate_predictions`` frames.

    Rows keep the order of the first frame; ``std`` is NaN with a single repeat.
    """
    keys = ["metric", "cutoff_key"]
    # NaN cut-offs would be dropped by groupby: key them by a sentinel
    stacked = pd.concat(per_repeat, ignore_index=True).assign(cutoff_key=lambda f: f["cutoff"].fillna(-1.0))
    grouped = stacked.groupby(keys, sort=False)["value"]
    stats_ = pd.DataFrame({"value": grouped.mean(), "std": grouped.std(ddof=1)}).reset_index()
    first = per_repeat[0].assign(cutoff_key=lambda f: f["cutoff"].fillna(-1.0))[keys + ["cutoff"]]
    out = first.merge(stats_, on=keys, how="left", validate="one_to_one")
    return out[["metric", "cutoff", "value", "std"]]
