"""PD models and pricing as `make build` writes them, checked against the generator's truth
(the oracle/ folder: every enterprise's and loan's true PD, the latent model's coefficients)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from conftest import query
from sme_credit.modeling import MODEL_NAMES
from sme_credit.pricing import load_parameters, summarise_portfolio

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def loans_truth(demo_warehouse) -> pd.DataFrame:
    """Labelled and open-window loans with their oracle PD and the champion's PD."""
    oracle = pd.read_parquet(demo_warehouse.raw / "oracle" / "loans.parquet")[["loan_id", "true_pd"]]
    scores = query(demo_warehouse.db, """
        select s.entity_id as loan_id, s.pd, s.in_training_sample, f.is_default
        from marts.pd_scores s join marts.loan_features f on f.loan_id = s.entity_id
        where s.level = 'loan' and s.is_champion""")
    return scores.merge(oracle, on="loan_id", validate="one_to_one")


def cv_metric(db, level: str, metric: str, champion_only: bool = True) -> pd.Series:
    champion = "and r.is_champion" if champion_only else ""
    return query(db, f"""
        select m.variant, m.model, m.value from marts.pd_model_metrics m
        join marts.pd_model_registry r using (level, variant, model)
        where m.level = '{level}' and m.evaluation = 'cv' and m.metric = '{metric}' and m.cutoff is null {champion}
    """).set_index(["variant", "model"])["value"]


def test_every_model_family_at_both_levels(demo_warehouse):
    registry = query(demo_warehouse.db, "select level, variant, model, is_champion from marts.pd_model_registry")
    families = set(MODEL_NAMES)
    for level, variant in [("enterprise", "point_in_time"), ("loan", "all")]:
        task = registry[(registry["level"] == level) & (registry["variant"] == variant)]
        assert set(task["model"]) == families and task["is_champion"].sum() == 1
    auc = cv_metric(demo_warehouse.db, "loan", "auc", champion_only=False)
    assert {m for _, m in auc.index} == families and auc.between(0.5, 1).all()
    runs = query(demo_warehouse.db, "select variant, status, reason from marts.pd_model_runs where level = 'enterprise'")
    snapshots = runs[runs["variant"].str.startswith("snapshot")]
    assert (snapshots["status"] == "skipped").all() and snapshots["reason"].str.contains("default dates exist").all()


def test_loan_champion_reaches_95_percent_of_the_oracle_auc(loans_truth, demo_warehouse):
    labelled = loans_truth[loans_truth["is_default"].notna()]
    oracle_auc = roc_auc_score(labelled["is_default"].astype(int), labelled["true_pd"])
    champion_cv_auc = float(cv_metric(demo_warehouse.db, "loan", "auc").iloc[0])
    assert champion_cv_auc >= 0.95 * oracle_auc, (champion_cv_auc, oracle_auc)


@pytest.fixture(scope="module")
def out_of_time_rows(demo_warehouse) -> pd.DataFrame:
    """The point-in-time champion's out-of-time rows with the oracle's references for them."""
    oracle = pd.read_parquet(demo_warehouse.raw / "oracle" / "enterprise_months.parquet")
    oracle["as_of_date"] = pd.to_datetime(oracle["as_of_date"])
    rows = query(demo_warehouse.db, """
        select s.enterprise_id, s.as_of_date, s.pd_out_of_time, s.observed_default
        from marts.pd_scores s
        join marts.pd_model_runs r using (level, variant)
        where s.variant = 'point_in_time' and s.is_champion and s.in_training_sample
          and s.as_of_date >= cast(r.oot_split as date)""")
    rows["as_of_date"] = pd.to_datetime(rows["as_of_date"])
    return rows.merge(oracle, on=["enterprise_id", "as_of_date"], validate="one_to_one")


def test_point_in_time_champion_between_the_static_hazard_and_the_true_pd(out_of_time_rows, demo_warehouse):
    """Issue 11's references on the same out-of-time rows: the champion must read the early
    signs (beat the static hazard), must not beat the oracle that sees the deterioration
    (that would be leakage) and should reach 90% of it."""
    rows = out_of_time_rows
    y = rows["observed_default"].astype(int)
    assert len(rows) > 1000 and y.sum() > 50
    champion = roc_auc_score(y, rows["pd_out_of_time"])
    static = roc_auc_score(y, rows["hazard_per_year"])
    oracle = roc_auc_score(y, rows["true_pd_12m"])
    recorded = query(demo_warehouse.db, """
        select m.value from marts.pd_model_metrics m join marts.pd_model_registry r using (level, variant, model)
        where m.variant = 'point_in_time' and r.is_champion and m.evaluation = 'out_of_time'
          and m.metric = 'auc' and m.cutoff is null""")["value"].iloc[0]
    assert champion == pytest.approx(recorded, abs=1e-9)  # the same rows as pd_model_metrics
    assert static < champion < oracle, (static, champion, oracle)
    assert champion >= 0.9 * oracle, (champion, oracle)


