"""PD models on the warehouse marts: which rows and columns each model uses, fitting every
model task, scoring every entity, and the tables the dbt Python models write.

Three tasks (``TASKS``), each a ``(level, variant)``:

* ``enterprise / with_rating``: latest ``enterprise_indicators`` row of every enterprise with
  a credit record (label ``has_defaulted``); the bank's ``credit_rating`` is a feature. Scores
  the enterprises that have a rating.
* ``enterprise / without_rating``: the same training rows without ``credit_rating``. Scores
  every enterprise, including those without a credit record (they have no rating).
* ``loan / all``: ``loan_features`` rows whose 12-month window closed (label ``is_default``),
  out-of-time test by ``application_year``. Scores every loan, including open windows.

A task is skipped, with its reason recorded, when it has too few labelled rows (e.g. no loans
in the CUMCM data). Fitted results travel between dbt models as pickled bytes in
``intermediate.int_pd_model_fits`` (see :func:`fits_table` / :func:`fits_from_frame`).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..warehouse import frame_from_relation
from .estimators import MODEL_NAMES
from .pipeline import PDModelConfig, PDModelResult, fit_pd_models
from .tables import TABLE_COLUMNS, empty_table

#: (level, variant) of every model task, in build order.
TASKS: tuple[tuple[str, str], ...] = (
    ("enterprise", "with_rating"),
    ("enterprise", "without_rating"),
    ("loan", "all"),
)

RATING_COLUMN = "credit_rating"

# Columns of the marts that are never features: keys, dates, bookkeeping and every column
# derived from the outcome. Everything else in the mart is a candidate feature, so a new
# indicator column is picked up without code changes (and screened like the others).
ENTERPRISE_NOT_FEATURES = frozenset({
    "enterprise_id", "as_of_date", "is_latest", "has_credit_record", "has_defaulted",
    "first_invoice_date", "last_invoice_date", "statement_fiscal_year",
})
LOAN_NOT_FEATURES = frozenset({
    "loan_id", "enterprise_id", "application_date", "disbursement_date", "application_year",
    "indicator_as_of_date", "first_invoice_date", "last_invoice_date", "statement_fiscal_year",
    # the bank's price reflects its own risk view; keeping it out keeps PD independent of pricing
    "interest_rate",
    # outcome and outcome-derived
    "label_status", "is_default", "first_default_month", "months_to_default", "max_days_past_due_in_window",
})

FIT_COLUMNS = [
    "level", "variant", "status", "reason", "champion", "training_rows", "training_defaults",
    "scored_rows", "notes", "artifact",
]

#: pd_scores: the core ``scores`` contract plus where each row comes from.
SCORE_COLUMNS = [
    "entity_id", "enterprise_id", "level", "variant", "model", "is_champion", "pd", "score", "grade",
    "observed_default", "in_training_sample",
]


@dataclass
class TaskData:
    """One task's rows: features for every entity to score, and which of them are labelled."""

    level: str
    variant: str
    features: pd.DataFrame
    entity_ids: pd.Series
    enterprise_ids: pd.Series
    label: pd.Series  # float 0/1, NaN = unlabelled (scored, not trained on)
    time: pd.Series | None = None

    @property
    def labelled(self) -> np.ndarray:
        return self.label.notna().to_numpy()


@dataclass
class TaskFit:
    """Outcome of one task: a fitted result, or the reason it was skipped."""

    level: str
    variant: str
    status: str  # "fitted" | "skipped"
    reason: str | None = None
    result: PDModelResult | None = None
    scores: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCORE_COLUMNS))
    training_rows: int = 0
    training_defaults: int = 0


# --------------------------------------------------------------------------- task rows


