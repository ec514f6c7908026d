"""PD models on the warehouse marts: fitting every model task, scoring every entity, and the
tables the dbt Python models write. The tasks' rows and columns are in ``tasks.py``.

A task is skipped, with its reason recorded, when it has too few labelled rows (e.g. no loans
in the CUMCM data) or when the data decide against it (snapshot tasks when default dates
exist, the point-in-time task when none do). Fitted results travel between dbt models as
pickled bytes in ``intermediate.int_pd_model_fits`` (see :func:`fits_table` / :func:`fits_from_frame`).
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ..warehouse import frame_from_relation
from .estimators import MODEL_NAMES
from .pipeline import PDModelConfig, PDModelResult, fit_pd_models
from .scorecard import assign_grade
from .tables import TABLE_COLUMNS, empty_table
from .tasks import TASKS, TaskData, task_data

FIT_COLUMNS = [
    "level", "variant", "status", "reason", "champion", "training_rows", "training_defaults",
    "scored_rows", "oot_split", "oot_train_end", "notes", "artifact",
]

#: pd_scores: the core ``scores`` contract plus the as-of date, the out-of-time PD and provenance.
SCORE_COLUMNS = [
    "entity_id", "enterprise_id", "as_of_date", "level", "variant", "model", "is_champion", "pd", "score", "grade",
    "pd_out_of_time", "grade_out_of_time", "observed_default", "in_training_sample",
]


@dataclass
class TaskFit:
    """Outcome of one task: a fitted result, or the reason it was skipped."""

    level: str
    variant: str
    status: str  # "fitted" | "reused" | "skipped"
    reason: str | None = None
    result: PDModelResult | None = None
    scores: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCORE_COLUMNS))
    training_rows: int = 0
    training_defaults: int = 0
    # how the task's rows and folds were made (the model benchmark rebuilds the same folds)
    settings: dict = field(default_factory=dict)
    # wall-clock seconds of the fit (for the build log; not stable, in no table)
    seconds: float = 0.0


def skip_reason(data: TaskData, cv_folds: int) -> str | None:
    """Why a task cannot be fitted (None = it can): the data's verdict, or too few rows of a class."""
    if data.skip:
        return data.skip
    y = data.label[data.labelled]
    need = max(10, cv_folds)
    if len(y) == 0:
        return f"no labelled {data.level} rows"
    defaults, goods = int(y.sum()), int(len(y) - y.sum())
    if min(defaults, goods) < need:
        return f"{defaults} defaults and {goods} non-defaults among labelled {data.level} rows; need {need} of each"
    if data.groups is not None:
        # grouped CV validates across enterprises: a panel repeats each defaulter up to 12 times
        groups = data.groups[data.labelled]
        defaulters = groups[(y == 1).to_numpy()].nunique()
        survivors = groups[(y == 0).to_numpy()].nunique()
        if min(defaulters, survivors) < need:
            return (f"{defaulters} enterprises with and {survivors} without a default among labelled "
                    f"{data.level} rows; grouped CV needs {need} of each")
    return None


# --------------------------------------------------------------------------- fit and score


def score_task(result: PDModelResult, data: TaskData) -> pd.DataFrame:
    """Every model's PD, score and grade for every row of the task (the pd_scores rows)."""
    scores = result.score(data.features, data.entity_ids)
    n_models = len(result.models)
    scores.insert(1, "enterprise_id", np.tile(data.enterprise_ids.to_numpy(), n_models))
    scores.insert(2, "as_of_date", np.tile(pd.to_datetime(data.as_of).dt.date.to_numpy(), n_models))
    # the PD of the model refitted before the out-of-time window: honest for the later rows
    if result.out_of_time_models:
        p_oot = np.concatenate(list(result.predict_pds(data.features, out_of_time=True).values()))
        scores["pd_out_of_time"] = p_oot
        scores["grade_out_of_time"] = pd.array(assign_grade(p_oot), dtype="Int64")
    else:
        scores["pd_out_of_time"] = np.nan
        scores["grade_out_of_time"] = pd.array([pd.NA] * len(scores), dtype="Int64")
    scores["observed_default"] = np.tile(data.label.to_numpy(), n_models)
    scores["observed_default"] = scores["observed_default"].astype("Int64")
    scores["in_training_sample"] = np.tile(data.labelled, n_models)
    return scores[SCORE_COLUMNS]


def fit_task(data: TaskData, *, models: Sequence[str] = MODEL_NAMES, cv_repeats: int = 5, cv_folds: int = 5,
             random_state: int = 42, config: PDModelConfig | None = None) -> TaskFit:
    reason = skip_reason(data, cv_folds)
    if reason is not None:
        return TaskFit(data.level, data.variant, "skipped", reason=reason)
    started = time.perf_counter()
    keep = data.labelled
    period = None if data.time is None else data.time[keep]
    result = fit_pd_models(
        data.features[keep], data.label[keep], level=data.level, variant=data.variant,
        entity_ids=data.entity_ids[keep], time=period, oot_split=data.oot_split, oot_train_end=data.oot_train_end,
        groups=None if data.groups is None else data.groups[keep],
        models=models, cv_repeats=cv_repeats, cv_folds=cv_folds, random_state=random_state, config=config)
    y = data.label[keep]
    return TaskFit(data.level, data.variant, "fitted", result=result, scores=score_task(result, data),
                   training_rows=int(keep.sum()), training_defaults=int(y.sum()),
                   seconds=round(time.perf_counter() - started, 1))


