"""End-to-end: fit_pd_models on data from a known logistic model."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from sme_credit.modeling import PDModelConfig, fit_pd_models
from sme_credit.modeling.estimators import DEFAULT_SPECS

TRUE = {"x1": 1.0, "x2": -0.8, "x3": 0.6}
SECTOR = {"manufacturing": 0.0, "retail": 0.9, "services": -0.6}

EXPECTED_COLUMNS = {
    "scores": ["entity_id", "level", "variant", "model", "is_champion", "pd", "score", "grade"],
    "metrics": ["level", "variant", "model", "evaluation", "metric", "cutoff", "value", "std"],
    "coefficients": ["level", "variant", "model", "feature", "b", "se", "wald", "df", "sig", "exp_b"],
    "goodness_of_fit": ["level", "variant", "model", "statistic", "value"],
    "feature_importance": ["level", "variant", "model", "feature", "importance_type", "importance", "rank"],
    "screening": ["level", "variant", "step", "feature", "metric", "value", "selected", "note"],
    "calibration": ["level", "variant", "model", "decile", "n", "mean_pd", "observed_rate"],
    "registry": ["model_id", "level", "variant", "model", "is_champion", "champion_rule", "trained_at",
                 "training_rows", "n_features", "data_fingerprint", "hyperparameters", "calibration_method",
                 "package_version"],
    "scorecard_points": ["level", "variant", "model", "feature", "bin_index", "bin", "n", "event_rate", "woe", "iv",
                         "coefficient", "points"],
}


def simulate(n: int = 1000, seed: int = 2024):
    """Defaults from a known logistic model plus a collinear duplicate, noise, categoricals and NaNs."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({k: rng.normal(size=n) for k in TRUE})
    sector = rng.choice(list(SECTOR), size=n, p=[0.4, 0.35, 0.25])
    lp = -1.8 + sum(b * X[k] for k, b in TRUE.items()) + pd.Series(sector).map(SECTOR)
    p = 1 / (1 + np.exp(-lp))
    y = (rng.random(n) < p).astype(int)
    X["x1_dup"] = X["x1"] * 2 + rng.normal(scale=0.02, size=n)
    X["noise"] = rng.normal(size=n)
    X["sector"] = pd.Series(sector, dtype="str")
    X["region"] = pd.Series(rng.choice(list("ABCD"), size=n), dtype="str")
    X.loc[rng.random(n) < 0.08, "x3"] = np.nan
    X.loc[rng.random(n) < 0.05, "region"] = None
    X["constant"] = 7.0
    X["empty"] = np.nan
    year = pd.Series(rng.choice([2018, 2019, 2020, 2021], size=n))
    ids = pd.Series([f"E{i:05d}" for i in range(n)])
    return X, pd.Series(y), p.to_numpy(), ids, year


def small_forest_config(n_estimators: int = 50, **kwargs) -> PDModelConfig:
    """Fewer trees keep the test suite fast; everything else is the production default."""
    specs = dict(DEFAULT_SPECS)
    specs["random_forest"] = replace(specs["random_forest"],
                                     fixed_params={"n_estimators": n_estimators, "max_features": "sqrt"})
    return PDModelConfig(specs=specs, **kwargs)


@pytest.fixture(scope="module")
def sim():
    X, y, p, ids, year = simulate()
    # production configuration, two CV repeats instead of five to keep the suite quick
    result = fit_pd_models(X, y, level="enterprise", variant="with_rating", entity_ids=ids, time=year,
                           cv_repeats=2, cv_folds=5, random_state=42)
    return X, y, p, ids, year, result


def _flat(metrics: pd.DataFrame, model: str, evaluation: str) -> pd.Series:
    rows = metrics[(metrics.model == model) & (metrics.evaluation == evaluation) & metrics.cutoff.isna()]
    return rows.set_index("metric")["value"]


def test_tables_have_exactly_the_documented_columns(sim):
    result = sim[-1]
    tables = result.tables()
    assert set(tables) == set(EXPECTED_COLUMNS)
    for name, columns in EXPECTED_COLUMNS.items():
        assert list(tables[name].columns) == columns, name
        assert len(tables[name]) > 0, name
        assert (tables[name]["level"] == "enterprise").all() and (tables[name]["variant"] == "with_rating").all()
    assert set(result.metrics.evaluation) == {"cv", "out_of_time", "in_sample"}
    gof = result.goodness_of_fit
    assert set(gof.model) == {"logistic", "regularised_logistic"}
    assert gof[gof.model == "logistic"].statistic.tolist() == [
        "minus_2_log_likelihood", "cox_snell_r2", "nagelkerke_r2",
        "hosmer_lemeshow_chi2", "hosmer_lemeshow_df", "hosmer_lemeshow_p"]
    assert set(result.feature_importance.importance_type) == {"impurity", "permutation"}
    assert str(result.registry.trained_at.dtype) == "datetime64[us, UTC]"


