"""Screening steps: VIF, KMO/Bartlett by hand, group tests, correlation filter, stepwise, screener."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from sme_credit.modeling import screening as sc
from sme_credit.modeling.screening import FeatureScreener, ScreeningConfig


def _design(n: int = 1000, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    lp = -1.5 + 1.2 * x1 - 0.9 * x2
    y = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    X = pd.DataFrame({
        "x1": x1,
        "x2": x2,
        "x1_dup": 2 * x1 + rng.normal(scale=0.05, size=n),  # collinear duplicate
        "noise": rng.normal(size=n),                        # pure noise
        "flag": (rng.random(n) < 0.3).astype(float),        # binary noise
        "const": 1.0,                                       # degenerate
    })
    return X, y


def _correlated(n: int = 400, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    return np.hstack([f + rng.normal(scale=s, size=(n, 1)) for s in (0.5, 0.8, 1.0, 1.5)])


def test_vif_matches_auxiliary_regression():
    X, _ = _design()
    mix = X.x1 + 0.5 * X.x2 + np.random.default_rng(0).normal(size=len(X))  # partly collinear
    X = X[["x1", "x2", "noise", "flag"]].assign(mix=mix)
    table = sc.vif_table(X).set_index("feature")
    for col in X.columns:
        aux = sm.OLS(X[col], sm.add_constant(X.drop(columns=col))).fit()
        assert table.loc[col, "vif"] == pytest.approx(1 / (1 - aux.rsquared), rel=1e-8)
        assert table.loc[col, "tolerance"] == pytest.approx(1 - aux.rsquared, rel=1e-8)


def test_vif_filter_drops_the_collinear_column():
    X, _ = _design()
    kept, table = sc.vif_filter(X[["x1", "x2", "x1_dup", "noise"]], threshold=10)
    assert len({"x1", "x1_dup"} & set(kept)) == 1 and {"x2", "noise"} <= set(kept)
    assert table.loc[table["dropped"], "vif"].iloc[0] > 10
    # perfectly collinear columns go through the explicit-regression path without crashing
    Z = X[["x1", "x2"]].assign(x3=lambda d: d.x1 + d.x2)
    assert (sc.vif_table(Z)["vif"] > 1e6).all()


def test_kmo_and_bartlett_by_hand():
    data = _correlated()
    n, p = data.shape
    R = np.corrcoef(data, rowvar=False)
    # partial correlation of i, j given the rest, from regression residuals
    partial = np.zeros((p, p))
    for i in range(p):
        for j in range(p):
            if i == j:
                continue
            rest = sm.add_constant(np.delete(data, [i, j], axis=1))
            ri = sm.OLS(data[:, i], rest).fit().resid
            rj = sm.OLS(data[:, j], rest).fit().resid
            partial[i, j] = np.corrcoef(ri, rj)[0, 1]
    off = ~np.eye(p, dtype=bool)
    r2, a2 = (R[off] ** 2).sum(), (partial[off] ** 2).sum()
    overall, per_var = sc.kmo(data)
    assert overall == pytest.approx(r2 / (r2 + a2), rel=1e-8)
    j = 2
    col_r2 = sum(R[i, j] ** 2 for i in range(p) if i != j)
    col_a2 = sum(partial[i, j] ** 2 for i in range(p) if i != j)
    assert per_var[j] == pytest.approx(col_r2 / (col_r2 + col_a2), rel=1e-8)

    chi2, df, p_value = sc.bartlett_sphericity(data)
    hand = -(n - 1 - (2 * p + 5) / 6) * np.log(np.linalg.det(R))
    assert chi2 == pytest.approx(hand, rel=1e-10)
    assert df == p * (p - 1) / 2 == 6
    assert p_value == pytest.approx(stats.chi2.sf(hand, 6))


def test_bartlett_does_not_reject_independent_data():
    data = np.random.default_rng(5).normal(size=(300, 4))
    _, _, p_value = sc.bartlett_sphericity(data)
    overall, _ = sc.kmo(data)
    assert p_value > 0.01 and overall < 0.6


def test_univariate_logit_table_matches_statsmodels():
    X, y = _design()
    table = sc.univariate_logit_table(X[["x1", "noise"]], y).set_index("feature")
    res = sm.Logit(y, sm.add_constant(X[["x1"]])).fit(disp=0)
    assert table.loc["x1", "b"] == pytest.approx(res.params["x1"], rel=1e-6)
    assert table.loc["x1", "se"] == pytest.approx(res.bse["x1"], rel=1e-6)
    assert table.loc["x1", "wald"] == pytest.approx((res.params["x1"] / res.bse["x1"]) ** 2, rel=1e-6)
    assert table.loc["x1", "sig"] == pytest.approx(res.pvalues["x1"], rel=1e-4)
    assert table.loc["x1", "exp_b"] == pytest.approx(np.exp(res.params["x1"]), rel=1e-6)
    assert table.loc["noise", "sig"] > 0.05


def test_group_tests_choose_t_or_mann_whitney():
    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(300), np.ones(300)].astype(int)
    X = pd.DataFrame({
        "normal_shift": np.r_[rng.normal(0, 1, 300), rng.normal(0.5, 1, 300)],
        "normal_wide": np.r_[rng.normal(0, 1, 300), rng.normal(0.5, 3, 300)],
        "skewed": np.r_[rng.exponential(1, 300), rng.exponential(2, 300)],
        "binary": (rng.random(600) < 0.5).astype(float),
    })
    out = sc.group_difference_tests(X, y).set_index("feature")
    assert out.loc["normal_shift", "test"] == "student_t"
    assert out.loc["normal_wide", "test"] == "welch_t"
    assert out.loc["skewed", "test"] == "mann_whitney_u"
    assert out.loc["binary", "test"] == "mann_whitney_u"
    welch = stats.ttest_ind(X.normal_wide[y == 1], X.normal_wide[y == 0], equal_var=False)
    assert out.loc["normal_wide", "p_value"] == pytest.approx(welch.pvalue)
    mwu = stats.mannwhitneyu(X.skewed[y == 1], X.skewed[y == 0], alternative="two-sided")
    assert out.loc["skewed", "p_value"] == pytest.approx(mwu.pvalue)


def test_correlation_filter_keeps_the_stronger_feature():
    X, _ = _design()
    strength = pd.Series({"x1": 5.0, "x1_dup": 9.0, "x2": 3.0})
    kept, table = sc.correlation_filter(X[["x1", "x1_dup", "x2"]], strength, threshold=0.8)
    assert kept == ["x1_dup", "x2"]
    assert table.set_index("feature").loc["x1", "partner"] == "x1_dup"


@pytest.mark.parametrize("criterion", ["pvalue", "aic"])
def test_stepwise_selects_signal_not_noise(criterion):
    X, y = _design()
    selected, history = sc.stepwise_selection(X[["noise", "x2", "x1", "flag"]], y, criterion=criterion)
    assert set(selected) == {"x1", "x2"}
    assert history["action"].iloc[0] == "enter" and history["feature"].iloc[0] == "x1"


def test_screener_drops_noise_duplicate_and_degenerate_with_reasons():
    X, y = _design()
    X["all_nan"] = np.nan
    screener = FeatureScreener().fit(X, y)
    selected = screener.selected_features_
    assert "noise" not in selected and "flag" not in selected
    assert len({"x1", "x1_dup"} & set(selected)) == 1 and "x2" in selected
    report = screener.report_
    assert list(report.columns) == ["step", "feature", "metric", "value", "selected", "note"]
    degenerate = report[report.step == "degenerate"].set_index("feature")["note"]
    assert degenerate["const"] == "dropped: constant" and degenerate["all_nan"] == "dropped: all_missing"
    corr = report[(report.step == "correlation") & ~report.selected]
    assert corr["note"].str.contains(r"\|r\|").all() and len(corr) == 1
    final = report[report.step == "final"].set_index("feature")["selected"]
    assert final[selected].all() and not final[["noise", "const", "all_nan"]].any()
    assert list(screener.transform(X).columns) == selected


def test_screener_keeps_one_feature_when_nothing_passes():
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = (rng.random(200) < 0.3).astype(int)
    screener = FeatureScreener(ScreeningConfig(univariate_p=1e-9)).fit(X, y)
    assert len(screener.selected_features_) == 1
    assert screener.report_["note"].str.contains("strongest univariate").any()


def test_screener_with_pca_replaces_continuous_features_by_components():
    rng = np.random.default_rng(4)
    data = _correlated(n=800)
    X = pd.DataFrame(data, columns=["r1", "r2", "r3", "r4"])
    lp = -1.0 + 1.0 * data.mean(axis=1)
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-lp))).astype(int)
    screener = FeatureScreener(ScreeningConfig(pca=True, corr_threshold=0.99)).fit(X, y)
    pca_rows = screener.report_[screener.report_.step == "pca"]
    head = pca_rows[pca_rows.feature == "(all)"].set_index("metric")["value"]
    assert head["kmo"] >= 0.6 and head["bartlett_p"] < 0.05 and head["n_components"] >= 1
    assert screener.pca_ is not None and screener.selected_features_ == ["pc1"]
    out = screener.transform(X)
    assert list(out.columns) == ["pc1"] and np.isfinite(out.to_numpy()).all()


def test_univariate_logit_table_matches_one_statsmodels_fit_per_column():
    """The vectorised Newton steps give statsmodels' MLE; a separated column takes the ridge fallback."""
    rng = np.random.default_rng(11)
    n = 600
    x1, x2 = rng.normal(size=n), rng.exponential(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.9 * x1 - 0.4 * x2)))).astype(float)
    X = pd.DataFrame({"x1": x1, "x2": x2, "separated": y * 2.0 - 1.0})
    table = sc.univariate_logit_table(X, y).set_index("feature")
    for col in ["x1", "x2"]:
        res = sm.Logit(y, sm.add_constant(X[[col]].to_numpy())).fit(disp=0)
        assert table.loc[col, "method"] == "mle"
        np.testing.assert_allclose(table.loc[col, ["b", "se"]].to_numpy(float), [res.params[1], res.bse[1]], rtol=1e-8)
        np.testing.assert_allclose(table.loc[col, "sig"], res.pvalues[1], rtol=1e-6)
        np.testing.assert_allclose(table.loc[col, "wald"], (res.params[1] / res.bse[1]) ** 2, rtol=1e-8)
    assert table.loc["separated", "method"] == "l2_penalized"
