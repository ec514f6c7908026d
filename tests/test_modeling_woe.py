"""WoE scorecard: bins' WoE and event rates by hand, points that add up to the score scale."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sme_credit.modeling.scorecard import DEFAULT_SCALE
from sme_credit.modeling.woe import WoEScorecard, information_value


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(3)
    n = 800
    x = rng.normal(size=n)
    sector = rng.choice(["retail", "build", "farm"], n, p=[0.5, 0.3, 0.2])
    logit = -2.0 + 1.2 * x + np.where(sector == "build", 0.8, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"x": x, "sector": sector, "noise": rng.normal(size=n)}), y


def test_woe_and_event_rate_of_every_bin_match_a_hand_count(sample):
    X, y = sample
    card = WoEScorecard(min_iv=0.0).fit(X, y)
    table = card.points_table()
    events, goods = y.sum(), len(y) - y.sum()
    for feature in ("x", "sector"):
        codes = card.binning_.get_binned_variable(feature).transform(
            X[feature].to_numpy(), metric="indices")
        rows = table[table["feature"] == feature].reset_index(drop=True)
        for idx, row in rows.iterrows():
            in_bin = codes == idx
            if row["n"] == 0:
                continue
            assert in_bin.sum() == row["n"]
            assert y[in_bin].mean() == pytest.approx(row["event_rate"])
            share_good = (in_bin & (y == 0)).sum() / goods
            share_bad = (in_bin & (y == 1)).sum() / events
            assert np.log(share_good / share_bad) == pytest.approx(row["woe"], rel=1e-6)


def test_points_add_up_to_the_score_of_the_pd(sample):
    X, y = sample
    card = WoEScorecard().fit(X, y)
    table = card.points_table()
    pd_ = card.predict_proba(X)[:, 1]
    total = np.zeros(len(X))
    for feature in card.selected_:
        codes = card.binning_.get_binned_variable(feature).transform(X[feature].to_numpy(), metric="indices")
        points = table[table["feature"] == feature]["points"].to_numpy()
        total += points[codes]
    assert np.allclose(total, DEFAULT_SCALE.score(pd_), atol=1e-6)


def test_useless_features_are_left_out_by_information_value(sample):
    X, y = sample
    card = WoEScorecard(min_iv=0.02).fit(X, y)
    assert "x" in card.selected_ and "noise" not in card.selected_
    assert card.iv_["x"] > 0.3 and card.iv_["noise"] < 0.02


def test_information_value_matches_a_hand_count_and_optbinnings_summary(sample):
    X, y = sample
    card = WoEScorecard(min_iv=0.0).fit(X, y)
    events, goods = y.sum(), len(y) - y.sum()
    for feature in X.columns:
        codes = card.binning_.get_binned_variable(feature).transform(X[feature].to_numpy(), metric="indices")
        iv = 0.0
        for idx in np.unique(codes):
            bad = (y[codes == idx] == 1).sum() / events
            good = (y[codes == idx] == 0).sum() / goods
            if bad > 0 and good > 0:
                iv += (bad - good) * np.log(bad / good)
        assert card.iv_[feature] == pytest.approx(iv, rel=1e-9)
        assert information_value(card.binning_.get_binned_variable(feature)) == pytest.approx(iv, rel=1e-9)
    # optbinning's own figure, from the table it builds and analyses
    with warnings.catch_warnings():  # optbinning's summary uses a pandas call pandas 3.1 deprecates
        warnings.simplefilter("ignore")
        summary = card.binning_.summary().set_index("name")["iv"].astype(float)
    assert np.allclose(card.iv_.to_numpy(), summary.reindex(card.iv_.index).to_numpy(), rtol=1e-9)


def test_grid_search_over_c_bins_once_and_matches_gridsearchcv(sample):
    """The scorecard's C path (one binning per fold) chooses and scores exactly like GridSearchCV."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from sme_credit.modeling.estimators import DEFAULT_SPECS, tune_hyperparameters

    X, y = sample
    grid = DEFAULT_SPECS["woe_scorecard"].param_grid["C"]
    best, results = tune_hyperparameters("woe_scorecard", X, y, random_state=3, cv_folds=3)
    search = GridSearchCV(WoEScorecard(), {"C": grid}, scoring="roc_auc", refit=False,
                          cv=StratifiedKFold(3, shuffle=True, random_state=3)).fit(X, y)
    assert best == search.best_params_
    np.testing.assert_allclose(results["mean_auc"], search.cv_results_["mean_test_score"], rtol=1e-12)
    np.testing.assert_allclose(results["std_auc"], search.cv_results_["std_test_score"], rtol=1e-9, atol=1e-15)
    assert results["rank"].tolist() == search.cv_results_["rank_test_score"].tolist()
    path = WoEScorecard().fit_path(X, y, grid)
    for c, fitted in zip(grid, path):
        np.testing.assert_array_equal(fitted.predict_proba(X), WoEScorecard(C=c).fit(X, y).predict_proba(X))