def test_champion_is_good_and_well_calibrated(sim):
    X, y, p_true, ids, year, result = sim
    champion = result.champion
    cv = _flat(result.metrics, champion, "cv")
    assert cv["auc"] >= 0.95 * roc_auc_score(y, p_true)
    assert 0.8 <= cv["calibration_slope"] <= 1.2
    assert abs(cv["mean_pd"] - y.mean()) < 0.02
    deciles = result.calibration[result.calibration.model == champion]
    assert deciles["decile"].tolist() == list(range(1, 11)) and deciles["n"].sum() == len(y)
    gap = (deciles["mean_pd"] - deciles["observed_rate"]).abs()
    assert gap.mean() < 0.05 and gap.max() < 0.12
    assert deciles["mean_pd"].is_monotonic_increasing
    # every model is evaluated and the champion flag is consistent everywhere
    assert result.registry.set_index("model")["is_champion"].sum() == 1
    assert result.registry.set_index("model").loc[champion, "is_champion"]
    for model in result.models:
        assert 0.6 < _flat(result.metrics, model, "cv")["auc"] <= 1


def test_logistic_recovers_signs_and_magnitudes(sim):
    X, y, p, ids, year, result = sim
    coef = result.coefficients[result.coefficients.model == "logistic"].set_index("feature")
    # design columns are robust-scaled: convert back to raw units with the fitted IQR
    numeric = result.models["logistic"].named_steps["preprocess"].named_transformers_["numeric"]
    scale = pd.Series(numeric.named_steps["scale"].scale_, index=numeric.feature_names_in_)
    expected_raw = {"x1": TRUE["x1"], "x1_dup": TRUE["x1"] / 2, "x2": TRUE["x2"], "x3": TRUE["x3"]}
    assert len({"x1", "x1_dup"} & set(coef.index)) == 1  # the duplicate was screened out
    for name, beta in expected_raw.items():
        if name in coef.index:
            b_raw = coef.loc[name, "b"] / scale[name]
            assert np.sign(b_raw) == np.sign(beta), name
            assert abs(b_raw - beta) < 0.35 * abs(beta), (name, b_raw)
    assert coef.loc["sector=retail", "b"] > 0 and coef.loc["sector=services", "b"] < 0
    assert "noise" not in coef.index
    np.testing.assert_allclose(coef["exp_b"], np.exp(coef["b"]))
    np.testing.assert_allclose(coef["wald"], (coef["b"] / coef["se"]) ** 2)


def test_screening_table_records_noise_duplicate_and_degenerate(sim):
    result = sim[-1]
    s = result.screening
    raw = s[s.step == "degenerate_raw"].set_index("feature")["note"]
    assert raw["constant"] == "dropped: constant" and raw["empty"] == "dropped: all_missing"
    final = s[s.step == "final"].set_index("feature")["selected"]
    assert not final["noise"]
    assert final[["x1", "x1_dup"]].sum() == 1
    assert final[["x2", "x3"]].all()
    dropped = s[(s.step == "correlation") & ~s.selected]
    assert set(dropped.feature) & {"x1", "x1_dup"}
    univariate = s[(s.step == "univariate_logit") & (s.feature == "x2")].set_index("metric")["value"]
    assert set(univariate.index) == {"b", "se", "wald", "df", "sig", "exp_b"} and univariate["b"] < 0
    assert {"vif", "tolerance"} <= set(s[s.step == "vif"].metric)
    freq = s[s.step == "cv_selection_frequency"].set_index("feature")["value"]
    assert freq["x2"] == 1.0 and freq.between(0, 1).all()


def test_scores_are_probabilities_with_monotone_grades(sim):
    X, y, p, ids, year, result = sim
    scores = result.scores
    assert len(scores) == len(X) * len(result.models)
    assert scores["pd"].between(0, 1).all()
    assert scores.groupby("entity_id")["is_champion"].sum().eq(1).all()
    for _, frame in scores.groupby("model"):
        ordered = frame.sort_values("pd", kind="stable")
        assert ordered["grade"].is_monotonic_increasing
        assert ordered["score"].is_monotonic_decreasing
    champion = scores[scores.is_champion].set_index("entity_id")
    np.testing.assert_allclose(champion.loc[ids, "pd"].to_numpy(), result.predict_pd(X))
    # the training rows' scores reuse the in-sample PDs: exactly what scoring the rows again gives
    pd.testing.assert_frame_equal(scores, result.score(X, ids), check_exact=True)


def test_scoring_new_data_with_unseen_levels_nan_and_extra_columns(sim):
    X, y, p, ids, year, result = sim
    new = X.head(5).copy()
    new.loc[new.index[0], "sector"] = "mining"  # level never seen in training
    new.loc[new.index[1], ["x1", "x2", "x3", "x1_dup"]] = np.nan
    new.loc[new.index[2], "region"] = None
    new["unused_extra"] = 1
    out = result.score(new, entity_ids=["n1", "n2", "n3", "n4", "n5"])
    assert list(out.columns) == EXPECTED_COLUMNS["scores"]
    assert len(out) == 5 * len(result.models)
    assert out["pd"].between(0, 1).all() and out["grade"].between(1, 10).all()
    with pytest.raises(KeyError):
        result.score(new.drop(columns=["x2"]), entity_ids=list("abcde"))


