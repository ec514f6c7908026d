"""The plain statistical functions of the feature screening, each returning a DataFrame.

- :func:`degenerate_design_columns`: zero-variance / non-finite design columns;
- :func:`univariate_logit_table`: one logistic regression per feature (B, S.E., Wald, Sig., Exp(B));
- :func:`group_difference_tests`: Lilliefors-KS normality, then Student/Welch t or Mann–Whitney U;
- :func:`correlation_filter`, :func:`vif_table`, :func:`vif_filter`: collinearity;
- :func:`kmo`, :func:`bartlett_sphericity`, :func:`pca_screen`: the optional PCA step.

:func:`report_rows` builds the long report rows (``REPORT_COLUMNS``) that :func:`pca_screen`
and the screener steps in :mod:`.screening` emit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from statsmodels.stats.diagnostic import lilliefors

from .logistic import MAX_ABS_COEF, SEPARATION_PD, fit_logit

REPORT_COLUMNS = ["step", "feature", "metric", "value", "selected", "note"]
ALL_FEATURES = "(all)"


def report_rows(step: str, feature: str, metrics: dict[str, float], selected: bool, note: str = "") -> list[dict]:
    """One report row per metric of ``feature`` at ``step``."""
    return [
        {"step": step, "feature": feature, "metric": m, "value": float(v), "selected": bool(selected), "note": note}
        for m, v in metrics.items()
    ]


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

    All columns' MLEs are found together by vectorised Newton steps (:func:`_univariate_mle`);
    a column whose MLE is in doubt (no convergence, |b| > 50, fitted PDs at 0 or 1) goes through
    :func:`~sme_credit.modeling.logistic.fit_logit` alone, with its separation fallback.
    """
    y_arr = np.asarray(y, dtype=float).ravel()
    columns = [str(c) for c in X.columns]
    b, se, ok = _univariate_mle(X.to_numpy(float), y_arr)
    method, note = np.full(len(columns), "mle", dtype=object), np.full(len(columns), "", dtype=object)
    for j in np.flatnonzero(~ok):
        fit = fit_logit(X.iloc[:, [j]], y_arr, l2_lambda=l2_lambda)
        b[j], se[j], method[j], note[j] = fit.params[1], fit.bse[1], fit.method, fit.note
    with np.errstate(divide="ignore", invalid="ignore"):
        wald = (b / se) ** 2
    return pd.DataFrame({"feature": columns, "b": b, "se": se, "wald": wald, "df": 1, "sig": stats.chi2.sf(wald, 1),
                         "exp_b": np.exp(b), "method": method, "note": note})


def _univariate_mle(values: np.ndarray, y: np.ndarray, *, max_iter: int = 100, tol: float = 1e-10,
                    max_abs_coef: float = MAX_ABS_COEF) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slope, its standard error and a trust flag of ``logit P = a_j + b_j x_j`` for every column j.

    Newton-Raphson on all columns at once (the 2x2 information matrix per column is inverted
    in closed form), started at the null model like statsmodels; the columns stop one by one.
    """
    n, k = values.shape
    rate = np.clip(y.mean(), 1e-12, 1 - 1e-12)
    a, b = np.full(k, np.log(rate / (1 - rate))), np.zeros(k)
    active, converged = np.ones(k, dtype=bool), np.zeros(k, dtype=bool)
    yc = y[:, None]
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            x = values[:, active]
            p = special.expit(a[active] + b[active] * x)
            w = p * (1 - p)
            r = yc - p
            g_a, g_b = r.sum(axis=0), (r * x).sum(axis=0)
            h_aa, h_ab, h_bb = w.sum(axis=0), (w * x).sum(axis=0), (w * x * x).sum(axis=0)
            det = h_aa * h_bb - h_ab ** 2
            step_a, step_b = (h_bb * g_a - h_ab * g_b) / det, (h_aa * g_b - h_ab * g_a) / det
            index = np.flatnonzero(active)
            a[index] += step_a
            b[index] += step_b
            done = (np.abs(step_a) < tol) & (np.abs(step_b) < tol) | ~np.isfinite(det) | (det <= 0)
            converged[index[done]] = np.isfinite(det[done]) & (det[done] > 0)
            active[index[done]] = False
            if not active.any():
                break
        p = special.expit(a + b * values)
        w = p * (1 - p)
        h_aa, h_ab, h_bb = w.sum(axis=0), (w * values).sum(axis=0), (w * values * values).sum(axis=0)
        se = np.sqrt(h_aa / (h_aa * h_bb - h_ab ** 2))
    separated = (p.min(axis=0) < SEPARATION_PD) | (p.max(axis=0) > 1 - SEPARATION_PD)
    ok = converged & np.isfinite(b) & np.isfinite(se) & (np.abs(b) <= max_abs_coef) & ~separated
    return b, se, ok


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
        rows += report_rows("pca", ALL_FEATURES, {"n_continuous": len(continuous)}, False,
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
    rows += report_rows("pca", ALL_FEATURES, {"kmo": kmo_all, "bartlett_chi2": chi2, "bartlett_df": df,
                                              "bartlett_p": p_value,
                                              "n_components": step.pca.n_components_ if step else 0},
                        adequate, note)
    for col, m in zip(continuous, msa):
        metrics = {"msa": m}
        if step is not None:
            loadings = step.pca.components_[:, continuous.index(col)]
            metrics |= {f"loading_pc{i + 1}": v for i, v in enumerate(loadings)}
        rows += report_rows("pca", col, metrics, not adequate,
                            "replaced by principal components" if adequate else "")
    if step is not None:
        eig = step.pca.explained_variance_ * (len(values) - 1) / len(values)
        for name, e, r in zip(step.names, eig, step.pca.explained_variance_ratio_):
            rows += report_rows("pca", name, {"eigenvalue": e, "explained_variance_ratio": r}, True, "component")
    return step, rows
