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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.pipeline import Pipeline

from .calibration import choose_calibration, with_calibration
from .config import PDModelConfig
from .estimators import DEFAULT_SPECS, MODEL_NAMES, ModelSpec, tune_hyperparameters
from .evaluation import brier, calibration_by_decile, evaluate_predictions, goodness_of_fit, summarise_repeats
from .folds import cv_splits, sample_rows
from .inputs import frame_fingerprint, prepare_inputs
from .preprocess import clean_features, degenerate_columns, infer_feature_types
from .reporting import (
    AUC_TIE,
    BRIER_TIE,
    SLOPE_TIE,
    fit_notes,
    importance_table,
    registry_table,
    scorecard_points_table,
    screening_table,
)
from .scorecard import ScoreScale, assign_grade
from .stages import FeatureStage, Plan, cv_fold, fit_stage, quiet
from .tables import GOODNESS_OF_FIT_STATISTICS, TABLE_COLUMNS, conform, empty_table

__all__ = ["PDModelConfig", "PDModelResult", "fit_pd_models", "frame_fingerprint", "select_champion"]


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
    scorecard_points: pd.DataFrame = field(default_factory=lambda: empty_table("scorecard_points"))
    notes: list[str] = field(default_factory=list)
    # the models refitted for the out-of-time test (trained before oot_train_end only)
    out_of_time_models: dict[str, Pipeline] = field(default_factory=dict)
    oot_split: Any = None
    oot_train_end: Any = None
    # CPU seconds per family summed over the CV folds (wall-clock: not bitwise stable, not in any table)
    timings: dict[str, float] = field(default_factory=dict)

    def predict_pd(self, features: pd.DataFrame, model: str | None = None, *, out_of_time: bool = False
                   ) -> np.ndarray:
        """PD of one model (default: the champion) for raw ``features``.

        out_of_time: use the model refitted on the rows before ``oot_train_end`` (for honest
        back-tests of the later rows); KeyError when the out-of-time test did not run.
        """
        name = model or self.champion
        return self.predict_pds(features, [name], out_of_time=out_of_time)[name]

    def predict_pds(self, features: pd.DataFrame, models: Sequence[str] | None = None, *,
                    out_of_time: bool = False) -> dict[str, np.ndarray]:
        """``{model: PD}`` for raw ``features`` (default: every model), the features cleaned once."""
        available = {str(c) for c in features.columns}
        missing = [c for c in self.feature_columns if c not in available]
        if missing:
            raise KeyError(f"features lack the training columns {missing}")
        frame = features.copy()
        frame.columns = [str(c) for c in frame.columns]
        X = clean_features(frame, self.feature_columns)
        pipes = self.out_of_time_models if out_of_time else self.models
        with quiet():
            return {name: np.clip(pipes[name].predict_proba(X)[:, 1], 0.0, 1.0) for name in (models or self.models)}

    def score(self, features: pd.DataFrame, entity_ids=None) -> pd.DataFrame:
        """Scores table for ``features``: one row per entity and model, champion flagged."""
        ids = pd.Series(features.index if entity_ids is None else entity_ids).reset_index(drop=True)
        if len(ids) != len(features):
            raise ValueError("entity_ids and features differ in length")
        return self._scores_table(ids, self.predict_pds(features))

    def _scores_table(self, ids: pd.Series, pds: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """The scores rows of ``ids`` from each model's PDs."""
        frames = []
        for name, p in pds.items():
            p = np.clip(p, 0.0, 1.0)
            frames.append(pd.DataFrame({
                "entity_id": ids, "level": self.level, "variant": self.variant, "model": name,
                "is_champion": name == self.champion, "pd": p, "score": self.scale.score(p), "grade": assign_grade(p),
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
    level: str = "custom",
    variant: str = "default",
    entity_ids=None,
    time=None,
    categorical: Sequence[str] = (),
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
    label : default flag: 0/1, boolean, or text by the documented mapping
        (:data:`~sme_credit.modeling.inputs.LABEL_TEXT`: good/bad, yes/no, ...); rows with a
        missing label are dropped (noted).
    level, variant : names copied into every table (defaults ``"custom"``, ``"default"``).
    entity_ids : identifier per row for the ``scores`` table (default: the frame's index).
    time : optional period per row (year, date, ...) for the out-of-time test.
    categorical : columns to treat as categories although they hold numbers (zip, industry codes).
    oot_split : first period of the out-of-time window (``time >= oot_split``);
        default: the latest period.
    oot_train_end : the out-of-time models train on ``time < oot_train_end`` (default
        ``oot_split``); earlier than the split when training labels look ahead (a 12-month
        label at as-of t is known only at t + 12 months).
    groups : optional group per row (the enterprise of a panel row): CV and tuning folds keep
        each group whole.
    models : any of :data:`~sme_credit.modeling.estimators.MODEL_NAMES`.

    Everything decided on the caller's behalf (identifier columns left out, a label mapping, a
    logistic fit that fell back to ridge, a subsampled SVM, fewer CV repeats on a large sample)
    is listed in ``result.notes``.
    """
    cfg = config or PDModelConfig()
    models = tuple(dict.fromkeys(models))
    unknown = [m for m in models if m not in cfg.specs]
    if not models or unknown:
        raise ValueError(f"models must be a non-empty subset of {tuple(cfg.specs)}; unknown: {unknown}")
    inputs = prepare_inputs(features, label, entity_ids=entity_ids, time=time, groups=groups,
                            categorical=categorical)
    X_raw, y, ids, t, g, notes = inputs.X, inputs.y, inputs.entity_ids, inputs.time, inputs.groups, inputs.notes
    n_minority = int(min(y.sum(), len(y) - y.sum()))
    if n_minority < max(10, cv_folds):
        raise ValueError(f"need at least {max(10, cv_folds)} defaults and non-defaults, got "
                         f"{int(y.sum())} defaults and {int(len(y) - y.sum())} non-defaults")
    budget_repeats = max(1, cfg.cv_row_budget // max(len(y), 1))
    if cv_repeats > budget_repeats:
        notes.append(f"CV repeats cut from {cv_repeats} to {budget_repeats}: {len(y)} rows "
                     f"(PDModelConfig.cv_row_budget {cfg.cv_row_budget})")
        cv_repeats = budget_repeats

    degenerate = degenerate_columns(X_raw, max_levels=cfg.max_levels)
    for rec in degenerate.itertuples(index=False):
        notes.append(f"raw column {rec.feature!r} dropped: {rec.reason}")
    usable = [str(c) for c in X_raw.columns if str(c) not in set(degenerate["feature"])]
    if not usable:
        raise ValueError("no usable feature columns (all degenerate)")
    X_clean = clean_features(X_raw)
    types = infer_feature_types(X_clean[usable])
    X = X_clean[list(types.all)]
    for col in types.categorical:
        levels = X[col].nunique()
        if levels > cfg.max_categories:
            notes.append(f"categorical {col!r}: {levels} levels; the rarest share one 'infrequent' level "
                         f"(at most {cfg.max_categories} levels, each >= {cfg.min_category_frequency:.0%} of rows)")
    base_rate = float(y.mean())
    cutoffs = tuple(cfg.cutoffs) + (round(base_rate, 6),)

    plan = Plan(types, cfg, models, {}, random_state)
    with quiet():
        full = fit_stage(plan, X, y, screen=True, full_report=True)
        tuning_rows = sample_rows(y, cfg.tuning_max_rows, random_state, g)
        if len(tuning_rows) < len(y):
            notes.append(f"hyper-parameters tuned on a seeded sample of {len(tuning_rows)} of {len(y)} rows"
                         f"{' (whole groups)' if g is not None else ''} (PDModelConfig.tuning_max_rows "
                         f"{cfg.tuning_max_rows})")
        tuning = {name: _tune(plan, name, full, y, g, tuning_rows) for name in models}

    outputs, oof = _cross_validate(plan, X, y, cv_repeats, cv_folds, g)
    chosen, cv_brier, metric_frames, calibration_frames, summary = _summarise_cv(plan, y, oof, cutoffs)
    champion = select_champion(summary, cfg.specs)

    fitted = _fit_final(plan, full, y, chosen)
    with quiet():
        in_sample = {name: pipe.predict_proba(X)[:, 1] for name, pipe in fitted.items()}
    for name, p_in in in_sample.items():
        metric_frames.append(evaluate_predictions(y, p_in, cutoffs).assign(model=name, evaluation="in_sample",
                                                                           std=np.nan))
    notes += fit_notes(fitted, len(y))
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
        "screening": screening_table(full, degenerate, outputs, fitted),
        "calibration": pd.concat(calibration_frames, ignore_index=True),
        "registry": registry_table(fitted, full, plan, chosen, cv_brier, tuning, champion, fingerprint, len(y),
                                   cv_repeats, cv_folds, meta),
        "scorecard_points": scorecard_points_table(fitted),
    }
    tables = {name: conform(frame.assign(**meta), name) for name, frame in tables.items()}
    result = PDModelResult(level=level, variant=variant, champion=champion, models=fitted,
                           feature_columns=list(X.columns), scale=cfg.scale, scores=empty_table("scores"),
                           notes=notes, out_of_time_models=oot_models,
                           oot_split=oot_split if oot_models else None,
                           oot_train_end=(oot_split if oot_train_end is None else oot_train_end) if oot_models else None,
                           **tables)
    result.timings = {name: round(sum(o["seconds"].get(name, 0.0) for o in outputs), 1) for name in models}
    result.scores = result._scores_table(pd.Series(ids).reset_index(drop=True), in_sample)  # what score(X) gives
    return result


def _tune(plan: Plan, name: str, full: FeatureStage, y: np.ndarray, groups, rows: np.ndarray) -> pd.DataFrame:
    """Grid-search ``name`` on ``rows`` of the full-sample design; stores the best parameters in the plan."""
    cfg = plan.config
    plan.params[name], results = tune_hyperparameters(
        name, full.inputs(cfg.specs[name]).iloc[rows], y[rows], random_state=plan.random_state,
        cv_folds=cfg.tuning_folds, n_jobs=cfg.n_jobs, specs=cfg.specs,
        groups=None if groups is None else np.asarray(groups)[rows])
    return results


def _cross_validate(plan: Plan, X: pd.DataFrame, y: np.ndarray, cv_repeats: int, cv_folds: int, groups=None
                    ) -> tuple[list[dict], dict[str, dict[str, np.ndarray]]]:
    """Repeated stratified (grouped) k-fold; the fold outputs and OOF PDs ``[model][method][repeat, row]``."""
    jobs = cv_splits(y, cv_folds, cv_repeats, plan.random_state, groups)
    outputs = Parallel(n_jobs=plan.config.n_jobs)(
        delayed(cv_fold)(plan, X, y, train, test, r, f, r == 0) for r, f, train, test in jobs)
    oof = {name: {m: np.full((cv_repeats, len(y)), np.nan) for m in plan.config.specs[name].calibration_candidates}
           for name in plan.models}
    for out in outputs:
        for name, variants in out["preds"].items():
            for method, p in variants.items():
                oof[name][method][out["repeat"], out["test"]] = p
    return outputs, oof


def _summarise_cv(plan: Plan, y: np.ndarray, oof, cutoffs):
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


def _fit_final(plan: Plan, stage: FeatureStage, y: np.ndarray, chosen: Mapping[str, str]) -> dict[str, Pipeline]:
    """Every model with its chosen calibration on ``stage``'s sample, as raw-feature pipelines."""
    cfg = plan.config
    models = Parallel(n_jobs=cfg.n_jobs)(
        delayed(_fit_model)(plan, name, chosen[name], stage.inputs(cfg.specs[name]), y) for name in plan.models)
    return {name: stage.pipeline(cfg.specs[name], model) for name, model in zip(plan.models, models)}


def _fit_model(plan: Plan, name: str, calibration: str, X: pd.DataFrame, y: np.ndarray):
    """Model ``name`` with ``calibration``, fitted on its inputs ``X`` (one joblib job)."""
    cfg = plan.config
    with quiet():
        return with_calibration(plan.estimator(name), calibration, random_state=plan.random_state,
                                folds=cfg.calibration_folds, strategy=cfg.specs[name].calibration_strategy).fit(X, y)


def _logistic_tables(fitted: Mapping[str, Pipeline], X: pd.DataFrame, y: np.ndarray
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coefficient tables (stepwise and regularised logistic) and in-sample goodness of fit of the
    logistic models; empty frames without them."""
    strip = ["level", "variant"]
    coefficient_frames, gof_frames = [], []
    for name in ("logistic", "regularised_logistic"):
        if name not in fitted:
            continue
        coefficient_frames.append(fitted[name].named_steps["model"].coefficient_table().assign(model=name))
        with quiet():
            stats_ = goodness_of_fit(y, fitted[name].predict_proba(X)[:, 1])
        gof_frames.append(pd.DataFrame({"statistic": list(GOODNESS_OF_FIT_STATISTICS),
                                        "value": [stats_[s] for s in GOODNESS_OF_FIT_STATISTICS], "model": name}))
    coefficients = (pd.concat(coefficient_frames, ignore_index=True) if coefficient_frames
                    else empty_table("coefficients").drop(columns=strip))
    gof = pd.concat(gof_frames, ignore_index=True) if gof_frames else empty_table("goodness_of_fit").drop(columns=strip)
    return coefficients, gof


def _out_of_time(plan: Plan, X: pd.DataFrame, y: np.ndarray, t: pd.Series, oot_split: Any, oot_train_end: Any,
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
    with quiet():
        stage = fit_stage(plan, X[train], y[train], screen=plan.needs("screened"))
    fitted = _fit_final(plan, stage, y[train], chosen)
    oot_cutoffs = tuple(cfg.cutoffs) + (round(float(y[train].mean()), 6),)
    frames = []
    with quiet():
        for name, pipe in fitted.items():
            p = pipe.predict_proba(X[test])[:, 1]
            frames.append(evaluate_predictions(y[test], p, oot_cutoffs).assign(model=name, evaluation="out_of_time",
                                                                               std=np.nan))
    return (frames, f"out-of-time split at {split} (trained before {train_end}): {int(train.sum())} training rows, "
            f"{int(test.sum())} test rows", fitted, split)
