"""Which rows and columns each PD model task uses (the tasks of ``sme_credit.modeling.marts``).

* ``enterprise / point_in_time``: the monthly ``enterprise_indicators`` panel. Label
  ``default_next_12m`` on rows whose 12-month window has closed; trained on as-of cohorts every
  ``training_step`` months (the latest labelled month always among them); CV folds grouped by
  enterprise; out-of-time test on the latest labelled cohorts holding >= 20% of the training
  rows, its models trained only on rows whose label window ended before the test starts.
  Scores every row not in default, every month. The bank's ``credit_rating`` is undated (it
  reflects later repayment experience), so it is not a feature here.
* ``enterprise / snapshot_with_rating`` and ``snapshot_without_rating``: the latest panel row,
  label ``has_defaulted`` (ever defaulted, undated). Only for data without default dates (the
  CUMCM files): with dates they would read post-default information, so they are skipped.
* ``loan / all``: ``loan_features`` rows whose 12-month window closed (label ``is_default``),
  out-of-time test by ``application_year``. Scores every loan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: (level, variant) of every model task, in build order.
TASKS: tuple[tuple[str, str], ...] = (
    ("enterprise", "point_in_time"),
    ("enterprise", "snapshot_with_rating"),
    ("enterprise", "snapshot_without_rating"),
    ("loan", "all"),
)
SNAPSHOT_VARIANTS = ("snapshot_with_rating", "snapshot_without_rating")

RATING_COLUMN = "credit_rating"
OOT_MIN_SHARE = 0.2

# Columns of the marts that are never features: keys, dates, bookkeeping and every column
# derived from the outcome. Everything else in the mart is a candidate feature, so a new
# indicator column is picked up without code changes (and screened like the others).
ENTERPRISE_NOT_FEATURES = frozenset({
    "enterprise_id", "as_of_date", "is_latest", "has_credit_record", "has_defaulted",
    "first_invoice_date", "last_invoice_date", "statement_fiscal_year",
    "is_in_default", "label_status", "default_next_12m", "is_label_window_closed",
})
LOAN_NOT_FEATURES = frozenset({
    "loan_id", "enterprise_id", "application_date", "disbursement_date", "application_year",
    "indicator_as_of_date", "first_invoice_date", "last_invoice_date", "statement_fiscal_year",
    # the bank's price reflects its own risk view; keeping it out keeps PD independent of pricing
    "interest_rate",
    # outcome and outcome-derived
    "label_status", "is_default", "first_default_month", "months_to_default", "max_days_past_due_in_window",
})


@dataclass
class TaskData:
    """One task's rows: features for every entity to score, labels, and which rows train.

    label: the observed outcome (float 0/1, NaN = unknown), reported with the scores;
    train: the rows the models are fitted on (default: the labelled rows).
    """

    level: str
    variant: str
    features: pd.DataFrame
    entity_ids: pd.Series
    enterprise_ids: pd.Series
    label: pd.Series
    as_of: pd.Series
    time: pd.Series | None = None
    train: np.ndarray | None = None
    groups: pd.Series | None = None
    oot_split: object = None
    oot_train_end: object = None
    skip: str | None = None  # a reason decided from the data before any fit

    @property
    def labelled(self) -> np.ndarray:
        return self.label.notna().to_numpy() if self.train is None else self.train


def _feature_frame(frame: pd.DataFrame, excluded: Iterable[str]) -> pd.DataFrame:
    excluded = set(excluded)
    return frame[[c for c in frame.columns if c not in excluded]]


def has_default_dates(enterprise_indicators: pd.DataFrame) -> bool:
    """Whether anything dates a default (default_events or 90+ DPD loan reports)."""
    return bool(enterprise_indicators["label_status"].isin(["defaulted", "in_default"]).any())


def latest_indicators(enterprise_indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per enterprise: the ``is_latest`` as-of date of the indicator panel."""
    latest = enterprise_indicators[enterprise_indicators["is_latest"].astype(bool)]
    if latest["enterprise_id"].duplicated().any():
        raise ValueError("enterprise_indicators: more than one is_latest row for an enterprise")
    return latest.sort_values("enterprise_id", kind="stable").reset_index(drop=True)


