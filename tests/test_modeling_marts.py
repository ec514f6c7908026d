"""PD models on the marts (sme_credit.modeling.marts) and the dbt Python models that wrap them,
called with a fake `dbt` over an in-memory DuckDB."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from fake_dbt import FakeDbt, create_table, load_model, referenced_models
from sme_credit.modeling import marts, tasks
from sme_credit.modeling.folds import cv_splits
from sme_credit.modeling.tables import TABLE_COLUMNS

FAST = {"models": ("logistic", "random_forest", "naive_bayes", "woe_scorecard"), "cv_repeats": 1, "cv_folds": 3,
        "random_state": 5}
PD_MODELS = ["pd_scores", "pd_model_metrics", "pd_coefficients", "pd_goodness_of_fit", "pd_feature_importance",
             "pd_screening", "pd_calibration", "pd_model_registry", "pd_scorecard_points"]
MODEL_REFS = ["validated_enterprise_indicators", "validated_loan_features", "indicator_expected_signs"]


def synthetic_marts(n: int = 400, seed: int = 11, n_loans: int = 900) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Marts shaped like enterprise_indicators and loan_features, defaults from a known logit."""
    rng = np.random.default_rng(seed)
    ids = pd.Series([f"E{i:04d}" for i in range(n)])
    strength = rng.normal(size=n)
    p = 1 / (1 + np.exp(-(-1.5 - 1.2 * strength)))
    defaulted = rng.random(n) < p
    has_record = rng.random(n) < 0.7
    rating = np.select([strength > 0.8, strength > 0, strength > -0.8], ["A", "B", "C"], "D")
    latest = pd.DataFrame({
        "enterprise_id": ids,
        "as_of_date": pd.Timestamp("2021-01-01"),
        "is_latest": True,
        "industry": pd.Series(rng.choice(["trade", "construction", "technology"], size=n), dtype="str"),
        "credit_rating": pd.Series(np.where(has_record, rating, None), dtype="str").where(has_record, None),
        "has_credit_record": has_record,
        "has_defaulted": pd.Series(np.where(has_record, defaulted, None), dtype="boolean"),
        "first_invoice_date": pd.Timestamp("2017-03-01"),
        "statement_fiscal_year": 2020,
        "net_sales": np.exp(12 + strength + rng.normal(scale=0.5, size=n)),
        "gross_margin": 0.2 + 0.05 * strength + rng.normal(scale=0.05, size=n),
        "void_ratio_count": np.clip(0.06 - 0.02 * strength + rng.normal(scale=0.01, size=n), 0, 1),
        "noise": rng.normal(size=n),
        # as in the CUMCM data: no default is dated, so only the snapshot tasks run
        "is_in_default": False,
        "label_status": np.where(has_record, np.where(defaulted, "default_undated", "window_open"), "no_credit_record"),
        "default_next_12m": pd.Series([pd.NA] * n, dtype="Int64"),
        "is_label_window_closed": False,
    })
    # an older panel row per enterprise: only is_latest rows are modelled
    older = latest.assign(as_of_date=pd.Timestamp("2020-12-01"), is_latest=False, net_sales=1.0)
    indicators = pd.concat([latest, older], ignore_index=True)

    borrower = rng.choice(np.flatnonzero(has_record), size=n_loans)
    loan_lp = -2.5 - 1.0 * strength[borrower]
    loan_default = rng.random(n_loans) < 1 / (1 + np.exp(-loan_lp))
    window_open = rng.random(n_loans) < 0.15
    year = rng.choice([2018, 2019, 2020, 2021], size=n_loans)
    loans = pd.DataFrame({
        "loan_id": [f"L{i:05d}" for i in range(n_loans)],
        "enterprise_id": ids[borrower].to_numpy(),
        "application_date": pd.to_datetime(pd.Series(year).astype(str) + "-03-01"),
        "application_year": year,
        "indicator_as_of_date": pd.to_datetime(pd.Series(year).astype(str) + "-03-01"),
        "pre_loan_rating": pd.Series(rating[borrower], dtype="str"),
        "daily_avg_deposit": np.exp(10 + strength[borrower]),
        "amount": rng.uniform(1e5, 1e6, size=n_loans),
        "interest_rate": 0.05 - 0.01 * strength[borrower],
        "industry": latest["industry"].to_numpy()[borrower],
        "label_status": np.where(window_open, "window_open", np.where(loan_default, "defaulted", "performing")),
        "is_default": pd.Series(np.where(window_open, None, loan_default.astype(int)), dtype="Int64"),
        "first_default_month": pd.NaT,
        "months_to_default": pd.Series(np.where(loan_default & ~window_open, 5, None), dtype="Int64"),
        "max_days_past_due_in_window": np.where(loan_default, 120, 0),
    })
    return indicators, loans


