"""Orchestration: :func:`fit_pd_models` fits, validates and scores all PD models.

Order of work (see docs/pd_models.md for the reasoning):

1. label-free clean-up on the full sample: drop degenerate raw columns;
2. preprocessing + screening on the full sample -> the ``screening`` table and
   the design used to tune hyper-parameters (RF, SVM: small grids, stratified CV);
3. repeated stratified k-fold CV; preprocessing **and screening are refitted
   inside every training fold**; each fold also yields the out-of-fold PD of every
   calibration variant, and the variant with the lowest mean CV Brier is chosen;
4. final models on the full sample with the chosen calibration;
5. optional out-of-time test: everything refitted on the earlier periods only;
6. champion by the documented rule, then scores, grades and tidy tables.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline

from .calibration import calibration_variants, choose_calibration, with_calibration
from .estimators import DEFAULT_SPECS, MODEL_NAMES, ModelSpec, make_estimator, tune_hyperparameters
from .folds import cv_splits
from .evaluation import (
    DEFAULT_CUTOFFS,
    brier,
    calibration_by_decile,
    evaluate_predictions,
    goodness_of_fit,
    summarise_repeats,
)
from .importance import feature_groups, grouped_permutation_importance
from .preprocess import (
    FeatureTypes,
    build_preprocessor,
    clean_features,
    degenerate_columns,
    design_feature_sources,
    infer_feature_types,
)
from .scorecard import DEFAULT_SCALE, ScoreScale, assign_grade
from .screening import FeatureScreener, ScreeningConfig
from .reporting import AUC_TIE, BRIER_TIE, SLOPE_TIE, importance_table, registry_table, screening_table
from .tables import GOODNESS_OF_FIT_STATISTICS, TABLE_COLUMNS, conform, empty_table



@dataclass(frozen=True)
class PDModelConfig:
    """Knobs of :func:`fit_pd_models` beyond its keyword arguments.

    cutoffs: classification cut-offs for accuracy / type I / type II errors; the
        training default rate is always added.
    tuning_folds / calibration_folds: inner stratified folds for grid search and
        for ``CalibratedClassifierCV``.
    calibration_tolerance: relative CV-Brier margin within which the simpler
        calibration (none < sigmoid < isotonic) is kept.
    permutation_models / permutation_repeats: permutation importance (on held-out
        folds of the first CV repeat, per raw feature, scored by AUC).
    n_jobs: processes for the CV folds and grid search (the budget is 2 cores).
    """

    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    cutoffs: tuple[float, ...] = DEFAULT_CUTOFFS
    tuning_folds: int = 3
    calibration_folds: int = 3
    calibration_tolerance: float = 0.005
    winsor_quantiles: tuple[float, float] = (0.01, 0.99)
    max_categories: int = 20
    min_category_frequency: float | None = 0.01
    max_levels: int = 50
    permutation_models: tuple[str, ...] = ("random_forest",)
    permutation_repeats: int = 3
    n_jobs: int = 2
    scale: ScoreScale = DEFAULT_SCALE
    specs: Mapping[str, ModelSpec] = field(default_factory=lambda: dict(DEFAULT_SPECS))


@dataclass
class _Plan:
    """Everything a CV worker needs (picklable)."""

    types: FeatureTypes
    config: PDModelConfig
    models: tuple[str, ...]
    params: dict[str, dict]
    random_state: int

    @property
    def needs_screening(self) -> bool:
        return any(self.config.specs[m].uses_screening for m in self.models)


@dataclass
class _FeatureStage:
    """Fitted preprocessing (+ screening) of one training sample."""

    preprocessor: Any
    screener: FeatureScreener | None
    design: pd.DataFrame
    screened: pd.DataFrame | None

    def inputs(self, spec: ModelSpec) -> pd.DataFrame:
        return self.screened if spec.uses_screening else self.design

    def pipeline(self, spec: ModelSpec, model: BaseEstimator) -> Pipeline:
        steps = [("preprocess", self.preprocessor)]
        if spec.uses_screening:
            steps.append(("screen", self.screener))
        return Pipeline(steps + [("model", model)])


class _quiet(warnings.catch_warnings):  # noqa: N801 - context manager
    """Silence expected, noisy warnings (unknown categories at scoring, convergence chatter)."""

    def __enter__(self):
        out = super().__enter__()
        warnings.filterwarnings("ignore", message=".*unknown categories.*")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        warnings.filterwarnings("ignore", module="statsmodels")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        return out


def _fit_stage(plan: _Plan, X: pd.DataFrame, y: np.ndarray, *, screen: bool, full_report: bool = False
               ) -> _FeatureStage:
    cfg = plan.config
    pre = build_preprocessor(plan.types, winsor_quantiles=cfg.winsor_quantiles, max_categories=cfg.max_categories,
                             min_category_frequency=cfg.min_category_frequency)
    design = pre.fit_transform(X)
    screener, screened = None, None
    if screen:
        screener = FeatureScreener(cfg.screening, random_state=plan.random_state, full_report=full_report)
        screener.fit(design, y)
        screened = screener.transform(design)
    return _FeatureStage(pre, screener, design, screened)


def _cv_fold(plan: _Plan, X: pd.DataFrame, y: np.ndarray, train: np.ndarray, test: np.ndarray,
             repeat: int, fold: int, with_importance: bool) -> dict:
    """Fit every model on one training fold; return test-fold PDs of each calibration variant."""
    cfg = plan.config
    with _quiet():
        stage = _fit_stage(plan, X.iloc[train], y[train], screen=plan.needs_screening)
        design_test = stage.preprocessor.transform(X.iloc[test])
        screened_test = stage.screener.transform(design_test) if stage.screener is not None else None
        preds: dict[str, dict[str, np.ndarray]] = {}
        importance: dict[str, np.ndarray] = {}
        for name in plan.models:
            spec = cfg.specs[name]
            est = make_estimator(name, plan.params[name], random_state=plan.random_state, specs=cfg.specs)
            x_test = screened_test if spec.uses_screening else design_test
            preds[name], base = calibration_variants(est, stage.inputs(spec), y[train], x_test,
                                                     spec.calibration_candidates, random_state=plan.random_state,
                                                     folds=cfg.calibration_folds,
                                                     strategy=spec.calibration_strategy)
            if with_importance and name in cfg.permutation_models:
                sources = design_feature_sources(x_test.columns, plan.types)
                groups = feature_groups(x_test.columns, sources, list(X.columns))
                importance[name] = grouped_permutation_importance(
                    base, x_test, y[test], groups, n_repeats=cfg.permutation_repeats,
                    random_state=plan.random_state + fold).to_numpy()
    return {
        "repeat": repeat,
        "fold": fold,
        "test": test,
        "preds": preds,
        "selected": list(stage.screener.selected_features_) if stage.screener is not None else None,
        "importance": importance,
    }


# --------------------------------------------------------------------------- inputs


def _validate(features: pd.DataFrame, label, entity_ids, time) -> tuple[pd.DataFrame, np.ndarray, pd.Series,
                                                                        pd.Series | None, list[str]]:
    if not isinstance(features, pd.DataFrame):
        raise TypeError("features must be a pandas DataFrame")
    n = len(features)
    for name, obj in (("label", label), ("entity_ids", entity_ids), ("time", time)):
        if obj is not None and len(obj) != n:
            raise ValueError(f"{name} has {len(obj)} rows, features has {n}")
    if entity_ids is None:
        raise ValueError("entity_ids is required")
    if features.columns.duplicated().any():
        raise ValueError("duplicate feature column names")
    notes: list[str] = []
    # align by position: the dbt wrappers pass columns cut from one frame
    y_series = pd.Series(label).reset_index(drop=True)
    if pd.api.types.is_bool_dtype(y_series.dtype):
        y_series = y_series.astype("float64")
    y_raw = pd.to_numeric(y_series, errors="coerce").astype("float64")
    keep = y_raw.notna().to_numpy()
    if not keep.all():
        notes.append(f"dropped {int((~keep).sum())} rows with missing label")
    y = y_raw[keep].to_numpy()
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("label must be 0/1")
    y = y.astype(int)
    X = features.reset_index(drop=True).loc[keep].reset_index(drop=True)
    ids = pd.Series(entity_ids).reset_index(drop=True).loc[keep].reset_index(drop=True)
    t = None if time is None else pd.Series(time).reset_index(drop=True).loc[keep].reset_index(drop=True)
    return X, y, ids, t, notes


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """sha256 over the frame's content, independent of row and column order."""
    cols = sorted(frame.columns, key=str)
    row_hashes = pd.util.hash_pandas_object(frame[cols], index=False).to_numpy(dtype="uint64")
    digest = hashlib.sha256(json.dumps([str(c) for c in cols]).encode())
    digest.update(np.sort(row_hashes).tobytes())
    return digest.hexdigest()


