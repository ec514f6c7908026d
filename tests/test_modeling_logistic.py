"""Logistic PD: MLE equals statsmodels, coefficients recovered, separation falls back to L2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.base import clone

from sme_credit.modeling.logistic import LogisticPD, fit_logit

BETA = {"intercept": -2.0, "a": 1.0, "b": -0.7, "c": 0.4}


def _simulate(n: int = 5000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.uniform(-2, 2, size=n)})
    lp = BETA["intercept"] + X @ pd.Series({k: v for k, v in BETA.items() if k != "intercept"})
    y = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    return X, y.to_numpy()


def test_mle_equals_statsmodels_and_table_is_spss_style():
    X, y = _simulate()
    fit = fit_logit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    assert fit.method == "mle"
    np.testing.assert_allclose(fit.params, ref.params.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(fit.bse, ref.bse.to_numpy(), rtol=1e-6)
    assert fit.llf == pytest.approx(ref.llf) and fit.llnull == pytest.approx(ref.llnull)
    table = fit.coefficient_table()
    assert list(table.columns) == ["feature", "b", "se", "wald", "df", "sig", "exp_b"]
    assert table["feature"].tolist() == ["intercept", "a", "b", "c"]
    np.testing.assert_allclose(table["wald"], (ref.params / ref.bse).to_numpy() ** 2, rtol=1e-6)
    np.testing.assert_allclose(table["sig"], ref.pvalues.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(table["exp_b"], np.exp(ref.params.to_numpy()), rtol=1e-6)
    assert (table["df"] == 1).all()


def test_newton_fast_path_equals_statsmodels_from_any_start():
    """fit_logit's own Newton steps give statsmodels' MLE, SEs and log-likelihood to 1e-9,
    from zeros or from a warm start; the one-hot-like rare column keeps them well defined."""
    X, y = _simulate(n=3000, seed=3)
    X = X.assign(rare=(np.arange(len(X)) % 50 == 0).astype(float))
    ref = sm.Logit(y, sm.add_constant(X)).fit(method="newton", disp=0)
    for start in (None, np.r_[ref.params.to_numpy()[:-1], 0.0], np.full(5, 0.3)):
        fit = fit_logit(X, y, start_params=start)
        assert fit.method == "mle" and fit.note == ""
        np.testing.assert_allclose(fit.params, ref.params.to_numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(fit.bse, ref.bse.to_numpy(), rtol=1e-9)
        assert fit.llf == pytest.approx(ref.llf, rel=1e-12)


def test_doubtful_mle_takes_the_statsmodels_path_and_its_fallback():
    """A flag whose rows all default (quasi-separation: the MLE runs off to infinity) is not
    accepted by the fast path: statsmodels' checks decide, and the ridge fallback is recorded."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=400)
    y = (rng.random(400) < 0.05).astype(int)
    y[x > 0.5] = 1
    fit = fit_logit(pd.DataFrame({"z": rng.normal(size=400), "flag": (x > 0.5).astype(float)}), y)
    assert fit.method == "l2_penalized" and "refitted with L2" in fit.note


def test_known_coefficients_recovered():
    X, y = _simulate()
    fit = fit_logit(X, y)
    for name, b, se in zip(fit.names, fit.params, fit.bse):
        assert np.sign(b) == np.sign(BETA[name])
        assert abs(b - BETA[name]) < 4 * se


def test_perfect_separation_falls_back_to_l2_and_is_recorded():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    X = pd.DataFrame({"x": x, "z": rng.normal(size=200)})
    y = (x > 0).astype(int)
    fit = fit_logit(X, y, l2_lambda=0.5)
    assert fit.method == "l2_penalized" and fit.l2_lambda == 0.5
    assert "L2" in fit.note
    assert np.all(np.isfinite(fit.params)) and np.all(np.isfinite(fit.bse)) and np.all(fit.bse > 0)
    assert fit.params[1] > 0  # direction of the separating variable kept
    model = LogisticPD(l2_lambda=0.5).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    assert np.all((p > 0) & (p < 1))
    assert np.corrcoef(p, x)[0, 1] > 0.8


def test_ridge_fallback_is_a_stationary_point_of_the_penalised_likelihood():
    X = pd.DataFrame({"x": [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]})
    y = np.array([0, 0, 0, 1, 1, 1])
    fit = fit_logit(X, y, l2_lambda=1.0)
    design = np.column_stack([np.ones(6), X["x"]])
    p = 1 / (1 + np.exp(-design @ fit.params))
    gradient = design.T @ (y - p) - np.r_[0.0, 1.0 * fit.params[1]]
    np.testing.assert_allclose(gradient, 0.0, atol=1e-5)


def test_logistic_pd_is_a_sklearn_classifier():
    X, y = _simulate(n=800)
    model = clone(LogisticPD()).fit(X, y)
    assert model.classes_.tolist() == [0, 1]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.log(proba[:, 1] / proba[:, 0]), model.decision_function(X))
    # column order of new data does not matter, missing columns do
    np.testing.assert_allclose(model.predict_proba(X[["c", "b", "a"]]), proba)
    with pytest.raises(ValueError):
        model.predict_proba(X[["a", "b"]])
    # in-sample mean PD equals the default rate: the ML score equation for the intercept
    assert proba[:, 1].mean() == pytest.approx(y.mean(), abs=1e-6)


def test_intercept_only_model():
    y = np.array([0, 0, 0, 1])
    fit = fit_logit(pd.DataFrame(index=range(4)), y)
    assert fit.names == ("intercept",)
    assert fit.params[0] == pytest.approx(np.log(1 / 3))