@pytest.fixture(scope="module")
def marts_frames():
    return synthetic_marts()


@pytest.fixture(scope="module")
def fits(marts_frames):
    indicators, loans = marts_frames
    return marts.fit_warehouse_models(indicators, loans, log=lambda _: None, **FAST)


def test_tasks_fitted_side_by_side_equal_tasks_fitted_one_after_another(marts_frames, fits):
    indicators, loans = marts_frames
    serial = marts.fit_warehouse_models(indicators, loans, log=lambda _: None,
                                        config=marts.PDModelConfig(n_jobs=1), **FAST)
    assert [(f.level, f.variant, f.status) for f in serial] == [(f.level, f.variant, f.status) for f in fits]
    assert sum(f.status == "fitted" for f in fits) >= 2  # the default n_jobs=2 ran two tasks at once
    for name in [*TABLE_COLUMNS, "scores"]:
        one, other = marts.warehouse_table(serial, name), marts.warehouse_table(fits, name)
        if name == "registry":
            one, other = one.drop(columns="trained_at"), other.drop(columns="trained_at")
        pd.testing.assert_frame_equal(one, other, check_exact=True, obj=name)


def test_enterprise_tasks_use_the_latest_rows_and_the_right_population(marts_frames):
    indicators, _ = marts_frames
    latest = indicators[indicators["is_latest"]]
    rated = tasks.snapshot_task(indicators, "snapshot_with_rating")
    unrated = tasks.snapshot_task(indicators, "snapshot_without_rating")
    # with_rating: only enterprises that have a rating; the rating is a feature
    assert set(rated.entity_ids) == set(latest.loc[latest["credit_rating"].notna(), "enterprise_id"])
    assert "credit_rating" in rated.features.columns
    # without_rating: every enterprise, the rating is not a feature
    assert sorted(unrated.entity_ids) == sorted(latest["enterprise_id"])
    assert "credit_rating" not in unrated.features.columns
    for task in (rated, unrated):
        assert not set(task.features.columns) & tasks.ENTERPRISE_NOT_FEATURES
        assert (task.features["net_sales"] > 1.0).all()  # the older panel row (net_sales 1.0) is not used
    # label: has_defaulted where there is a credit record, unknown otherwise
    expected = latest.set_index("enterprise_id")["has_defaulted"].astype("float64")
    got = pd.Series(unrated.label.to_numpy(), index=unrated.entity_ids.to_numpy())
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_loan_task_keeps_outcomes_out_of_the_features(marts_frames):
    _, loans = marts_frames
    task = tasks.loan_task(loans)
    assert not set(task.features.columns) & tasks.LOAN_NOT_FEATURES
    assert {"pre_loan_rating", "daily_avg_deposit", "amount", "industry"} <= set(task.features.columns)
    open_window = (task.label.isna()).to_numpy()
    assert open_window.sum() == (loans["label_status"] == "window_open").sum()
    assert task.time.tolist() == loans.sort_values("loan_id")["application_year"].tolist()


def test_skip_reason_names_the_shortfall(marts_frames):
    indicators, loans = marts_frames
    assert marts.skip_reason(tasks.loan_task(loans.iloc[:0]), cv_folds=5) == "no labelled loan rows"
    few = loans[(loans["is_default"] == 0) | (loans.index < 3)]
    few = few[~((few["is_default"] == 1) & (few.index >= 3))]
    reason = marts.skip_reason(tasks.loan_task(few), cv_folds=5)
    assert reason is not None and "need 10 of each" in reason
    assert marts.skip_reason(tasks.snapshot_task(indicators, "snapshot_with_rating"), cv_folds=5) is None


SNAPSHOT_RUN = [("enterprise", "point_in_time", "skipped"), ("enterprise", "snapshot_with_rating", "fitted"),
                ("enterprise", "snapshot_without_rating", "fitted"), ("loan", "all", "fitted")]