def select_champion(summary: pd.DataFrame, specs: Mapping[str, ModelSpec] = DEFAULT_SPECS) -> str:
    """Apply :data:`CHAMPION_RULE` to a frame with columns ``model, auc, brier`` and optionally
    ``calibration_slope`` (CV means)."""
    frame = summary.copy()
    frame["auc"] = frame["auc"].fillna(-np.inf)
    frame["brier"] = frame["brier"].fillna(np.inf)
    tied = frame[frame["auc"] >= frame["auc"].max() - AUC_TIE]
    tied = tied[tied["brier"] <= tied["brier"].min() + BRIER_TIE]
    if "calibration_slope" in tied:
        # a validator rejects a model whose PDs spread too much or too little (slope far from 1)
        off = (tied["calibration_slope"] - 1.0).abs().fillna(np.inf)
        tied = tied[off <= off.min() + SLOPE_TIE]
    tied = tied.assign(complexity=tied["model"].map(lambda m: specs[m].complexity))
    return str(tied.sort_values(["complexity", "model"], kind="stable")["model"].iloc[0])


# --------------------------------------------------------------------------- result


@dataclass
class PDModelResult:
    """Fitted models plus the tidy warehouse tables (see :data:`TABLE_COLUMNS`)."""

    level: str
    variant: str
    champion: str
    models: dict[str, Pipeline]
    feature_columns: list[str]
    scale: ScoreScale
    scores: pd.DataFrame
    metrics: pd.DataFrame
    coefficients: pd.DataFrame
    goodness_of_fit: pd.DataFrame
    feature_importance: pd.DataFrame
    screening: pd.DataFrame
    calibration: pd.DataFrame
    registry: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    # the models refitted for the out-of-time test (trained before oot_train_end only)
    out_of_time_models: dict[str, Pipeline] = field(default_factory=dict)
    oot_split: Any = None
    oot_train_end: Any = None

    def predict_pd(self, features: pd.DataFrame, model: str | None = None, *, out_of_time: bool = False
                   ) -> np.ndarray:
        """PD of one model (default: the champion) for raw ``features``.

        out_of_time: use the model refitted on the rows before ``oot_train_end`` (for honest
        back-tests of the later rows); KeyError when the out-of-time test did not run.
        """
        available = {str(c) for c in features.columns}
        missing = [c for c in self.feature_columns if c not in available]
        if missing:
            raise KeyError(f"features lack the training columns {missing}")
        frame = features.copy()
        frame.columns = [str(c) for c in frame.columns]
        X = clean_features(frame, self.feature_columns)
        pipes = self.out_of_time_models if out_of_time else self.models
        with _quiet():
            p = pipes[model or self.champion].predict_proba(X)[:, 1]
        return np.clip(p, 0.0, 1.0)

    def score(self, features: pd.DataFrame, entity_ids=None) -> pd.DataFrame:
        """Scores table for ``features``: one row per entity and model, champion flagged."""
        ids = pd.Series(features.index if entity_ids is None else entity_ids).reset_index(drop=True)
        if len(ids) != len(features):
            raise ValueError("entity_ids and features differ in length")
        frames = []
        for name in self.models:
            p = self.predict_pd(features, name)
            frames.append(pd.DataFrame({
                "entity_id": ids, "level": self.level, "variant": self.variant, "model": name,
                "is_champion": name == self.champion, "pd": p, "score": self.scale.score(p),
                "grade": assign_grade(p),
            }))
        return conform(pd.concat(frames, ignore_index=True), "scores")

    def tables(self) -> dict[str, pd.DataFrame]:
        """All warehouse tables by name."""
        return {name: getattr(self, name) for name in TABLE_COLUMNS}