def snapshot_task(enterprise_indicators: pd.DataFrame, variant: str) -> TaskData:
    """A snapshot task: the latest row of every enterprise, label has_defaulted (credit record)."""
    if variant not in SNAPSHOT_VARIANTS:
        raise ValueError(f"unknown snapshot variant {variant!r}")
    latest = latest_indicators(enterprise_indicators)
    excluded = set(ENTERPRISE_NOT_FEATURES)
    if variant == "snapshot_with_rating":
        # the rating exists only with a credit record; scoring unrated firms with it would be guesswork
        latest = latest[latest[RATING_COLUMN].notna()].reset_index(drop=True)
    else:
        excluded.add(RATING_COLUMN)
    label = latest["has_defaulted"].astype("float64").where(latest["has_credit_record"].astype(bool))
    skip = None
    if has_default_dates(enterprise_indicators):
        skip = ("default dates exist, so enterprise/point_in_time is the enterprise task; the snapshot "
                "label has_defaulted is undated and its indicators would read post-default data")
    return TaskData("enterprise", variant, _feature_frame(latest, excluded), latest["enterprise_id"],
                    latest["enterprise_id"], label, as_of=latest["as_of_date"], skip=skip)


def months_between(earlier: pd.Series, later) -> pd.Series:
    """Whole calendar months from each date of `earlier` to `later`."""
    e, lt = pd.to_datetime(earlier), pd.Timestamp(later)
    return (lt.year - e.dt.year) * 12 + (lt.month - e.dt.month)


def point_in_time_task(enterprise_indicators: pd.DataFrame, *, training_step: int = 3, horizon_months: int = 12
                       ) -> TaskData:
    """The monthly panel task (see the module docstring)."""
    panel = enterprise_indicators[~enterprise_indicators["is_in_default"].astype(bool)]
    panel = panel.sort_values(["enterprise_id", "as_of_date"], kind="stable").reset_index(drop=True)
    as_of = pd.to_datetime(panel["as_of_date"])
    closed = panel["is_label_window_closed"].astype(bool)
    label = pd.to_numeric(panel["default_next_12m"], errors="coerce").astype("float64").where(closed)
    train = label.notna().to_numpy().copy()
    oot_split = oot_train_end = None
    skip = None
    if not has_default_dates(enterprise_indicators):
        skip = ("no dated default: neither default_events nor 90+ DPD loan reports date any default, "
                "so the snapshot tasks are used")
    elif train.any():
        latest = as_of[train].max()
        train = train & (months_between(as_of, latest) % max(int(training_step), 1) == 0).to_numpy()
        oot_split = out_of_time_split(as_of[train], OOT_MIN_SHARE)
        if oot_split is not None:
            oot_train_end = oot_split - pd.DateOffset(months=horizon_months)
    features = _feature_frame(panel, ENTERPRISE_NOT_FEATURES | {RATING_COLUMN})
    return TaskData("enterprise", "point_in_time", features, panel["enterprise_id"], panel["enterprise_id"],
                    label, as_of=panel["as_of_date"], time=as_of, train=train, groups=panel["enterprise_id"],
                    oot_split=oot_split, oot_train_end=oot_train_end, skip=skip)


def loan_task(loan_features: pd.DataFrame) -> TaskData:
    """Rows of the loan task: every loan, labelled when its 12-month window closed."""
    loans = loan_features.sort_values("loan_id", kind="stable").reset_index(drop=True)
    label = pd.to_numeric(loans["is_default"], errors="coerce").astype("float64")
    time = loans["application_year"]
    split = out_of_time_split(time[label.notna()], OOT_MIN_SHARE)
    return TaskData("loan", "all", _feature_frame(loans, LOAN_NOT_FEATURES), loans["loan_id"],
                    loans["enterprise_id"], label, as_of=loans["indicator_as_of_date"], time=time, oot_split=split)


def task_data(level: str, variant: str, enterprise_indicators: pd.DataFrame, loan_features: pd.DataFrame, *,
              training_step: int = 3, horizon_months: int = 12) -> TaskData:
    if level == "enterprise" and variant == "point_in_time":
        return point_in_time_task(enterprise_indicators, training_step=training_step, horizon_months=horizon_months)
    if level == "enterprise":
        return snapshot_task(enterprise_indicators, variant)
    if level == "loan":
        return loan_task(loan_features)
    raise ValueError(f"unknown level {level!r}")


def out_of_time_split(time: pd.Series, min_test_share: float = OOT_MIN_SHARE):
    """First period of the out-of-time window: the latest periods holding >= min_test_share of rows.

    (The latest period alone can leave a handful of test rows when it is young.)
    """
    counts = time.dropna().value_counts().sort_index(ascending=False)
    if len(counts) < 2:
        return None
    share = counts.cumsum() / counts.sum()
    reached = share[share >= min_test_share]
    split = reached.index[0] if len(reached) else counts.index[-1]
    # keep at least one earlier period for training
    return split if split != counts.index[-1] else counts.index[-2]