def latest_indicators(enterprise_indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per enterprise: the ``is_latest`` as-of date of the indicator panel."""
    latest = enterprise_indicators[enterprise_indicators["is_latest"].astype(bool)]
    if latest["enterprise_id"].duplicated().any():
        raise ValueError("enterprise_indicators: more than one is_latest row for an enterprise")
    return latest.sort_values("enterprise_id", kind="stable").reset_index(drop=True)


def _feature_frame(frame: pd.DataFrame, excluded: Iterable[str]) -> pd.DataFrame:
    excluded = set(excluded)
    return frame[[c for c in frame.columns if c not in excluded]]


def enterprise_task(enterprise_indicators: pd.DataFrame, variant: str) -> TaskData:
    """Rows of an enterprise task: every enterprise to score, labelled where it has a credit record."""
    if variant not in ("with_rating", "without_rating"):
        raise ValueError(f"unknown enterprise variant {variant!r}")
    latest = latest_indicators(enterprise_indicators)
    excluded = set(ENTERPRISE_NOT_FEATURES)
    if variant == "with_rating":
        # the rating exists only with a credit record; scoring unrated firms with it would be guesswork
        latest = latest[latest[RATING_COLUMN].notna()].reset_index(drop=True)
    else:
        excluded.add(RATING_COLUMN)
    label = latest["has_defaulted"].astype("float64").where(latest["has_credit_record"].astype(bool))
    return TaskData("enterprise", variant, _feature_frame(latest, excluded), latest["enterprise_id"],
                    latest["enterprise_id"], label)


def loan_task(loan_features: pd.DataFrame) -> TaskData:
    """Rows of the loan task: every loan, labelled when its 12-month window closed."""
    loans = loan_features.sort_values("loan_id", kind="stable").reset_index(drop=True)
    label = pd.to_numeric(loans["is_default"], errors="coerce").astype("float64")
    return TaskData("loan", "all", _feature_frame(loans, LOAN_NOT_FEATURES), loans["loan_id"],
                    loans["enterprise_id"], label, time=loans["application_year"])


def task_data(level: str, variant: str, enterprise_indicators: pd.DataFrame, loan_features: pd.DataFrame
              ) -> TaskData:
    if level == "enterprise":
        return enterprise_task(enterprise_indicators, variant)
    if level == "loan":
        return loan_task(loan_features)
    raise ValueError(f"unknown level {level!r}")


def out_of_time_split(time: pd.Series, min_test_share: float = 0.2):
    """First period of the out-of-time window: the latest periods holding >= min_test_share of rows.

    The default of fit_pd_models (the latest period alone) can leave a handful of test rows
    when the last year is young (its 12-month windows are mostly still open).
    """
    counts = time.dropna().value_counts().sort_index(ascending=False)
    if len(counts) < 2:
        return None
    share = counts.cumsum() / counts.sum()
    reached = share[share >= min_test_share]
    split = reached.index[0] if len(reached) else counts.index[-1]
    # keep at least one earlier period for training
    return split if split != counts.index[-1] else counts.index[-2]


def skip_reason(data: TaskData, cv_folds: int) -> str | None:
    """Why a task cannot be fitted (None = it can): too few labelled rows of a class."""
    y = data.label[data.labelled]
    need = max(10, cv_folds)
    if len(y) == 0:
        return f"no labelled {data.level} rows"
    defaults, goods = int(y.sum()), int(len(y) - y.sum())
    if min(defaults, goods) < need:
        return f"{defaults} defaults and {goods} non-defaults among labelled {data.level} rows; need {need} of each"
    return None


# --------------------------------------------------------------------------- fit and score


def score_task(result: PDModelResult, data: TaskData) -> pd.DataFrame:
    """Every model's PD, score and grade for every row of the task (the pd_scores rows)."""
    scores = result.score(data.features, data.entity_ids)
    n_models = len(result.models)
    scores.insert(1, "enterprise_id", np.tile(data.enterprise_ids.to_numpy(), n_models))
    scores["observed_default"] = np.tile(data.label.to_numpy(), n_models)
    scores["observed_default"] = scores["observed_default"].astype("Int64")
    scores["in_training_sample"] = np.tile(data.labelled, n_models)
    return scores[SCORE_COLUMNS]


def fit_task(data: TaskData, *, models: Sequence[str] = MODEL_NAMES, cv_repeats: int = 5, cv_folds: int = 5,
             random_state: int = 42, config: PDModelConfig | None = None) -> TaskFit:
    reason = skip_reason(data, cv_folds)
    if reason is not None:
        return TaskFit(data.level, data.variant, "skipped", reason=reason)
    keep = data.labelled
    time = None if data.time is None else data.time[keep]
    result = fit_pd_models(
        data.features[keep], data.label[keep], level=data.level, variant=data.variant,
        entity_ids=data.entity_ids[keep], time=time, oot_split=None if time is None else out_of_time_split(time),
        models=models, cv_repeats=cv_repeats, cv_folds=cv_folds, random_state=random_state, config=config)
    y = data.label[keep]
    return TaskFit(data.level, data.variant, "fitted", result=result, scores=score_task(result, data),
                   training_rows=int(keep.sum()), training_defaults=int(y.sum()))


def fit_warehouse_models(enterprise_indicators: pd.DataFrame, loan_features: pd.DataFrame, *,
                         tasks: Sequence[tuple[str, str]] = TASKS, models: Sequence[str] = MODEL_NAMES,
                         cv_repeats: int = 5, cv_folds: int = 5, random_state: int = 42,
                         config: PDModelConfig | None = None,
                         log: Callable[[str], None] = print) -> list[TaskFit]:
    """Fit and score every task; skipped tasks carry their reason (and are logged)."""
    fits = []
    for level, variant in tasks:
        data = task_data(level, variant, enterprise_indicators, loan_features)
        fit = fit_task(data, models=models, cv_repeats=cv_repeats, cv_folds=cv_folds,
                       random_state=random_state, config=config)
        if fit.status == "skipped":
            log(f"PD models {level}/{variant} skipped: {fit.reason}")
        else:
            log(f"PD models {level}/{variant}: {fit.training_rows} training rows, "
                f"{fit.training_defaults} defaults, champion {fit.result.champion}")
        fits.append(fit)
    return fits


# --------------------------------------------------------------------------- warehouse tables


def fits_table(fits: Sequence[TaskFit]) -> pd.DataFrame:
    """``int_pd_model_fits``: one row per task, the fitted result pickled into ``artifact``."""
    rows = [{
        "level": f.level, "variant": f.variant, "status": f.status, "reason": f.reason,
        "champion": f.result.champion if f.result else None,
        "training_rows": f.training_rows, "training_defaults": f.training_defaults,
        "scored_rows": len(f.scores) // max(len(f.result.models), 1) if f.result else 0,
        "notes": "; ".join(f.result.notes) if f.result else None,
        "artifact": pickle.dumps(f, protocol=pickle.HIGHEST_PROTOCOL) if f.result else None,
    } for f in fits]
    return pd.DataFrame(rows, columns=FIT_COLUMNS).astype({"training_rows": "int64", "training_defaults": "int64",
                                                           "scored_rows": "int64"})


def fits_from_frame(frame: pd.DataFrame) -> list[TaskFit]:
    """The fitted tasks of an ``int_pd_model_fits`` frame (skipped tasks carry no artifact).

    Unpickling runs code: read only artifacts this warehouse wrote itself.
    """
    return [pickle.loads(a) for a in frame.sort_values(["level", "variant"])["artifact"] if a is not None
            and not (isinstance(a, float) and np.isnan(a))]


def empty_scores() -> pd.DataFrame:
    """Zero-row pd_scores frame with its dtypes (so an empty warehouse table is still typed)."""
    frame = empty_table("scores").astype({"entity_id": "str"})
    frame.insert(1, "enterprise_id", pd.Series(dtype="str"))
    return frame.assign(observed_default=pd.Series(dtype="Int64"), in_training_sample=pd.Series(dtype="bool"))


def warehouse_table(fits: Sequence[TaskFit], name: str) -> pd.DataFrame:
    """Concatenate one result table (``metrics``, ``coefficients``, ... or ``scores``) over the tasks."""
    if name == "scores":
        frames = [f.scores for f in fits if f.status == "fitted"]
        return pd.concat(frames, ignore_index=True) if frames else empty_scores()
    if name not in TABLE_COLUMNS:
        raise KeyError(f"unknown table {name!r}; one of {sorted(TABLE_COLUMNS)} or 'scores'")
    frames = [getattr(f.result, name) for f in fits if f.result is not None]
    return pd.concat(frames, ignore_index=True) if frames else empty_table(name)


def table_from_fits(fits_relation, name: str) -> pd.DataFrame:
    """A pd_* mart from the ``int_pd_model_fits`` relation (what each thin dbt model returns)."""
    return warehouse_table(fits_from_frame(frame_from_relation(fits_relation)), name)


# dbt config keys of int_pd_model_fits (set from vars in _intermediate.yml) -> fit settings.
SETTING_KEYS = {"pd_models": "models", "pd_cv_repeats": "cv_repeats", "pd_cv_folds": "cv_folds",
                "pd_random_state": "random_state"}


def settings_from_config(get: Callable[[str], object]) -> dict:
    """Fit settings from dbt config values (rendered vars arrive as strings)."""
    settings: dict = {}
    for key, name in SETTING_KEYS.items():
        value = get(key)
        if value is None or value == "":
            continue
        if name == "models":
            names = value if isinstance(value, (list, tuple)) else str(value).replace(" ", "").split(",")
            settings[name] = tuple(n.strip("[]'\"") for n in names if n.strip("[]'\""))
        else:
            settings[name] = int(value)
    return settings