# --------------------------------------------------------------------------- main entry point


def fit_pd_models(
    features: pd.DataFrame,
    label,
    *,
    level: str,
    variant: str,
    entity_ids,
    time=None,
    models: Sequence[str] = MODEL_NAMES,
    cv_repeats: int = 5,
    cv_folds: int = 5,
    random_state: int = 42,
    oot_split: Any = None,
    oot_train_end: Any = None,
    groups=None,
    config: PDModelConfig | None = None,
) -> PDModelResult:
    """Screen features, fit the PD models, validate them honestly and score the sample.

    Parameters
    ----------
    features : raw features (numeric and categorical columns, NaN allowed); rows are
        aligned with ``label``/``entity_ids``/``time`` by position.
    label : 0/1 default flag (rows with a missing label are dropped).
    level, variant : copied into every table (e.g. ``"enterprise"``, ``"with_rating"``).
    entity_ids : identifier per row, used in the ``scores`` table.
    time : optional period per row (year, date, ...) for the out-of-time test.
    oot_split : first period of the out-of-time window (``time >= oot_split``);
        default: the latest period.
    oot_train_end : the out-of-time models train on ``time < oot_train_end`` (default
        ``oot_split``); earlier than the split when training labels look ahead (a 12-month
        label at as-of t is known only at t + 12 months).
    groups : optional group per row (the enterprise of a panel row): CV and tuning folds keep
        each group whole.
    models : any of ``"logistic", "random_forest", "naive_bayes", "svm"``.
    """
    cfg = config or PDModelConfig()
    models = tuple(dict.fromkeys(models))
    unknown = [m for m in models if m not in cfg.specs]
    if not models or unknown:
        raise ValueError(f"models must be a non-empty subset of {tuple(cfg.specs)}; unknown: {unknown}")
    X_raw, y, ids, t, notes = _validate(features, label, entity_ids, time)
    g = None
    if groups is not None:
        if len(groups) != len(features):
            raise ValueError(f"groups has {len(groups)} rows, features has {len(features)}")
        known = pd.to_numeric(pd.Series(label).reset_index(drop=True), errors="coerce").notna().to_numpy()
        g = pd.Series(groups).reset_index(drop=True)[known].to_numpy()
    n_minority = int(min(y.sum(), len(y) - y.sum()))
    if n_minority < max(10, cv_folds):
        raise ValueError(f"need at least {max(10, cv_folds)} defaults and non-defaults, got {n_minority}")

    degenerate = degenerate_columns(X_raw, max_levels=cfg.max_levels)
    for rec in degenerate.itertuples(index=False):
        notes.append(f"raw column {rec.feature!r} dropped: {rec.reason}")
    usable = [str(c) for c in X_raw.columns if str(c) not in set(degenerate["feature"])]
    if not usable:
        raise ValueError("no usable feature columns (all degenerate)")
    X_clean = clean_features(X_raw)
    types = infer_feature_types(X_clean[usable])
    X = X_clean[list(types.all)]
    base_rate = float(y.mean())
    cutoffs = tuple(cfg.cutoffs) + (round(base_rate, 6),)

    plan = _Plan(types, cfg, models, {}, random_state)
    with _quiet():
        full = _fit_stage(plan, X, y, screen=True, full_report=True)
        tuning = {name: _tune(plan, name, full, y, g) for name in models}

    outputs, oof = _cross_validate(plan, X, y, cv_repeats, cv_folds, g)
    chosen, cv_brier, metric_frames, calibration_frames, summary = _summarise_cv(plan, y, oof, cutoffs)
    champion = select_champion(summary, cfg.specs)

    fitted = _fit_final(plan, full, y, chosen)
    for name, pipe in fitted.items():
        p_in = pipe.predict_proba(X)[:, 1]
        metric_frames.append(evaluate_predictions(y, p_in, cutoffs).assign(model=name, evaluation="in_sample",
                                                                           std=np.nan))
    oot_models: dict[str, Pipeline] = {}
    if t is not None:
        oot_frames, oot_note, oot_models, oot_split = _out_of_time(plan, X, y, t, oot_split, oot_train_end, chosen)
        metric_frames += oot_frames
        notes.append(oot_note)

    meta = {"level": level, "variant": variant}
    metrics = pd.concat(metric_frames, ignore_index=True)
    order = {"cv": 0, "out_of_time": 1, "in_sample": 2}
    metrics = metrics.sort_values(by=["model", "evaluation"], key=lambda c: c.map(
        {m: i for i, m in enumerate(models)} if c.name == "model" else order), kind="stable")
    coefficients, gof = _logistic_tables(fitted, X, y)
    fingerprint = frame_fingerprint(
        X_raw.assign(__label__=y, **({"__time__": t.to_numpy()} if t is not None else {})))

    tables = {
        "metrics": metrics,
        "coefficients": coefficients,
        "goodness_of_fit": gof,
        "feature_importance": importance_table(fitted, full, types, outputs, list(X.columns), cfg),
        "screening": screening_table(full, degenerate, outputs),
        "calibration": pd.concat(calibration_frames, ignore_index=True),
        "registry": registry_table(fitted, full, plan, chosen, cv_brier, tuning, champion, fingerprint, len(y),
                              cv_repeats, cv_folds, meta),
    }
    tables = {name: conform(frame.assign(**meta), name) for name, frame in tables.items()}
    result = PDModelResult(level=level, variant=variant, champion=champion, models=fitted,
                           feature_columns=list(X.columns), scale=cfg.scale, scores=empty_table("scores"),
                           notes=notes, out_of_time_models=oot_models,
                           oot_split=oot_split if oot_models else None,
                           oot_train_end=(oot_split if oot_train_end is None else oot_train_end) if oot_models else None,
                           **tables)
    result.scores = result.score(X, ids)
    return result


