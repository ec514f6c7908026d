"""The back-testing marts (models/marts/pd_validation) of a demo build, recomputed independently
with scikit-learn, scipy and pandas from the rows they aggregate."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from conftest import query
from sme_credit.pd_validation import population_stability_index

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def backtest_rows(demo_warehouse) -> pd.DataFrame:
    return query(demo_warehouse.db, "select * from intermediate.int_pd_backtest_rows "
                                    "where variant = 'point_in_time' and is_champion")


def test_discrimination_by_cohort_matches_sklearn_and_scipy(demo_warehouse, backtest_rows):
    mart = query(demo_warehouse.db, "select * from marts.pd_discrimination_by_cohort "
                                    "where variant = 'point_in_time' and is_champion").set_index("as_of_date")
    assert set(mart["evaluation_window"]) == {"development", "gap", "out_of_time"}
    for as_of, cohort in backtest_rows.groupby("as_of_date"):
        y, p = cohort["observed_default"].astype(int), cohort["pd"]
        row = mart.loc[as_of]
        assert row["n"] == len(cohort) and row["defaults"] == y.sum()
        assert row["brier"] == pytest.approx(np.mean((p - y) ** 2), rel=1e-9)
        if 0 < y.sum() < len(y):
            assert row["auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-9)
            assert row["ks"] == pytest.approx(stats.ks_2samp(p[y == 1], p[y == 0]).statistic, abs=1e-9)


def test_backtest_cells_aggregate_the_rows(demo_warehouse, backtest_rows):
    mart = query(demo_warehouse.db, "select * from marts.pd_backtest where variant = 'point_in_time' and is_champion")
    expected = backtest_rows.groupby(["as_of_date", "grade"]).agg(n=("pd", "size"), defaults=("observed_default", "sum"),
                                                                 mean_pd=("pd", "mean")).reset_index()
    got = mart.merge(expected, on=["as_of_date", "grade"], suffixes=("", "_expected"), validate="one_to_one")
    assert len(got) == len(expected) == len(mart)
    assert (got["n"] == got["n_expected"]).all() and (got["defaults"] == got["defaults_expected"]).all()
    np.testing.assert_allclose(got["mean_pd"], got["mean_pd_expected"], rtol=1e-9)
    assert mart[["binomial_p_value", "jeffreys_p_value"]].stack().between(0, 1).all()


def test_pd_stability_matches_a_pandas_psi(demo_warehouse):
    scores = query(demo_warehouse.db, "select as_of_date, grade, in_training_sample from marts.pd_scores "
                                      "where variant = 'point_in_time' and is_champion")
    mart = query(demo_warehouse.db, "select as_of_date, psi, psi_band from marts.pd_stability "
                                    "where variant = 'point_in_time' and model = (select champion from marts.pd_model_runs "
                                    "where variant = 'point_in_time')").set_index("as_of_date")
    grades = range(1, 11)
    expected = scores[scores["in_training_sample"]]["grade"].value_counts(normalize=True).reindex(grades, fill_value=0)
    for as_of, group in scores.groupby("as_of_date"):
        actual = group["grade"].value_counts(normalize=True).reindex(grades, fill_value=0)
        assert mart.loc[as_of, "psi"] == pytest.approx(population_stability_index(expected, actual), rel=1e-9, abs=1e-12)
    bands = pd.cut(mart["psi"], [-np.inf, 0.10, 0.25, np.inf], right=False, labels=["stable", "monitor", "shift"])
    assert (bands.astype(str) == mart["psi_band"]).all()


def test_rating_migration_counts_and_shares(demo_warehouse):
    history = query(demo_warehouse.db, "select enterprise_id, as_of_date, grade from marts.enterprise_pd_history "
                                       "where variant = 'point_in_time' and model = 'logistic'")
    history["as_of_date"] = pd.to_datetime(history["as_of_date"])
    later = history.assign(as_of_date=history["as_of_date"] - pd.DateOffset(months=3))
    moves = history.merge(later, on=["enterprise_id", "as_of_date"], suffixes=("_from", "_to"))
    expected = moves.groupby(["as_of_date", "grade_from", "grade_to"]).size()
    mart = query(demo_warehouse.db, "select as_of_date, from_grade, to_grade, n, share from marts.rating_migration "
                                    "where variant = 'point_in_time' and model = 'logistic' and horizon_months = 3")
    mart["as_of_date"] = pd.to_datetime(mart["as_of_date"])
    got = mart.set_index(["as_of_date", "from_grade", "to_grade"])["n"].sort_index()
    assert got.to_dict() == expected.sort_index().to_dict()
    shares = mart.groupby(["as_of_date", "from_grade"])["share"].sum()
    np.testing.assert_allclose(shares, 1.0)


def test_loan_backtest_uses_fully_reported_windows_only(demo_warehouse):
    rows = query(demo_warehouse.db, """
        select b.entity_id, f.disbursement_date, (select max(month) from staging.stg_loan_performance) as last_month
        from intermediate.int_pd_backtest_rows b join marts.loan_features f on f.loan_id = b.entity_id
        where b.level = 'loan'""")
    assert len(rows) > 1000
    window_end = pd.to_datetime(rows["disbursement_date"]).dt.to_period("M").dt.to_timestamp() + pd.DateOffset(months=11)
    assert (window_end <= pd.to_datetime(rows["last_month"])).all()