def reuse_fit(previous: TaskFit, data: TaskData, why: str, source: str) -> TaskFit | None:
    """``previous``'s fitted models scoring ``data`` (status ``reused``); None if they can't read it."""
    try:
        scores = score_task(previous.result, data)
    except KeyError:  # the earlier fit needs columns this build does not have
        return None
    trained = previous.result.registry["trained_at"].min()
    return TaskFit(data.level, data.variant, "reused", f"{why}; scored with the models of {source} "
                   f"(trained {pd.Timestamp(trained).date()})", previous.result, scores,
                   previous.training_rows, previous.training_defaults, dict(previous.settings))


def fit_warehouse_models(enterprise_indicators: pd.DataFrame, loan_features: pd.DataFrame, *,
                         tasks: Sequence[tuple[str, str]] = TASKS, models: Sequence[str] = MODEL_NAMES,
                         cv_repeats: int = 5, cv_folds: int = 5, random_state: int = 42,
                         pit_training_step: int = 3, pit_cv_repeats: int | None = None, horizon_months: int = 12,
                         config: PDModelConfig | None = None, reusable: Sequence[TaskFit] = (),
                         reusable_source: str = "an earlier build", score_only: bool = False,
                         log: Callable[[str], None] = print) -> list[TaskFit]:
    """Fit and score every task; skipped tasks carry their reason (and are logged).

    pit_cv_repeats: CV repeats of the point-in-time task (default cv_repeats); its sample is
    large, so one grouped 5-fold pass already gives stable figures.
    reusable: fitted tasks of an earlier build (``fits_from_frame``). A task this build cannot
    fit for want of defaults is scored with the earlier fit instead (status ``reused``); with
    ``score_only`` every task that has an earlier fit is scored with it and none is refitted.
    A task the data rule out (a snapshot task when defaults are dated) is never reused.
    """
    earlier = {(f.level, f.variant): f for f in reusable if f.result is not None}
    settings = {"pit_training_step": pit_training_step, "horizon_months": horizon_months, "cv_folds": cv_folds,
                "random_state": random_state}
    planned = []  # (data, earlier fit or None, its reused fit or None, CV repeats, why it can't be fitted)
    for level, variant in tasks:
        data = task_data(level, variant, enterprise_indicators, loan_features, training_step=pit_training_step,
                         horizon_months=horizon_months)
        repeats = pit_cv_repeats if variant == "point_in_time" and pit_cv_repeats else cv_repeats
        previous = None if data.skip else earlier.get((level, variant))
        reused = reuse_fit(previous, data, "score-only mode", reusable_source) if score_only and previous else None
        planned.append((data, previous, reused, repeats, skip_reason(data, cv_folds)))
    to_fit = [i for i, (_, _, reused, _, reason) in enumerate(planned) if reused is None and reason is None]
    fitted = dict(zip(to_fit, _fit_tasks([planned[i][0] for i in to_fit], [planned[i][3] for i in to_fit],
                                         models=models, cv_folds=cv_folds, random_state=random_state,
                                         config=config or PDModelConfig())))
    fits = []
    for i, (data, previous, reused, repeats, reason) in enumerate(planned):
        fit = reused or fitted.get(i) or TaskFit(data.level, data.variant, "skipped", reason=reason)
        if reused is None:
            fit.settings = {**settings, "cv_repeats": repeats}
            if fit.status == "skipped" and previous is not None:
                fit = reuse_fit(previous, data, fit.reason, reusable_source) or fit
        if fit.status == "reused":
            log(f"PD models {data.level}/{data.variant} reused: {fit.reason}")
        elif fit.status == "skipped":
            log(f"PD models {data.level}/{data.variant} skipped: {fit.reason}")
        else:
            log(f"PD models {data.level}/{data.variant}: {fit.training_rows} training rows, "
                f"{fit.training_defaults} defaults, champion {fit.result.champion} ({fit.seconds:.0f} s)")
        fits.append(fit)
    return fits