def test_every_task_is_fitted_and_every_entity_scored(fits, marts_frames):
    indicators, loans = marts_frames
    assert [(f.level, f.variant, f.status) for f in fits] == SNAPSHOT_RUN
    assert "no dated default" in fits[0].reason
    scores = marts.warehouse_table(fits, "scores")
    assert list(scores.columns) == marts.SCORE_COLUMNS
    assert scores["pd"].between(0, 1).all()
    latest = indicators[indicators["is_latest"]]
    unrated = scores[scores["variant"] == "snapshot_without_rating"]
    assert set(unrated["entity_id"]) == set(latest["enterprise_id"])  # including no credit record
    assert set(scores.loc[scores["level"] == "loan", "entity_id"]) == set(loans["loan_id"])  # incl. open windows
    per_entity = scores.groupby(["level", "variant", "entity_id"])["is_champion"].sum()
    assert (per_entity == 1).all()
    loan_scores = scores[(scores["level"] == "loan") & scores["is_champion"]].set_index("entity_id")
    truth = loans.set_index("loan_id")["is_default"]
    assert (loan_scores["observed_default"].isna() == truth.reindex(loan_scores.index).isna()).all()
    assert (loan_scores["in_training_sample"] == truth.reindex(loan_scores.index).notna()).all()


def test_training_rows_and_defaults_are_counted(fits, marts_frames):
    indicators, _ = marts_frames
    latest = indicators[indicators["is_latest"]]
    rated = fits[1]
    assert rated.training_rows == int(latest["has_credit_record"].sum())
    assert rated.training_defaults == int(latest["has_defaulted"].fillna(False).sum())


def test_skipped_loan_task_leaves_typed_empty_rows(marts_frames):
    indicators, loans = marts_frames
    messages = []
    fits = marts.fit_warehouse_models(indicators, loans.iloc[:0], tasks=[("loan", "all")], log=messages.append,
                                      **FAST)
    assert fits[0].status == "skipped" and messages == ["PD models loan/all skipped: no labelled loan rows"]
    table = marts.fits_table(fits)
    assert table.loc[0, "artifact"] is None and table.loc[0, "reason"] == "no labelled loan rows"
    scores = marts.warehouse_table(marts.fits_from_frame(table), "scores")
    assert scores.empty and list(scores.columns) == marts.SCORE_COLUMNS
    assert scores["pd"].dtype == "float64" and scores["grade"].dtype == "int64"
    for name in TABLE_COLUMNS:
        if name != "scores":
            assert list(marts.warehouse_table([], name).columns) == TABLE_COLUMNS[name]


def test_fits_survive_the_round_trip_through_the_fits_table(fits):
    table = marts.fits_table(fits)
    fitted = table["status"] == "fitted"
    assert list(table.columns) == marts.FIT_COLUMNS and table.loc[fitted, "artifact"].map(type).eq(bytes).all()
    assert table.loc[~fitted, "artifact"].isna().all()
    restored = marts.fits_from_frame(table)
    for name in ["metrics", "coefficients", "registry", "screening"]:
        pd.testing.assert_frame_equal(marts.warehouse_table(restored, name), marts.warehouse_table(fits, name))
    # the restored pipelines score exactly like the originals
    pd.testing.assert_frame_equal(marts.warehouse_table(restored, "scores"), marts.warehouse_table(fits, "scores"))


def test_settings_come_from_rendered_dbt_config():
    config = {"pd_models": "logistic,random_forest", "pd_cv_repeats": "2", "pd_cv_folds": "4", "pd_random_state": "7"}
    assert marts.settings_from_config(config.get) == {
        "models": ("logistic", "random_forest"), "cv_repeats": 2, "cv_folds": 4, "random_state": 7}
    assert marts.settings_from_config({"pd_pit_training_step_months": "6", "pd_horizon_months": "12"}.get) == {
        "pit_training_step": 6, "horizon_months": 12}
    assert marts.settings_from_config({"pd_models": "['svm', 'logistic']"}.get) == {"models": ("svm", "logistic")}
    assert marts.settings_from_config({}.get) == {}


# --------------------------------------------------------------------------- the dbt Python models