def _tune(plan: _Plan, name: str, full: _FeatureStage, y: np.ndarray, groups=None) -> pd.DataFrame:
    """Grid-search ``name`` on the full-sample design; stores the best parameters in the plan."""
    cfg = plan.config
    plan.params[name], results = tune_hyperparameters(
        name, full.inputs(cfg.specs[name]), y, random_state=plan.random_state, cv_folds=cfg.tuning_folds,
        n_jobs=cfg.n_jobs, specs=cfg.specs, groups=groups)
    return results


def _cross_validate(plan: _Plan, X: pd.DataFrame, y: np.ndarray, cv_repeats: int, cv_folds: int, groups=None
                    ) -> tuple[list[dict], dict[str, dict[str, np.ndarray]]]:
    """Repeated stratified (grouped) k-fold; the fold outputs and OOF PDs ``[model][method][repeat, row]``."""
    jobs = cv_splits(y, cv_folds, cv_repeats, plan.random_state, groups)
    outputs = Parallel(n_jobs=plan.config.n_jobs)(
        delayed(_cv_fold)(plan, X, y, train, test, r, f, r == 0) for r, f, train, test in jobs)
    oof = {name: {m: np.full((cv_repeats, len(y)), np.nan) for m in plan.config.specs[name].calibration_candidates}
           for name in plan.models}
    for out in outputs:
        for name, variants in out["preds"].items():
            for method, p in variants.items():
                oof[name][method][out["repeat"], out["test"]] = p
    return outputs, oof


