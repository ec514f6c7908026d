"""Calibration variants equal CalibratedClassifierCV; fast permutation importance equals sklearn's;
preprocessing, champion rule and fingerprint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from sme_credit.modeling.calibration import (
    OOBCalibratedClassifier,
    calibration_variants,
    choose_calibration,
    with_calibration,
)
from sme_credit.modeling.importance import feature_groups, grouped_permutation_importance
from sme_credit.modeling.pipeline import frame_fingerprint, select_champion
from sme_credit.modeling.preprocess import (
    FeatureTypes,
    Winsorizer,
    build_preprocessor,
    degenerate_columns,
    design_feature_sources,
    infer_feature_types,
)


def _data(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(-(2 * X[:, 0] - X[:, 1] - 1)))).astype(int)
    return X, y


@pytest.mark.parametrize("estimator", [SVC(random_state=0), GaussianNB()])
def test_shared_calibration_variants_equal_calibrated_classifier_cv(estimator):
    X, y = _data()
    methods = ["sigmoid", "isotonic"] + ([] if isinstance(estimator, SVC) else ["none"])
    variants, base = calibration_variants(estimator, X[:200], y[:200], X[200:], methods, random_state=5)
    for method in methods:
        ref = with_calibration(estimator, method, random_state=5).fit(X[:200], y[:200])
        np.testing.assert_allclose(variants[method], ref.predict_proba(X[200:])[:, 1], atol=1e-12)


def test_oob_calibration_variants_equal_the_deployed_forest():
    X, y = _data(n=400)
    forest = RandomForestClassifier(n_estimators=40, min_samples_leaf=5, random_state=0)
    methods = ["none", "sigmoid", "isotonic"]
    variants, base = calibration_variants(forest, X[:300], y[:300], X[300:], methods, random_state=5,
                                          strategy="oob")
    for method in methods:
        ref = with_calibration(forest, method, random_state=5, strategy="oob").fit(X[:300], y[:300])
        np.testing.assert_allclose(variants[method], ref.predict_proba(X[300:])[:, 1], atol=1e-12)
    deployed = with_calibration(forest, "sigmoid", random_state=5, strategy="oob").fit(X[:300], y[:300])
    assert isinstance(deployed, OOBCalibratedClassifier)
    # the calibrator is learnt on honest out-of-bag scores; Platt keeps the ranking
    raw = deployed.estimator_.predict_proba(X[300:])[:, 1]
    cal = deployed.predict_proba(X[300:])[:, 1]
    assert np.all(np.diff(cal[np.argsort(raw)]) >= -1e-12)
    assert abs(cal.mean() - y[:300].mean()) < 0.08


def test_choose_calibration_rule():
    # within 0.5 % of the best Brier the simpler method is kept
    assert choose_calibration({"none": 0.1004, "sigmoid": 0.1001, "isotonic": 0.1000}) == "none"
    assert choose_calibration({"none": 0.1100, "sigmoid": 0.1004, "isotonic": 0.1000}) == "sigmoid"
    assert choose_calibration({"none": 0.1100, "sigmoid": 0.1050, "isotonic": 0.1000}) == "isotonic"
    assert choose_calibration({"sigmoid": 0.12, "isotonic": 0.11}) == "isotonic"
    assert choose_calibration({"none": 0.1, "sigmoid": 0.2}, tolerance=0.0) == "none"


def test_grouped_permutation_importance_equals_sklearn_on_raw_features():
    rng = np.random.default_rng(3)
    n = 300
    raw = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        "sector": rng.choice(["m", "r", "s"], size=n),
    })
    y = (rng.random(n) < 1 / (1 + np.exp(-(raw.a + (raw.sector == "r") - 1)))).astype(int)
    types = infer_feature_types(raw)
    pre = build_preprocessor(types).fit(raw.iloc[:200])
    model = RandomForestClassifier(n_estimators=30, random_state=0).fit(pre.transform(raw.iloc[:200]), y[:200])
    test_raw, test_y = raw.iloc[200:], y[200:]
    design = pre.transform(test_raw)
    groups = feature_groups(design.columns, design_feature_sources(design.columns, types), list(raw.columns))
    fast = grouped_permutation_importance(model, design, test_y, groups, n_repeats=4, random_state=11)
    ref = permutation_importance(Pipeline([("pre", pre), ("m", model)]), test_raw, test_y, scoring="roc_auc",
                                 n_repeats=4, random_state=11)
    np.testing.assert_allclose(fast.to_numpy(), ref.importances_mean, atol=1e-10)
    assert fast.index.tolist() == ["a", "b", "sector"]


def test_preprocessor_names_missing_indicators_and_unseen_levels():
    raw = pd.DataFrame({
        "num": [1.0, np.nan, 3.0, 4.0, 100.0, 2.0] * 10,
        "cat": pd.Series(["x", "y", None, "x", "y", "z"] * 10, dtype="str"),
        "flag": [True, False, True, True, False, False] * 10,
    })
    types = infer_feature_types(raw)
    assert types == FeatureTypes(("num", "flag"), ("cat",))
    pre = build_preprocessor(types).fit(raw.assign(flag=raw.flag.astype(float)))
    design = pre.transform(raw.assign(flag=raw.flag.astype(float)))
    assert "missingindicator_num" in design.columns
    assert {"cat=x", "cat=y", "cat=z"} <= set(design.columns)  # "__missing__" is the dropped baseline
    assert not design.isna().any().any()
    sources = design_feature_sources(design.columns, types)
    assert sources["missingindicator_num"] == "num" and sources["cat=z"] == "cat"
    new = pd.DataFrame({"num": [np.nan], "cat": ["never_seen"], "flag": [1.0]})
    with pytest.warns(UserWarning, match="unknown categories"):
        out = pre.transform(new)
    assert out.shape == (1, design.shape[1]) and np.isfinite(out.to_numpy()).all()


def test_winsorizer_clips_at_training_quantiles_and_keeps_nan():
    X = np.c_[np.r_[np.arange(100.0), np.nan]]
    w = Winsorizer(0.05, 0.95).fit(X)
    out = w.transform(np.array([[-50.0], [50.0], [500.0], [np.nan]]))
    assert out[0, 0] == pytest.approx(np.nanquantile(X, 0.05))
    assert out[1, 0] == 50.0 and out[2, 0] == pytest.approx(np.nanquantile(X, 0.95))
    assert np.isnan(out[3, 0])


def test_degenerate_raw_columns_have_reasons():
    raw = pd.DataFrame({
        "ok": [1.0, 2.0, 3.0, 4.0],
        "const": [5, 5, 5, 5],
        "nan": [np.nan] * 4,
        "inf": [np.inf, 1.0, np.nan, -np.inf],  # only one finite value -> constant
        "date": pd.to_datetime(["2020-01-01"] * 4),
        "id": ["a", "b", "c", "d"],
    })
    reasons = degenerate_columns(raw, max_levels=3).set_index("feature")["reason"].to_dict()
    # many levels are not degenerate: the encoder buckets the rare ones (identifiers go earlier)
    assert reasons == {"const": "constant", "nan": "all_missing", "inf": "constant",
                       "date": "unsupported_dtype"}


def test_champion_rule_auc_then_brier_then_simplicity():
    frame = pd.DataFrame({"model": ["logistic", "random_forest", "svm"], "auc": [0.80, 0.83, 0.70],
                          "brier": [0.10, 0.12, 0.09]})
    assert select_champion(frame) == "random_forest"
    frame.loc[1, "auc"] = 0.804  # within 0.005 of the best -> lower Brier wins
    assert select_champion(frame) == "logistic"
    frame.loc[1, "brier"] = 0.0995  # Brier within 0.001 as well -> simplest
    assert select_champion(frame) == "logistic"
    frame.loc[1, "brier"] = 0.085  # clearly better Brier
    assert select_champion(frame) == "random_forest"
    # Brier tied again: the calibration slope closer to 1 decides before simplicity
    frame.loc[1, "brier"] = 0.0995
    frame["calibration_slope"] = [0.70, 0.95, 1.0]
    assert select_champion(frame) == "random_forest"
    frame.loc[0, "calibration_slope"] = 1.04  # within 0.1 of the best -> simplest
    assert select_champion(frame) == "logistic"


def test_fingerprint_ignores_row_and_column_order_only():
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": ["x", "y", None], "label": [0, 1, 0]})
    shuffled = frame.iloc[[2, 0, 1], ::-1]
    assert frame_fingerprint(frame) == frame_fingerprint(shuffled)
    changed = frame.copy()
    changed.loc[0, "a"] = 1.5
    assert frame_fingerprint(frame) != frame_fingerprint(changed)
    assert len(frame_fingerprint(frame)) == 64