def test_point_in_time_mean_pd_is_within_25_percent_of_the_default_rate(out_of_time_rows):
    rows = out_of_time_rows
    assert rows["pd_out_of_time"].mean() == pytest.approx(rows["observed_default"].mean(), rel=0.25)


def test_loan_pds_are_calibrated_against_the_truth_out_of_sample(loans_truth):
    # loans whose window is still open were never trained on: their PDs are honest predictions
    fresh = loans_truth[~loans_truth["in_training_sample"]]
    assert len(fresh) > 300
    assert fresh["pd"].mean() == pytest.approx(fresh["true_pd"].mean(), rel=0.35)
    deciles = pd.qcut(fresh["pd"].rank(method="first"), 5, labels=False)
    by_group = fresh.groupby(deciles)[["pd", "true_pd"]].mean()
    # expected PD rises with predicted PD, and each quintile's mean PD is within 5 points of the truth
    assert by_group["true_pd"].iloc[-1] > 2 * by_group["true_pd"].iloc[0]
    assert (by_group["pd"] - by_group["true_pd"]).abs().max() < 0.05
    # calibration by decile on the training loans' out-of-fold PDs (the warehouse's own table)
    # is summarised by a slope near 1 in pd_model_metrics


def test_loan_calibration_slope_and_intercept_are_near_one_and_zero(demo_warehouse):
    slope = cv_metric(demo_warehouse.db, "loan", "calibration_slope").iloc[0]
    intercept = cv_metric(demo_warehouse.db, "loan", "calibration_intercept").iloc[0]
    assert 0.7 <= slope <= 1.3 and abs(intercept) <= 0.6


def test_logistic_signs_match_the_latent_model(demo_warehouse):
    coefficients = query(demo_warehouse.db, "select feature, b from marts.pd_coefficients "
                                            "where level = 'loan' and model = 'logistic'").set_index("feature")["b"]
    # docs/generator.md section 5: rating B/C/D add 0.8/1.6/2.4 to the log-odds over A, larger
    # loans, negative credit information and epidemic impact raise it, deposits and mortgages lower it
    expected = {"pre_loan_rating=B": 1, "pre_loan_rating=C": 1, "pre_loan_rating=D": 1, "amount": 1,
                "has_negative_credit_info": 1, "epidemic_impacted": 1, "daily_avg_deposit": -1,
                "guarantee_method=mortgage": -1}
    present = {f: s for f, s in expected.items() if f in coefficients.index}
    assert {"pre_loan_rating=C", "pre_loan_rating=D"} <= set(present)  # the dominant factor is selected
    assert len(present) >= 4
    for feature, sign in present.items():
        assert np.sign(coefficients[feature]) == sign, feature
    ratings = coefficients[[f for f in ["pre_loan_rating=B", "pre_loan_rating=C", "pre_loan_rating=D"] if f in present]]
    assert ratings.is_monotonic_increasing


def test_every_enterprise_and_loan_is_scored_with_a_pd_in_the_unit_interval(demo_warehouse):
    db = demo_warehouse.db
    decision = query(db, "select * from marts.enterprise_pd")
    assert len(decision) == query(db, "select count(*) as n from marts.enterprise_indicators where is_latest")["n"][0]
    assert decision["pd"].notna().all() and decision["pd"].between(0, 1).all()
    assert set(decision["pd_variant"].dropna()) == {"point_in_time"}
    in_default = decision["is_in_default"]
    assert (decision.loc[in_default, "pd"] == 1).all() and (decision.loc[~in_default, "pd"] < 1).all()
    loans = query(db, "select count(*) as n from marts.pd_scores where level = 'loan' and is_champion")["n"][0]
    assert loans == query(db, "select count(*) as n from marts.loan_features")["n"][0]