def _summarise_cv(plan: _Plan, y: np.ndarray, oof, cutoffs):
    """Choose each model's calibration by mean CV Brier and summarise its CV metrics."""
    chosen: dict[str, str] = {}
    cv_brier: dict[str, dict[str, float]] = {}
    metric_frames, calibration_frames, summary = [], [], []
    for name in plan.models:
        repeats = range(next(iter(oof[name].values())).shape[0])
        cv_brier[name] = {m: float(np.mean([brier(y, pd_[r]) for r in repeats])) for m, pd_ in oof[name].items()}
        chosen[name] = choose_calibration(cv_brier[name], tolerance=plan.config.calibration_tolerance)
        best = oof[name][chosen[name]]
        frame = summarise_repeats([evaluate_predictions(y, best[r], cutoffs) for r in repeats])
        metric_frames.append(frame.assign(model=name, evaluation="cv"))
        flat = frame[frame["cutoff"].isna()].set_index("metric")["value"]
        summary.append({"model": name, "auc": flat["auc"], "brier": flat["brier"],
                        "calibration_slope": flat.get("calibration_slope", np.nan)})
        # one PD per row: its out-of-fold PD averaged over the repeats
        calibration_frames.append(calibration_by_decile(y, best.mean(axis=0)).assign(model=name))
    return chosen, cv_brier, metric_frames, calibration_frames, pd.DataFrame(summary)