@pytest.fixture(scope="module")
def session(marts_frames):
    import duckdb

    indicators, loans = marts_frames
    con = duckdb.connect()
    create_table(con, "validated_enterprise_indicators", indicators)
    create_table(con, "validated_loan_features", loans)
    create_table(con, "indicator_expected_signs", pd.read_csv(REPO / "seeds" / "indicator_expected_signs.csv"))
    settings = {"pd_models": ",".join(FAST["models"]), "pd_cv_repeats": str(FAST["cv_repeats"]),
                "pd_cv_folds": str(FAST["cv_folds"]), "pd_random_state": str(FAST["random_state"])}
    dbt = FakeDbt(con, config=settings)
    fits = load_model("intermediate/int_pd_model_fits.py").model(dbt, con)
    assert dbt.refs == MODEL_REFS
    assert dbt.configured == {"materialized": "table", "schema": "intermediate"}
    create_table(con, "int_pd_model_fits", fits)
    return con


def test_fit_model_writes_one_row_per_task(session):
    fits = session.sql("select level, variant, status, champion, training_rows from int_pd_model_fits "
                       "order by level, variant").fetchall()
    assert [(r[0], r[1], r[2]) for r in fits] == sorted(SNAPSHOT_RUN)
    assert all(r[3] in FAST["models"] and r[4] > 0 for r in fits if r[2] == "fitted")
    assert referenced_models("intermediate/int_pd_model_fits.py") == MODEL_REFS


def test_a_task_that_cannot_be_fitted_reuses_the_earlier_fit(fits, marts_frames):
    indicators, loans = marts_frames
    few = loans[(loans["is_default"] != 1) | (loans.index < 3)]  # 3 defaults: can't be fitted
    again = marts.fit_warehouse_models(indicators, few, tasks=[("loan", "all")], reusable=fits,
                                       reusable_source="test warehouse", log=lambda _: None, **FAST)
    (loan,) = again
    assert loan.status == "reused" and "need 10 of each" in loan.reason and "test warehouse" in loan.reason
    assert len(loan.scores) == len(few) * len(FAST["models"])
    # score-only mode reuses even a task that could be fitted, and a task the data rule out never is
    score_only = marts.fit_warehouse_models(indicators, loans, reusable=fits, score_only=True,
                                            log=lambda _: None, **FAST)
    status = {(f.level, f.variant): f.status for f in score_only}
    assert status[("loan", "all")] == "reused" and status[("enterprise", "snapshot_with_rating")] == "reused"
    assert status[("enterprise", "point_in_time")] == "skipped"


@pytest.mark.parametrize("name", PD_MODELS)
def test_each_pd_model_returns_its_documented_table(session, name):
    dbt = FakeDbt(session)
    table = load_model(f"marts/pd/{name}.py").model(dbt, session)
    assert dbt.refs == ["int_pd_model_fits"] and referenced_models(f"marts/pd/{name}.py") == ["int_pd_model_fits"]
    key = {"pd_scores": "scores", "pd_model_metrics": "metrics", "pd_model_registry": "registry"}.get(
        name, name.removeprefix("pd_"))
    expected = marts.SCORE_COLUMNS if key == "scores" else TABLE_COLUMNS[key]
    assert list(table.columns) == expected
    assert len(table) > 0
    assert set(table["level"]) == {"enterprise", "loan"}
    # the table lands in DuckDB as dbt would write it
    create_table(session, f"check_{name}", table)
    assert session.sql(f"select count(*) from check_{name}").fetchall()[0][0] == len(table)


def test_out_of_time_window_holds_a_fifth_of_the_rows():
    years = pd.Series([2017] * 30 + [2018] * 30 + [2019] * 25 + [2020] * 12 + [2021] * 3)
    assert tasks.out_of_time_split(years) == 2019  # 2021+2020 = 15% < 20%, with 2019 = 40%
    assert tasks.out_of_time_split(pd.Series([2020] * 5 + [2021] * 95)) == 2021
    assert tasks.out_of_time_split(pd.Series([2021] * 10)) is None


# --------------------------------------------------------------------------- the point-in-time task


