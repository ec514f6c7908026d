"""Forward–backward logistic stepwise selection (score test to enter, Wald to remove, or AIC).

:func:`stepwise_selection` is the last step of the feature screening (:mod:`.screening`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from .logistic import fit_logit, information_matrix


def _score_test_pvalues(X: pd.DataFrame, y: np.ndarray, selected: list[str], candidates: list[str],
                        params: np.ndarray) -> np.ndarray:
    """Rao score test p-values for adding each candidate (one at a time) to the current model.

    Vectorised over candidates: ``U = c'(y - p)``,
    ``V = c'Wc - c'WX (X'WX)^-1 X'Wc``, statistic ``U² / V ~ chi2(1)``.
    """
    base = np.column_stack([np.ones(len(y)), X[selected].to_numpy(float)]) if selected else np.ones((len(y), 1))
    p = expit(base @ params)
    w = p * (1 - p)
    cand = X[candidates].to_numpy(float)
    u = cand.T @ (y - p)
    a = information_matrix(base, p)
    b = cand.T @ (base * w[:, None])
    scale = (cand**2 * w[:, None]).sum(axis=0)
    v = scale - np.sum((b @ np.linalg.pinv(a)) * b, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(v > 1e-10 * np.maximum(scale, 1e-300), u**2 / v, 0.0)
    return stats.chi2.sf(stat, 1)


def stepwise_selection(
    X: pd.DataFrame,
    y,
    *,
    criterion: Literal["pvalue", "aic"] = "pvalue",
    p_enter: float = 0.05,
    p_remove: float = 0.10,
    max_features: int | None = None,
    max_iter: int = 100,
    l2_lambda: float = 1.0,
) -> tuple[list[str], pd.DataFrame]:
    """Forward–backward logistic stepwise selection.

    ``criterion="pvalue"``: a candidate enters when its score-test p < ``p_enter``
    (the smallest first); after each entry the selected feature with the largest
    Wald p > ``p_remove`` is removed. ``criterion="aic"``: enter/remove whichever
    single change lowers the AIC most. A model state is never revisited, which
    rules out cycling. Returns the selected features (entry order) and the
    history ``iteration, action, feature, statistic, value``.
    """
    y_arr = np.asarray(y, dtype=float).ravel()
    cols = list(X.columns)
    selected: list[str] = []
    visited = {frozenset()}
    history: list[dict] = []
    fit = fit_logit(X[selected], y_arr, l2_lambda=l2_lambda)
    for iteration in range(1, max_iter + 1):
        changed = False
        candidates = [c for c in cols if c not in selected]
        room = max_features is None or len(selected) < max_features
        if candidates and room:
            if criterion == "pvalue":
                pvals = _score_test_pvalues(X, y_arr, selected, candidates, fit.params)
                for idx in np.argsort(pvals, kind="stable"):
                    state = frozenset(selected + [candidates[idx]])
                    if pvals[idx] < p_enter and state not in visited:
                        selected.append(candidates[idx])
                        visited.add(state)
                        history.append({"iteration": iteration, "action": "enter", "feature": candidates[idx],
                                        "statistic": "score_p", "value": float(pvals[idx])})
                        changed = True
                    break  # only the best candidate is considered
            else:
                aics = np.array([fit_logit(X[selected + [c]], y_arr, l2_lambda=l2_lambda).aic for c in candidates])
                idx = int(np.argmin(aics))
                state = frozenset(selected + [candidates[idx]])
                if aics[idx] < fit.aic - 1e-9 and state not in visited:
                    selected.append(candidates[idx])
                    visited.add(state)
                    history.append({"iteration": iteration, "action": "enter", "feature": candidates[idx],
                                    "statistic": "aic", "value": float(aics[idx])})
                    changed = True
        if changed:  # warm start: the new feature's coefficient from 0, the others where they were
            fit = fit_logit(X[selected], y_arr, l2_lambda=l2_lambda, start_params=np.r_[fit.params, 0.0])
        if len(selected) > 1:
            removal = _removal_candidate(X, y_arr, selected, fit, criterion, p_remove, l2_lambda)
            if removal is not None:
                feature, stat_name, value = removal
                state = frozenset(c for c in selected if c != feature)
                if state not in visited:
                    start = np.delete(fit.params, 1 + selected.index(feature))
                    selected.remove(feature)
                    visited.add(state)
                    history.append({"iteration": iteration, "action": "remove", "feature": feature,
                                    "statistic": stat_name, "value": value})
                    fit = fit_logit(X[selected], y_arr, l2_lambda=l2_lambda, start_params=start)
                    changed = True
        if not changed:
            break
    return selected, pd.DataFrame(history, columns=["iteration", "action", "feature", "statistic", "value"])


def _removal_candidate(X, y, selected, fit, criterion, p_remove, l2_lambda):
    if criterion == "pvalue":
        pvals = fit.pvalues[1:]  # drop the intercept
        worst = int(np.argmax(pvals))
        if pvals[worst] > p_remove:
            return selected[worst], "wald_p", float(pvals[worst])
        return None
    aics = np.array([fit_logit(X[[c for c in selected if c != f]], y, l2_lambda=l2_lambda).aic for f in selected])
    idx = int(np.argmin(aics))
    if aics[idx] < fit.aic - 1e-9:
        return selected[idx], "aic", float(aics[idx])
    return None