def _fit_final(plan: _Plan, stage: _FeatureStage, y: np.ndarray, chosen: Mapping[str, str]) -> dict[str, Pipeline]:
    """Every model with its chosen calibration on ``stage``'s sample, as raw-feature pipelines."""
    cfg = plan.config
    fitted: dict[str, Pipeline] = {}
    with _quiet():
        for name in plan.models:
            spec = cfg.specs[name]
            est = make_estimator(name, plan.params[name], random_state=plan.random_state, specs=cfg.specs)
            model = with_calibration(est, chosen[name], random_state=plan.random_state, folds=cfg.calibration_folds,
                                     strategy=spec.calibration_strategy)
            fitted[name] = stage.pipeline(spec, model.fit(stage.inputs(spec), y))
    return fitted


def _logistic_tables(fitted: Mapping[str, Pipeline], X: pd.DataFrame, y: np.ndarray
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coefficient table and in-sample goodness of fit of the logistic model (empty without it)."""
    if "logistic" not in fitted:
        strip = ["level", "variant"]
        return empty_table("coefficients").drop(columns=strip), empty_table("goodness_of_fit").drop(columns=strip)
    coefficients = fitted["logistic"].named_steps["model"].coefficient_table().assign(model="logistic")
    stats_ = goodness_of_fit(y, fitted["logistic"].predict_proba(X)[:, 1])
    gof = pd.DataFrame({"statistic": list(GOODNESS_OF_FIT_STATISTICS),
                        "value": [stats_[s] for s in GOODNESS_OF_FIT_STATISTICS], "model": "logistic"})
    return coefficients, gof


def _out_of_time(plan: _Plan, X: pd.DataFrame, y: np.ndarray, t: pd.Series, oot_split: Any, oot_train_end: Any,
                 chosen: Mapping[str, str]) -> tuple[list[pd.DataFrame], str, dict[str, Pipeline], Any]:
    cfg = plan.config
    periods = pd.Series(t.dropna().unique())
    if len(periods) < 2 and oot_split is None:
        return [], "out-of-time skipped: fewer than two periods", {}, None
    split = periods.sort_values().iloc[-1] if oot_split is None else oot_split
    train_end = split if oot_train_end is None else oot_train_end
    valid = t.notna().to_numpy()
    train = valid & (t < train_end).to_numpy()
    test = valid & (t >= split).to_numpy()
    need = max(cfg.calibration_folds, cfg.tuning_folds, 2)
    for name, mask in (("training", train), ("test", test)):
        counts = np.bincount(y[mask], minlength=2)
        if counts.min() < (need if name == "training" else 1):
            return [], f"out-of-time skipped: {name} window (split {split}) has class counts {counts.tolist()}", {}, split
    with _quiet():
        stage = _fit_stage(plan, X[train], y[train], screen=plan.needs_screening)
    fitted = _fit_final(plan, stage, y[train], chosen)
    oot_cutoffs = tuple(cfg.cutoffs) + (round(float(y[train].mean()), 6),)
    frames = []
    with _quiet():
        for name, pipe in fitted.items():
            p = pipe.predict_proba(X[test])[:, 1]
            frames.append(evaluate_predictions(y[test], p, oot_cutoffs).assign(model=name, evaluation="out_of_time",
                                                                               std=np.nan))
    return (frames, f"out-of-time split at {split} (trained before {train_end}): {int(train.sum())} training rows, "
            f"{int(test.sum())} test rows", fitted, split)