def synthetic_panel(n: int = 150, months: int = 40, seed: int = 3) -> pd.DataFrame:
    """A monthly panel with dated defaults: risk shows in `signal`, which rises before default."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2017-01-01", periods=months, freq="MS")
    risk = rng.normal(size=n)
    hazard = 0.004 * np.exp(0.9 * risk)
    default_month = np.floor(rng.exponential(1 / hazard)).astype(int)  # month index of the first default
    e = np.repeat(np.arange(n), months)
    m = np.tile(np.arange(months), n)
    dm = default_month[e]
    closed = m + 12 <= months - 1
    in_default = dm < m
    defaulted = (dm >= m) & (dm < m + 12)
    status = np.select([in_default, defaulted, ~closed], ["in_default", "defaulted", "window_open"], "performing")
    label = pd.Series(np.select([status == "defaulted", status == "performing"], [1, 0], -1), dtype="Int64")
    return pd.DataFrame({
        "enterprise_id": [f"E{i:03d}" for i in e],
        "as_of_date": dates[m],
        "is_latest": m == months - 1,
        "industry": pd.Series(np.where(e % 2 == 0, "trade", "technology"), dtype="str"),
        "credit_rating": pd.Series(np.where(risk[e] > 0, "D", "A"), dtype="str"),
        "has_credit_record": True,
        "has_defaulted": dm < months,
        "is_in_default": in_default,
        "label_status": status,
        "default_next_12m": label.mask(label < 0),
        "is_label_window_closed": closed,
        "risk_signal": risk[e] + rng.normal(scale=0.5, size=e.size) + 2.0 * ((dm - m) < 6),
        "net_sales": np.exp(12 + rng.normal(size=e.size)),
    })


def test_point_in_time_task_rows_cohorts_and_out_of_time_gap():
    panel = synthetic_panel()
    task = tasks.point_in_time_task(panel, training_step=3, horizon_months=12)
    assert task.skip is None
    scored = panel[~panel["is_in_default"]]
    assert len(task.features) == len(scored)  # every row not in default is scored, every month
    assert "credit_rating" not in task.features.columns  # undated: look-ahead at a past as-of date
    assert not set(task.features.columns) & tasks.ENTERPRISE_NOT_FEATURES
    trained = pd.to_datetime(task.as_of[task.train])
    assert task.label[task.train].notna().all()
    latest_labelled = pd.to_datetime(task.as_of[task.label.notna()]).max()
    assert trained.max() == latest_labelled
    assert (tasks.months_between(trained, latest_labelled) % 3 == 0).all()  # quarterly cohorts
    # the out-of-time window holds >= 20% of the training rows; its models train a horizon earlier
    assert (trained >= task.oot_split).mean() >= 0.2
    assert task.oot_train_end == task.oot_split - pd.DateOffset(months=12)
    assert (task.groups == task.entity_ids).all()


def test_grouped_folds_keep_each_enterprise_in_one_fold():
    panel = synthetic_panel()
    task = tasks.point_in_time_task(panel)
    y = task.label[task.train].to_numpy()
    groups = task.groups[task.train].to_numpy()
    for _, _, train, test in cv_splits(y, 5, 2, 0, groups):
        assert not set(groups[train]) & set(groups[test])
        assert y[test].sum() > 0


def test_point_in_time_fit_scores_every_month_with_out_of_time_pds():
    panel = synthetic_panel()
    fits = marts.fit_warehouse_models(panel, panel.iloc[:0].assign(loan_id=[], is_default=[], application_year=[],
                                                                   indicator_as_of_date=[]),
                                      tasks=[("enterprise", "point_in_time")], log=lambda _: None, **FAST)
    fit = fits[0]
    assert fit.status == "fitted", fit.reason
    scores = fit.scores
    assert scores["pd_out_of_time"].between(0, 1).all() and scores["grade_out_of_time"].notna().all()
    assert len(scores) == len(FAST["models"]) * int((~panel["is_in_default"]).sum())
    assert scores["as_of_date"].nunique() == panel["as_of_date"].nunique()
    metrics = fit.result.metrics
    assert {"cv", "out_of_time"} <= set(metrics["evaluation"])
    # the signal is visible: out-of-time AUC well above chance
    oot = metrics[(metrics["evaluation"] == "out_of_time") & (metrics["metric"] == "auc")]
    assert (oot["value"] > 0.7).all()
    table = marts.fits_table(fits)
    assert table.loc[0, "oot_split"] == fit.result.oot_split.date().isoformat()


def test_every_fit_setting_reaches_the_python_model():
    # dbt passes a Python model only the config keys it sees as literal dbt.config.get("...") calls
    source = (REPO / "models" / "intermediate" / "int_pd_model_fits.py").read_text()
    for key in [*marts.SETTING_KEYS, "pd_models_from", "pd_monotone_constraints"]:
        assert f'dbt.config.get("{key}")' in source, key