def test_out_of_time_uses_the_last_year(sim):
    X, y, p, ids, year, result = sim
    oot = _flat(result.metrics, result.champion, "out_of_time")
    assert oot["n"] == (year == 2021).sum()
    assert oot["auc"] > 0.7
    assert any("out-of-time split at" in note for note in result.notes)
    cutoffs = result.metrics[(result.metrics.evaluation == "out_of_time") & (result.metrics.metric == "type_i_error")]
    train_rate = round(float(y[year < 2021].mean()), 6)
    assert set(np.round(cutoffs.cutoff, 6)) == {0.1, 0.2, 0.3, 0.5, train_rate}


def test_registry_documents_the_fit(sim):
    X, y, p, ids, year, result = sim
    reg = result.registry.set_index("model")
    assert reg["model_id"].str.fullmatch(r"[0-9a-f]{16}").all() and reg["model_id"].is_unique
    assert (reg["training_rows"] == len(X)).all()
    assert reg["data_fingerprint"].nunique() == 1
    assert "scikit-learn 1.9" in reg["package_version"].iloc[0]
    hyper = json.loads(reg.loc["random_forest", "hyperparameters"])
    assert hyper["estimator"]["min_samples_leaf"] in (10, 3)
    assert hyper["calibration"]["method"] == reg.loc["random_forest", "calibration_method"]
    assert set(hyper["calibration"]["cv_brier"]) == {"none", "sigmoid", "isotonic"}
    assert reg.loc["svm", "calibration_method"] in ("sigmoid", "isotonic")
    assert reg.loc["logistic", "calibration_method"] == "none"
    assert json.loads(reg.loc["logistic", "hyperparameters"])["logistic_fit"]["method"] == "mle"
    assert reg.loc["logistic", "n_features"] == (result.coefficients.model == "logistic").sum() - 1


def test_identical_outputs_on_rerun_and_across_n_jobs():
    X, y, p, ids, year = simulate(n=400, seed=7)
    kwargs = dict(level="loan", variant="all", entity_ids=ids, time=year, cv_repeats=2, cv_folds=3, random_state=3)
    first = fit_pd_models(X, y, config=small_forest_config(20, n_jobs=1), **kwargs)
    second = fit_pd_models(X, y, config=small_forest_config(20, n_jobs=2), **kwargs)
    for name, frame in first.tables().items():
        other = second.tables()[name]
        if name == "registry":
            frame, other = frame.drop(columns="trained_at"), other.drop(columns="trained_at")
        pd.testing.assert_frame_equal(frame, other, check_exact=True, obj=name)


def test_single_model_subset_and_perfect_separation():
    rng = np.random.default_rng(5)
    n = 300
    rating = rng.normal(size=n)
    X = pd.DataFrame({"rating": rating, "other": rng.normal(size=n), "grade": pd.Series(rng.choice(list("ab"), n))})
    y = pd.Series((rating > 0.8).astype(int))  # the rating separates defaulters perfectly
    result = fit_pd_models(X, y, level="enterprise", variant="without_rating", entity_ids=pd.Series(range(n)),
                           models=("logistic",), cv_repeats=1, cv_folds=3)
    hyper = json.loads(result.registry.hyperparameters.iloc[0])
    assert hyper["logistic_fit"]["method"] == "l2_penalized"
    assert any(n.startswith("logistic: ") and "refitted with L2" in n for n in result.notes)  # surfaced
    assert "rating" in result.coefficients.feature.tolist()
    assert np.isfinite(result.coefficients[["b", "se"]].to_numpy()).all()
    assert _flat(result.metrics, "logistic", "cv")["auc"] > 0.95
    assert result.feature_importance.empty and list(result.feature_importance.columns) == \
        EXPECTED_COLUMNS["feature_importance"]
    assert set(result.metrics.evaluation) == {"cv", "in_sample"}  # no time column -> no out-of-time rows


def test_input_validation():
    X, y, p, ids, year = simulate(n=200, seed=1)
    with pytest.raises(ValueError, match="0/1"):
        fit_pd_models(X, y.replace({1: 2}), level="l", variant="v", entity_ids=ids)
    with pytest.raises(ValueError, match="rows"):
        fit_pd_models(X, y.iloc[:-1], level="l", variant="v", entity_ids=ids)
    with pytest.raises(ValueError, match="defaults"):
        fit_pd_models(X, pd.Series([1] * 3 + [0] * 197), level="l", variant="v", entity_ids=ids)
    with pytest.raises(ValueError, match="models"):
        fit_pd_models(X, y, level="l", variant="v", entity_ids=ids, models=("xgboost",))
    with pytest.raises(TypeError):
        fit_pd_models(X.to_numpy(), y, level="l", variant="v", entity_ids=ids)
