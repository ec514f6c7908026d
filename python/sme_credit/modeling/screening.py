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
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted
from statsmodels.stats.diagnostic import lilliefors

from .logistic import fit_logit

REPORT_COLUMNS = ["step", "feature", "metric", "value", "selected", "note"]
ALL_FEATURES = "(all)"


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


def _rows(step: str, feature: str, metrics: dict[str, float], selected: bool, note: str = "") -> list[dict]:
    return [
        {"step": step, "feature": feature, "metric": m, "value": float(v), "selected": bool(selected), "note": note}
        for m, v in metrics.items()
    ]


def _report(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    frame["selected"] = frame["selected"].astype(bool)
    return frame


def degenerate_design_columns(X: pd.DataFrame) -> pd.DataFrame:
    """Design columns with no usable variation: ``feature, reason, std``."""
    values = X.to_numpy(float)
    finite = np.isfinite(values)
    rows = []
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        std = np.nanstd(np.where(finite, values, np.nan), axis=0)
    for j, col in enumerate(X.columns):
        if not finite[:, j].any():
            rows.append({"feature": col, "reason": "all_missing", "std": np.nan})
        elif not finite[:, j].all():
            rows.append({"feature": col, "reason": "non_finite_values", "std": float(std[j])})
        elif std[j] <= 1e-12:
            rows.append({"feature": col, "reason": "constant", "std": float(std[j])})
    return pd.DataFrame(rows, columns=["feature", "reason", "std"])


# --------------------------------------------------------------------------- univariate


def univariate_logit_table(X: pd.DataFrame, y, *, l2_lambda: float = 1.0) -> pd.DataFrame:
    """One logistic regression per column (with intercept): the slope's B, S.E., Wald, Sig., Exp(B).

    Columns: ``feature, b, se, wald, df, sig, exp_b, method, note`` where
    ``method`` is ``mle`` or ``l2_penalized`` (separation fallback).
    """
    y_arr = np.asarray(y, dtype=float).ravel()
    rows = []
    for col in X.columns:
        fit = fit_logit(X[[col]], y_arr, l2_lambda=l2_lambda)
        rows.append(
            {
                "feature": col,
                "b": fit.params[1],
                "se": fit.bse[1],
                "wald": fit.wald[1],
                "df": 1,
                "sig": fit.pvalues[1],
                "exp_b": np.exp(fit.params[1]),
                "method": fit.method,
                "note": fit.note,
            }
        )
    return pd.DataFrame(rows, columns=["feature", "b", "se", "wald", "df", "sig", "exp_b", "method", "note"])


def _lilliefors_p(values: np.ndarray) -> float:
    """Lilliefors-corrected KS normality p-value (NaN when not testable)."""
    if len(values) < 5 or np.ptp(values) == 0:
        return 0.0 if len(values) >= 5 else float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, p = lilliefors(values, dist="norm", pvalmethod="table")
    return float(p)


def group_difference_tests(X: pd.DataFrame, y, *, normality_alpha: float = 0.05) -> pd.DataFrame:
    """Compare each feature between goods (y=0) and defaulters (y=1), as in paper 004.

    Normality is checked in both groups with the Kolmogorov–Smirnov test with
    Lilliefors correction (mean and variance estimated, as SPSS does). If both
    groups look normal, Levene's test (mean-centred) chooses the Student
    (equal variances) or Welch t-test; otherwise the Mann–Whitney U test is used.

    Columns: ``feature, ks_p_good, ks_p_bad, normal, levene_p, test, statistic, p_value``.
    """
    y_arr = np.asarray(y).ravel().astype(int)
    rows = []
    for col in X.columns:
        values = X[col].to_numpy(float)
        good, bad = values[y_arr == 0], values[y_arr == 1]
        good, bad = good[np.isfinite(good)], bad[np.isfinite(bad)]
        row = {"feature": col, "ks_p_good": np.nan, "ks_p_bad": np.nan, "normal": False,
               "levene_p": np.nan, "test": "not_testable", "statistic": np.nan, "p_value": np.nan}
        if len(good) < 2 or len(bad) < 2 or np.ptp(np.r_[good, bad]) == 0:
            rows.append(row)
            continue
        if len(np.unique(np.r_[good, bad])) > 2:  # 0/1 columns are not normal: skip the KS test
            row["ks_p_good"], row["ks_p_bad"] = _lilliefors_p(good), _lilliefors_p(bad)
        row["normal"] = bool(row["ks_p_good"] >= normality_alpha and row["ks_p_bad"] >= normality_alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if row["normal"]:
                row["levene_p"] = float(stats.levene(good, bad, center="mean").pvalue)
                equal_var = bool(row["levene_p"] >= normality_alpha)
                res = stats.ttest_ind(bad, good, equal_var=equal_var)
                row["test"] = "student_t" if equal_var else "welch_t"
            else:
                res = stats.mannwhitneyu(bad, good, alternative="two-sided")
                row["test"] = "mann_whitney_u"
        row["statistic"], row["p_value"] = float(res.statistic), float(res.pvalue)
        rows.append(row)
    return pd.DataFrame(rows, columns=["feature", "ks_p_good", "ks_p_bad", "normal", "levene_p", "test",
                                       "statistic", "p_value"])


# --------------------------------------------------------------------------- collinearity


def correlation_filter(X: pd.DataFrame, strength: pd.Series, threshold: float = 0.8) -> tuple[list[str], pd.DataFrame]:
    """Drop the weaker feature of every pair with ``|Pearson r| > threshold``.

    Pairs are visited from the most correlated down; ``strength`` (e.g. the
    univariate Wald statistic) decides which one survives, ties keep the column
    that comes first. Returns the kept columns and a frame
    ``feature, max_abs_r, partner, dropped``.
    """
    cols = list(X.columns)
    if len(cols) < 2:
        return cols, pd.DataFrame({"feature": cols, "max_abs_r": [np.nan] * len(cols),
                                   "partner": [""] * len(cols), "dropped": [False] * len(cols)})
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.abs(np.corrcoef(X.to_numpy(float), rowvar=False))
    corr = np.nan_to_num(corr, nan=0.0)
    np.fill_diagonal(corr, 0.0)
    strength = strength.reindex(cols).fillna(0.0).to_numpy(float)
    iu, ju = np.triu_indices(len(cols), k=1)
    pair_r = corr[iu, ju]
    mask = pair_r > threshold
    order = np.lexsort((ju[mask], iu[mask], -pair_r[mask]))  # most correlated first, then by position
    alive = np.ones(len(cols), dtype=bool)
    partner = [""] * len(cols)
    for i, j, r in zip(iu[mask][order], ju[mask][order], pair_r[mask][order]):
        if not (alive[i] and alive[j]):
            continue
        drop, keep = (j, i) if strength[i] >= strength[j] else (i, j)
        alive[drop] = False
        partner[drop] = cols[keep]
    kept = [c for c, a in zip(cols, alive) if a]
    table = pd.DataFrame({"feature": cols, "max_abs_r": corr.max(axis=1), "partner": partner, "dropped": ~alive})
    return kept, table


def vif_table(X: pd.DataFrame) -> pd.DataFrame:
    """Variance inflation factor ``1 / (1 - R²_j)`` and tolerance ``1 - R²_j`` per column.

    ``R²_j`` is from regressing column j on all other columns with an intercept.
    Computed as the diagonal of the inverse correlation matrix (the same number,
    one inversion instead of one regression per column); if the correlation
    matrix is singular, the auxiliary regressions are run explicitly
    (least squares) and perfect collinearity gives a VIF of ~1e15.
    """
    cols = list(X.columns)
    values = X.to_numpy(float)
    if len(cols) == 1:
        vifs = np.array([1.0])
    else:
        corr = np.corrcoef(values, rowvar=False)
        try:
            if np.linalg.cond(corr) > 1e12:
                raise np.linalg.LinAlgError("near-singular correlation matrix")
            vifs = np.diag(np.linalg.inv(corr)).copy()
        except np.linalg.LinAlgError:
            vifs = np.array([_aux_vif(values, j) for j in range(len(cols))])
    return pd.DataFrame({"feature": cols, "vif": vifs, "tolerance": 1.0 / vifs})


def _aux_vif(values: np.ndarray, j: int) -> float:
    """VIF of column j from an explicit auxiliary OLS regression with intercept."""
    target = values[:, j]
    others = np.column_stack([np.ones(len(values)), np.delete(values, j, axis=1)])
    coef, *_ = np.linalg.lstsq(others, target, rcond=None)
    resid = target - others @ coef
    tss = np.sum((target - target.mean()) ** 2)
    r2 = 1.0 - resid @ resid / tss if tss > 0 else 1.0
    return float(1.0 / max(1.0 - r2, 1e-15))


def vif_filter(X: pd.DataFrame, threshold: float = 10.0) -> tuple[list[str], pd.DataFrame]:
    """Repeatedly drop the column with the largest VIF while it exceeds ``threshold``.

    Returns the kept columns and ``feature, vif, tolerance, dropped`` where dropped
    columns carry the VIF they had when removed.
    """
    kept = list(X.columns)
    dropped_rows = []
    while len(kept) > 1:
        table = vif_table(X[kept])
        worst = int(np.argmax(table["vif"].to_numpy()))
        if table["vif"].iloc[worst] <= threshold:
            break
        dropped_rows.append(table.iloc[worst].to_dict() | {"dropped": True})
        kept.pop(worst)
    final = vif_table(X[kept]) if kept else pd.DataFrame(columns=["feature", "vif", "tolerance"])
    final["dropped"] = False
    out = pd.concat([final, pd.DataFrame(dropped_rows)], ignore_index=True) if dropped_rows else final
    return kept, out[["feature", "vif", "tolerance", "dropped"]]


# --------------------------------------------------------------------------- KMO / Bartlett / PCA


def kmo(X: pd.DataFrame | np.ndarray) -> tuple[float, np.ndarray]:
    """Kaiser–Meyer–Olkin measure of sampling adequacy (overall and per variable).

    ``KMO = sum r_ij² / (sum r_ij² + sum a_ij²)`` over ``i != j``, with ``r`` the
    correlations and ``a_ij = -S_ij / sqrt(S_ii S_jj)`` the partial correlations
    from ``S = R^-1`` (pseudo-inverse if R is singular).
    """
    corr = np.corrcoef(np.asarray(X, dtype=float), rowvar=False)
    inv = np.linalg.pinv(corr)
    d = np.sqrt(np.diag(inv))
    partial = -inv / np.outer(d, d)
    off = ~np.eye(corr.shape[0], dtype=bool)
    r2 = np.where(off, corr**2, 0.0)
    a2 = np.where(off, partial**2, 0.0)
    overall = r2.sum() / (r2.sum() + a2.sum())
    per_variable = r2.sum(axis=0) / (r2.sum(axis=0) + a2.sum(axis=0))
    return float(overall), per_variable


def bartlett_sphericity(X: pd.DataFrame | np.ndarray) -> tuple[float, int, float]:
    """Bartlett's test that the correlation matrix is the identity.

    ``chi2 = -(n - 1 - (2p + 5) / 6) ln|R|`` with ``p (p - 1) / 2`` degrees of freedom.
    Returns ``(chi2, df, p_value)``; a singular R gives ``chi2 = inf, p = 0``.
    """
    values = np.asarray(X, dtype=float)
    n, p = values.shape
    corr = np.corrcoef(values, rowvar=False)
    sign, logdet = np.linalg.slogdet(corr)
    df = p * (p - 1) // 2
    if sign <= 0:
        return float("inf"), df, 0.0
    chi2 = -(n - 1 - (2 * p + 5) / 6.0) * logdet
    return float(chi2), df, float(stats.chi2.sf(chi2, df))


@dataclass
class _PCAStep:
    columns: list[str]
    scaler: StandardScaler
    pca: PCA

    @property
    def names(self) -> list[str]:
        return [f"pc{i + 1}" for i in range(self.pca.n_components_)]

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        scores = self.pca.transform(self.scaler.transform(X[self.columns].to_numpy(float)))
        return pd.DataFrame(scores, columns=self.names, index=X.index)


def pca_screen(X: pd.DataFrame, *, kmo_min: float = 0.6, bartlett_alpha: float = 0.05,
               random_state: int = 0) -> tuple[_PCAStep | None, list[dict]]:
    """Paper-004 PCA on the continuous columns of ``X`` (more than two distinct values).

    PCA is used only if KMO >= ``kmo_min`` and Bartlett's p < ``bartlett_alpha``;
    components with eigenvalue > 1 (Kaiser rule, at least one) are kept.
    Returns the fitted step (or None) and report rows.
    """
    continuous = [c for c in X.columns if X[c].nunique() > 2]
    rows: list[dict] = []
    if len(continuous) < 3:
        rows += _rows("pca", ALL_FEATURES, {"n_continuous": len(continuous)}, False,
                      "skipped: fewer than 3 continuous features")
        return None, rows
    values = X[continuous].to_numpy(float)
    kmo_all, msa = kmo(values)
    chi2, df, p_value = bartlett_sphericity(values)
    adequate = kmo_all >= kmo_min and p_value < bartlett_alpha
    note = (f"KMO {kmo_all:.3f} {'>=' if kmo_all >= kmo_min else '<'} {kmo_min}; "
            f"Bartlett p {p_value:.3g}" + ("" if adequate else "; PCA not applied"))
    step = None
    if adequate:
        scaler = StandardScaler().fit(values)
        full = PCA(svd_solver="full", random_state=random_state).fit(scaler.transform(values))
        n_keep = max(1, int(np.sum(full.explained_variance_ * (len(values) - 1) / len(values) > 1.0)))
        pca = PCA(n_components=n_keep, svd_solver="full", random_state=random_state).fit(scaler.transform(values))
        step = _PCAStep(continuous, scaler, pca)
    rows += _rows("pca", ALL_FEATURES, {"kmo": kmo_all, "bartlett_chi2": chi2, "bartlett_df": df,
                                        "bartlett_p": p_value,
                                        "n_components": step.pca.n_components_ if step else 0},
                  adequate, note)
    for col, m in zip(continuous, msa):
        metrics = {"msa": m}
        if step is not None:
            loadings = step.pca.components_[:, continuous.index(col)]
            metrics |= {f"loading_pc{i + 1}": v for i, v in enumerate(loadings)}
        rows += _rows("pca", col, metrics, not adequate,
                      "replaced by principal components" if adequate else "")
    if step is not None:
        eig = step.pca.explained_variance_ * (len(values) - 1) / len(values)
        for name, e, r in zip(step.names, eig, step.pca.explained_variance_ratio_):
            rows += _rows("pca", name, {"eigenvalue": e, "explained_variance_ratio": r}, True, "component")
    return step, rows


# --------------------------------------------------------------------------- stepwise


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
    a = base.T @ (base * w[:, None])
    b = cand.T @ (base * w[:, None])
    v = (cand**2 * w[:, None]).sum(axis=0) - np.sum((b @ np.linalg.pinv(a)) * b, axis=1)
    scale = (cand**2 * w[:, None]).sum(axis=0)
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
        if changed:
            fit = fit_logit(X[selected], y_arr, l2_lambda=l2_lambda)
        if len(selected) > 1:
            removal = _removal_candidate(X, y_arr, selected, fit, criterion, p_remove, l2_lambda)
            if removal is not None:
                feature, stat_name, value = removal
                state = frozenset(c for c in selected if c != feature)
                if state not in visited:
                    selected.remove(feature)
                    visited.add(state)
                    history.append({"iteration": iteration, "action": "remove", "feature": feature,
                                    "statistic": stat_name, "value": value})
                    fit = fit_logit(X[selected], y_arr, l2_lambda=l2_lambda)
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


# --------------------------------------------------------------------------- screener steps


def _strongest(uni: pd.DataFrame, columns: list[str]) -> str:
    """Column with the largest univariate Wald statistic."""
    return str(uni.loc[columns, "wald"].fillna(-np.inf).idxmax())


def _degenerate_step(X: pd.DataFrame) -> tuple[list[str], list[dict]]:
    degenerate = degenerate_design_columns(X)
    rows: list[dict] = []
    for rec in degenerate.itertuples(index=False):
        rows += _rows("degenerate", rec.feature, {"std": rec.std}, False, f"dropped: {rec.reason}")
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
        rows += _rows("univariate_logit", col, {"b": u["b"], "se": u["se"], "wald": u["wald"], "df": 1,
                                                "sig": u["sig"], "exp_b": u["exp_b"]}, passed[col], note)
        if groups is not None:
            g = groups.loc[col]
            rows += _rows("group_test", col, {"ks_p_good": g["ks_p_good"], "ks_p_bad": g["ks_p_bad"],
                                              "levene_p": g["levene_p"], "statistic": g["statistic"],
                                              "p_value": g["p_value"]}, bool(pass_group[col]), g["test"])
    return uni, [c for c in cols if passed[c]], rows


def _correlation_step(X: pd.DataFrame, uni: pd.DataFrame, cfg: ScreeningConfig) -> tuple[list[str], list[dict]]:
    kept, table = correlation_filter(X, uni["wald"], cfg.corr_threshold)
    rows: list[dict] = []
    for rec in table.itertuples(index=False):
        note = f"dropped: |r| > {cfg.corr_threshold} with {rec.partner} (stronger)" if rec.dropped else ""
        rows += _rows("correlation", rec.feature, {"max_abs_r": rec.max_abs_r}, not rec.dropped, note)
    return kept, rows


def _vif_step(X: pd.DataFrame, cfg: ScreeningConfig) -> tuple[list[str], list[dict]]:
    kept, table = vif_filter(X, cfg.vif_threshold)
    rows: list[dict] = []
    for rec in table.itertuples(index=False):
        note = f"dropped: VIF > {cfg.vif_threshold}" if rec.dropped else ""
        rows += _rows("vif", rec.feature, {"vif": rec.vif, "tolerance": rec.tolerance}, not rec.dropped, note)
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
        rows += _rows("stepwise", rec.feature, {f"{rec.action}_{rec.statistic}": rec.value},
                      rec.feature in selected, f"{rec.action} at iteration {rec.iteration}")
    moved = set(history["feature"])
    for col in current:
        if col in selected:
            rows += _rows("stepwise", col, {"final_wald_p": final_fit.pvalue(col)}, True, fallback_note)
        elif col not in moved:
            rows += _rows("stepwise", col, {"entered": 0.0}, False, "never entered")
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
            rows += _rows("final", col, {"selected": float(col in current)}, col in current, note)
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
