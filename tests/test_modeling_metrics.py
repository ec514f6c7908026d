"""Each PD metric against an independent hand computation on a small case."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sme_credit.modeling import evaluation as ev

# 5 defaulters, 7 goods, with a tie across classes (0.40) and inside a class (0.10)
Y = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
P = np.array([0.90, 0.70, 0.40, 0.35, 0.10, 0.60, 0.40, 0.30, 0.20, 0.10, 0.05, 0.02])


def test_auc_equals_pair_counting_with_ties():
    bad, good = P[Y == 1], P[Y == 0]
    wins = sum(1.0 if b > g else 0.5 if b == g else 0.0 for b, g in itertools.product(bad, good))
    expected = wins / (len(bad) * len(good))
    assert ev.auc(Y, P) == pytest.approx(expected)
    assert ev.gini(Y, P) == pytest.approx(2 * expected - 1)


def test_ks_equals_max_gap_between_empirical_cdfs():
    bad, good = P[Y == 1], P[Y == 0]
    thresholds = np.unique(P)
    gaps = [abs(np.mean(bad <= t) - np.mean(good <= t)) for t in thresholds]
    assert ev.ks_statistic(Y, P) == pytest.approx(max(gaps))
    # the same number as scipy's two-sample KS statistic
    assert ev.ks_statistic(Y, P) == pytest.approx(stats.ks_2samp(bad, good).statistic)


def test_brier_and_log_loss_by_hand():
    assert ev.brier(Y, P) == pytest.approx(np.mean((P - Y) ** 2))
    hand = -np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    assert ev.binary_log_loss(Y, P) == pytest.approx(hand)


def test_type_i_and_type_ii_errors_from_hand_confusion_matrix():
    y = np.array([1, 1, 1, 0, 0, 0, 0])
    p = np.array([0.9, 0.4, 0.2, 0.6, 0.1, 0.35, 0.05])
    # cut-off 0.35 (inclusive): predicted default = [1, 1, 0, 1, 0, 1, 0]
    res = ev.classify_at_cutoff(y, p, 0.35)
    assert (res.tn, res.fp, res.fn, res.tp) == (2, 2, 1, 2)
    assert res.type_i_error == pytest.approx(1 / 3)  # one of three defaulters judged good
    assert res.type_ii_error == pytest.approx(2 / 4)  # two of four goods refused
    assert res.accuracy == pytest.approx(4 / 7)


def test_evaluate_predictions_long_format_and_cutoffs():
    frame = ev.evaluate_predictions(Y, P, cutoffs=(0.1, 0.5, 0.5))
    assert list(frame.columns) == ["metric", "cutoff", "value"]
    per_cut = frame[frame["cutoff"].notna()]
    assert sorted(per_cut["cutoff"].unique()) == [0.1, 0.5]  # duplicates removed
    cell = per_cut.set_index(["metric", "cutoff"])["value"]
    hand = ev.classify_at_cutoff(Y, P, 0.5)
    assert cell[("type_i_error", 0.5)] == pytest.approx(hand.type_i_error)
    assert cell[("confusion_tp", 0.5)] == hand.tp
    flat = frame[frame["cutoff"].isna()].set_index("metric")["value"]
    assert flat["auc"] == pytest.approx(ev.auc(Y, P))
    assert flat["n"] == len(Y) and flat["n_defaults"] == Y.sum()


def test_hosmer_lemeshow_tiny_case_by_hand():
    y = np.array([0, 0, 1, 0, 1, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.25, 0.3, 0.5, 0.6, 0.7, 0.9])
    res = ev.hosmer_lemeshow(y, p, n_groups=4)
    # groups of two by sorted PD: observed 0,1,1,2 ; expected 0.3,0.55,1.1,1.6
    obs = np.array([0, 1, 1, 2])
    exp = np.array([0.3, 0.55, 1.1, 1.6])
    hand = np.sum((obs - exp) ** 2 / (exp * (1 - exp / 2)))
    assert res.statistic == pytest.approx(hand)
    assert res.df == 2
    assert res.p_value == pytest.approx(stats.chi2.sf(hand, 2))


def test_cox_snell_and_nagelkerke_reproduce_paper_004():
    # Gao & Zhang (2018): n = 60 (30 defaults), -2LL = 34.001 -> Cox–Snell 0.559, Nagelkerke 0.746
    n = 60
    ll_null = 60 * np.log(0.5)
    ll_model = -34.001 / 2
    assert ev.cox_snell_r2(ll_model, ll_null, n) == pytest.approx(0.559, abs=5e-4)
    assert ev.nagelkerke_r2(ll_model, ll_null, n) == pytest.approx(0.746, abs=5e-4)


def test_goodness_of_fit_block_is_consistent():
    gof = ev.goodness_of_fit(Y, P)
    ll = np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    assert gof["minus_2_log_likelihood"] == pytest.approx(-2 * ll)
    ll0 = ev.null_loglik(Y)
    assert ll0 == pytest.approx(5 * np.log(5 / 12) + 7 * np.log(7 / 12))
    assert gof["cox_snell_r2"] == pytest.approx(1 - np.exp(2 * (ll0 - ll) / len(Y)))
    assert 0 < gof["cox_snell_r2"] < gof["nagelkerke_r2"] < 1


def test_calibration_slope_detects_over_and_under_confidence():
    rng = np.random.default_rng(7)
    lp = rng.normal(-1.5, 1.5, size=20_000)
    y = (rng.random(lp.size) < 1 / (1 + np.exp(-lp))).astype(int)
    for shrink, expected_slope in ((1.0, 1.0), (2.0, 0.5), (0.5, 2.0)):
        p = 1 / (1 + np.exp(-lp * shrink))
        intercept, slope = ev.calibration_intercept_slope(y, p)
        assert slope == pytest.approx(expected_slope, rel=0.08)
    intercept, _ = ev.calibration_intercept_slope(y, 1 / (1 + np.exp(-lp)))
    assert abs(intercept) < 0.05


def test_calibration_by_decile_hand_case():
    y = np.array([0, 0, 1, 0, 1, 1])
    p = np.array([0.05, 0.15, 0.3, 0.2, 0.6, 0.9])
    table = ev.calibration_by_decile(y, p, n_groups=3)
    assert list(table.columns) == ["decile", "n", "mean_pd", "observed_rate"]
    assert table["n"].tolist() == [2, 2, 2]
    assert table["mean_pd"].tolist() == pytest.approx([0.10, 0.25, 0.75])
    assert table["observed_rate"].tolist() == pytest.approx([0.0, 0.5, 1.0])


def test_summarise_repeats_mean_and_sample_std():
    a = pd.DataFrame({"metric": ["auc", "accuracy"], "cutoff": [np.nan, 0.5], "value": [0.70, 0.80]})
    b = pd.DataFrame({"metric": ["auc", "accuracy"], "cutoff": [np.nan, 0.5], "value": [0.80, 0.90]})
    out = ev.summarise_repeats([a, b])
    assert out["metric"].tolist() == ["auc", "accuracy"]
    assert out["value"].tolist() == pytest.approx([0.75, 0.85])
    assert out["std"].tolist() == pytest.approx([np.std([0.7, 0.8], ddof=1)] * 2)
    assert np.isnan(out["cutoff"].iloc[0]) and out["cutoff"].iloc[1] == 0.5
    assert ev.summarise_repeats([a])["std"].isna().all()


def test_single_class_metrics_are_nan_not_errors():
    y = np.zeros(5)
    p = np.linspace(0.1, 0.5, 5)
    assert np.isnan(ev.auc(y, p)) and np.isnan(ev.ks_statistic(y, p))
    assert np.isnan(ev.classify_at_cutoff(y, p, 0.3).type_i_error)