def _fit_tasks(datas: Sequence[TaskData], repeats: Sequence[int], *, models: Sequence[str], cv_folds: int,
               random_state: int, config: PDModelConfig) -> list[TaskFit]:
    """Fit the tasks side by side: each task in its own process, the cores shared out between them.

    A task's serial steps (full-sample screening, final and out-of-time fits, scoring) then overlap
    with the other task's work instead of leaving a core idle. Every fit is seeded, so the results
    do not depend on which process ran it.
    """
    workers = max(1, min(len(datas), config.n_jobs))
    inner = replace(config, n_jobs=max(1, config.n_jobs // workers))
    fit = partial(fit_task, models=models, cv_folds=cv_folds, random_state=random_state, config=inner)
    if workers == 1:
        return [fit(data, cv_repeats=r) for data, r in zip(datas, repeats)]
    return list(Parallel(n_jobs=workers)(delayed(fit)(data, cv_repeats=r) for data, r in zip(datas, repeats)))


# --------------------------------------------------------------------------- warehouse tables


def fits_table(fits: Sequence[TaskFit]) -> pd.DataFrame:
    """``int_pd_model_fits``: one row per task, the fitted result pickled into ``artifact``."""
    rows = [{
        "level": f.level, "variant": f.variant, "status": f.status, "reason": f.reason,
        "champion": f.result.champion if f.result else None,
        "training_rows": f.training_rows, "training_defaults": f.training_defaults,
        "scored_rows": len(f.scores) // max(len(f.result.models), 1) if f.result else 0,
        "oot_split": _as_date(f.result.oot_split) if f.result else None,
        "oot_train_end": _as_date(f.result.oot_train_end) if f.result else None,
        "notes": "; ".join(f.result.notes) if f.result else None,
        "artifact": pickle.dumps(f, protocol=pickle.HIGHEST_PROTOCOL) if f.result else None,
    } for f in fits]
    return pd.DataFrame(rows, columns=FIT_COLUMNS).astype({"training_rows": "int64", "training_defaults": "int64",
                                                           "scored_rows": "int64", "oot_split": "string",
                                                           "oot_train_end": "string"})


def _as_date(value) -> str | None:
    """An out-of-time boundary as text: an ISO date for dates, the period itself otherwise (a year)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "isoformat"):
        return pd.Timestamp(value).date().isoformat()
    return str(value)


def fits_from_frame(frame: pd.DataFrame) -> list[TaskFit]:
    """The fitted tasks of an ``int_pd_model_fits`` frame (skipped tasks carry no artifact).

    Unpickling runs code: read only artifacts this warehouse wrote itself.
    """
    return [pickle.loads(a) for a in frame.sort_values(["level", "variant"])["artifact"] if a is not None
            and not (isinstance(a, float) and np.isnan(a))]


def earlier_fits(con, db_path: str | None = None, log: Callable[[str], None] = print) -> list[TaskFit]:
    """The fits of an earlier build: of warehouse ``db_path`` (read-only), else the ones still in
    ``con``'s ``intermediate.int_pd_model_fits``. Empty when there is none or it can't be read
    (written by an incompatible package version)."""
    import duckdb

    try:
        if db_path:
            with duckdb.connect(str(db_path), read_only=True) as other:
                frame = other.sql("from intermediate.int_pd_model_fits").to_arrow_table().to_pandas()
        else:
            # a cursor of its own: dbt's connection must be left with no pending result
            cur = con.cursor()
            try:
                exists = cur.execute("select count(*) from information_schema.tables where table_schema = "
                                     "'intermediate' and table_name = 'int_pd_model_fits'").fetchall()[0][0]
                frame = cur.sql("from intermediate.int_pd_model_fits").to_arrow_table().to_pandas() \
                    if exists else None
            finally:
                cur.close()
            if frame is None:
                return []
        return fits_from_frame(frame)
    except Exception as exc:  # noqa: BLE001 - a missing or incompatible earlier build is not an error
        if db_path:
            raise ValueError(f"pd_models_from: cannot read the PD fits of {db_path}: {exc}") from exc
        log(f"PD models: the earlier build's fits can't be reused ({type(exc).__name__}: {exc})")
        return []


def empty_scores() -> pd.DataFrame:
    """Zero-row pd_scores frame with its dtypes (so an empty warehouse table is still typed)."""
    frame = empty_table("scores").astype({"entity_id": "str"})
    frame.insert(1, "enterprise_id", pd.Series(dtype="str"))
    frame.insert(2, "as_of_date", pd.Series(pd.array([], dtype="date32[pyarrow]")))  # DATE, as when rows exist
    return frame.assign(pd_out_of_time=pd.Series(dtype="float64"), grade_out_of_time=pd.Series(dtype="Int64"),
                        observed_default=pd.Series(dtype="Int64"),
                        in_training_sample=pd.Series(dtype="bool"))[SCORE_COLUMNS]


def warehouse_table(fits: Sequence[TaskFit], name: str) -> pd.DataFrame:
    """Concatenate one result table (``metrics``, ``coefficients``, ... or ``scores``) over the tasks."""
    if name == "scores":
        frames = [f.scores for f in fits if f.status in ("fitted", "reused")]
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
                "pd_random_state": "random_state", "pd_pit_training_step_months": "pit_training_step",
                "pd_pit_cv_repeats": "pit_cv_repeats", "pd_horizon_months": "horizon_months"}


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