def test_pd_tables_are_identical_on_rebuild(demo_warehouse, tmp_path):
    """Seeded: a second build from the same raw files writes the same PDs, metrics and registry.

    DuckDB's parallel double sums may differ in the last bits between builds (summation order)
    and the iterative fits amplify that to ~1e-8 (measured: 1.9e-9 on PDs, 3.8e-8 on a metric),
    so numbers are compared to 1e-6 relative, and the data fingerprint and model id (hashes of
    the training data) are left out: they are only bitwise stable with threads: 1."""
    from conftest import build_warehouse

    db2 = tmp_path / "again.duckdb"
    build_warehouse(demo_warehouse.raw, db2, "build", "--select", "+pd_scores", "+pd_model_registry", "+pd_model_metrics",
                    "resource_type:seed", "--exclude", "resource_type:test")
    for sql in ["select * from marts.pd_scores order by level, variant, model, entity_id, as_of_date",
                "select * exclude (trained_at, model_id, data_fingerprint, hyperparameters) from marts.pd_model_registry "
                "order by level, variant, model",
                "select * exclude (std) from marts.pd_model_metrics where not (model = 'gradient_boosting' and "
                "evaluation = 'cv') order by level, variant, model, evaluation, metric, cutoff"]:
        pd.testing.assert_frame_equal(query(demo_warehouse.db, sql), query(db2, sql), check_exact=False, rtol=1e-6)
    # gradient boosting bins each feature at its quantiles, so the last-bit noise of the inputs
    # can move a row across a bin edge inside a CV fold: its CV metrics agree to 1e-2 (measured:
    # 5e-3 on an accuracy, 2.4e-4 relative on AUC; the spread across repeats, std, more), its
    # final PDs to 1e-6 like every model's
    sql = ("select * exclude (std) from marts.pd_model_metrics where model = 'gradient_boosting' and evaluation = 'cv' "
           "order by level, variant, model, evaluation, metric, cutoff")
    pd.testing.assert_frame_equal(query(demo_warehouse.db, sql), query(db2, sql), check_exact=False, rtol=1e-2)
    # the spread across CV repeats is a difference of nearly equal numbers: compared in absolute terms
    sql = ("select std from marts.pd_model_metrics where not (model = 'gradient_boosting' and evaluation = 'cv') "
           "order by level, variant, model, evaluation, metric, cutoff")
    np.testing.assert_allclose(query(demo_warehouse.db, sql)["std"], query(db2, sql)["std"], rtol=0, atol=1e-3)
    # the registry's JSON holds the CV Brier and AUC of the tuning and calibration choices: the
    # summation noise of the inputs, amplified by the iterative logistic fit, moves them by up to
    # ~1e-8 relative, so its numbers are compared to 1e-6 and everything else exactly
    sql = "select model, hyperparameters from marts.pd_model_registry order by level, variant, model"
    for (model, first), (_, second) in zip(query(demo_warehouse.db, sql).itertuples(index=False),
                                           query(db2, sql).itertuples(index=False)):
        rel = 1e-2 if model == "gradient_boosting" else 1e-6  # its CV Brier scores move like its CV metrics
        assert _same_json(json.loads(first), json.loads(second), rel), (first, second)


def _same_json(a, b, rel: float = 1e-6) -> bool:
    """Equal JSON values, numbers to ``rel`` relative."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return a == pytest.approx(b, rel=rel)
    return a == b


def test_allocation_respects_budget_bounds_and_the_grid(demo_warehouse):
    db = demo_warehouse.db
    params = load_parameters()
    allocation = query(db, "select * from marts.credit_allocation")
    lent = allocation[allocation["amount"] > 0]
    assert lent["amount"].between(params.min_loan, params.max_loan).all()
    assert (allocation.loc[allocation["tier"] == "declined", "amount"] == 0).all()
    totals = allocation.groupby(["scenario", "question"])["amount"].sum()
    budgets = {"q1": params.total_budget_q1, "q2": params.total_budget}
    for (_, question), total in totals.items():
        assert 0 < total <= budgets[question] + 0.5
    grid = set(query(db, "select interest_rate from reference.rate_churn")["interest_rate"].round(10))
    rates = query(db, "select rate from marts.pricing_tiers where rate is not null")["rate"].round(10)
    assert set(rates) <= grid


def test_sql_portfolio_summary_equals_the_python_definition(demo_warehouse):
    db = demo_warehouse.db
    allocation = query(db, "select * from marts.credit_allocation")
    enterprises = query(db, "select enterprise_id, industry from intermediate.int_pricing_enterprises")
    expected = summarise_portfolio(allocation, enterprises)
    keys = ["scenario", "question", "breakdown", "breakdown_value"]
    got = query(db, "select * from marts.portfolio_summary")[expected.columns]
    got = got.sort_values(keys, ignore_index=True)
    expected = expected.sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=False, rtol=1e-9)


def test_stress_raises_expected_loss_per_yuan(demo_warehouse):
    summary = query(demo_warehouse.db, "select * from marts.scenario_summary where breakdown = 'overall'")
    assert set(summary["scenario"]) == {"epidemic"}
    per_yuan = (summary["stressed_expected_loss"] / summary["stressed_total_lent"]
                > summary["base_expected_loss"] / summary["base_total_lent"])
    assert per_yuan.all()
