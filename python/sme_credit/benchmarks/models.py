"""`sme-credit bench models`: every fitted PD task of a warehouse against plain scikit-learn baselines.

The baselines are what a new user would fit first: median imputation and standardisation (text
columns: most frequent level, one-hot), then ``LogisticRegression()`` or
``RandomForestClassifier(500, min_samples_leaf=3)``. They run on the task's own rows, raw feature
columns and CV folds (the same repeated, entity-grouped splits, rebuilt from the fit's settings),
next to the project models' CV AUCs from ``marts.pd_model_metrics``.

CV AUC, as in the project's ``pd_model_metrics``: the AUC of each repeat's pooled out-of-fold PDs,
averaged over the repeats. Fold noise: the standard error of a baseline's mean CV AUC (the spread of
its per-fold AUCs over sqrt(folds x repeats)). A project model is "at or above" a baseline when its AUC is no more than
two standard errors below it.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..modeling.config import PDModelConfig
from ..modeling.folds import cv_splits
from ..modeling.inputs import prepare_inputs
from ..modeling.marts import fits_from_frame
from ..modeling.preprocess import clean_features, degenerate_columns, infer_feature_types
from ..modeling.tasks import task_data

BASELINES = ("plain_logistic", "plain_random_forest")


def plain_baseline(name: str, numeric: list[str], categorical: list[str], random_state: int = 42):
    """The untuned scikit-learn pipeline of baseline ``name``."""
    parts = [("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)]
    if categorical:
        parts.append(("categorical", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                                   OneHotEncoder(handle_unknown="ignore")), categorical))
    model = (LogisticRegression(max_iter=1000) if name == "plain_logistic"
             else RandomForestClassifier(500, min_samples_leaf=3, random_state=random_state, n_jobs=1))
    return make_pipeline(ColumnTransformer(parts), model)


def _fold_pd(name, numeric, categorical, X, y, train, test, random_state) -> np.ndarray:
    model = plain_baseline(name, numeric, categorical, random_state).fit(X.iloc[train], y[train])
    return model.predict_proba(X.iloc[test])[:, 1]


def baseline_cv(X: pd.DataFrame, y: np.ndarray, groups, *, folds: int, repeats: int, random_state: int,
                n_jobs: int = 2) -> pd.DataFrame:
    """Mean CV AUC, its spread over repeats and its standard error for both baselines."""
    X = clean_features(X)
    X = X[[c for c in X.columns if c not in set(degenerate_columns(X)["feature"])]]
    types = infer_feature_types(X)
    X = X[list(types.all)]
    for col in types.categorical:
        X[col] = X[col].astype(object).where(X[col].notna(), np.nan)
    splits = cv_splits(y, folds, repeats, random_state, groups)
    rows = []
    for name in BASELINES:
        started = time.perf_counter()
        pds = Parallel(n_jobs=n_jobs)(delayed(_fold_pd)(name, list(types.numeric), list(types.categorical), X, y,
                                                        tr, te, random_state) for _, _, tr, te in splits)
        # as the project's CV metrics: the AUC of each repeat's pooled out-of-fold PDs
        oof = np.full((repeats, len(y)), np.nan)
        for (r, _, _, te), p in zip(splits, pds):
            oof[r, te] = p
        per_repeat = np.array([roc_auc_score(y, oof[r]) for r in range(repeats)])
        aucs = [roc_auc_score(y[te], p) for (_, _, _, te), p in zip(splits, pds)]
        rows.append({"model": name, "cv_auc": float(per_repeat.mean()),
                     "cv_auc_std": float(per_repeat.std(ddof=1)) if repeats > 1 else np.nan,
                     "se": float(np.std(aucs, ddof=1) / np.sqrt(len(aucs))),
                     "seconds": round(time.perf_counter() - started, 1)})
    return pd.DataFrame(rows)


def benchmark_warehouse(db_path: str | Path, *, n_jobs: int = 2, log=print) -> pd.DataFrame:
    """One row per fitted task and model (project and baseline): CV AUC, spread, verdict."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        fits = fits_from_frame(con.sql("from intermediate.int_pd_model_fits").to_arrow_table().to_pandas())
        indicators = con.sql("from validation.validated_enterprise_indicators").to_arrow_table().to_pandas()
        loans = con.sql("from validation.validated_loan_features").to_arrow_table().to_pandas()
    frames = []
    for fit in fits:
        s = fit.settings
        data = task_data(fit.level, fit.variant, indicators, loans, training_step=s.get("pit_training_step", 3),
                         horizon_months=s.get("horizon_months", 12))
        keep = data.labelled
        inputs = prepare_inputs(data.features[keep], data.label[keep],
                                groups=None if data.groups is None else data.groups[keep])
        repeats, folds = int(s.get("cv_repeats", 5)), int(s.get("cv_folds", 5))
        budget = PDModelConfig().cv_row_budget  # the fit's own rule for cutting CV repeats
        repeats = min(repeats, max(1, budget // max(len(inputs.y), 1)))
        log(f"bench models {fit.level}/{fit.variant}: {len(inputs.y)} rows, {repeats}x{folds} folds")
        base = baseline_cv(inputs.X, inputs.y, inputs.groups, folds=folds, repeats=repeats,
                           random_state=int(s.get("random_state", 42)), n_jobs=n_jobs)
        m = fit.result.metrics
        cv = m[(m["evaluation"] == "cv") & (m["metric"] == "auc") & m["cutoff"].isna()]
        project = pd.DataFrame({"model": cv["model"], "cv_auc": cv["value"], "cv_auc_std": cv["std"],
                                "se": np.nan, "seconds": cv["model"].map(fit.result.timings)})
        table = pd.concat([project, base], ignore_index=True)
        best = base.loc[base["cv_auc"].idxmax()]
        table["delta_vs_best_plain"] = table["cv_auc"] - best["cv_auc"]
        table["is_champion"] = table["model"] == fit.result.champion
        table["at_or_above_plain"] = table["delta_vs_best_plain"] >= -2 * best["se"]
        frames.append(table.assign(task=f"{fit.level}/{fit.variant}", rows=len(inputs.y),
                                   defaults=int(inputs.y.sum()), noise_2se=2 * best["se"]))
    if not frames:
        return pd.DataFrame()
    cols = ["task", "rows", "defaults", "model", "is_champion", "cv_auc", "cv_auc_std", "delta_vs_best_plain",
            "noise_2se", "at_or_above_plain", "seconds"]
    return pd.concat(frames, ignore_index=True)[cols]


def to_markdown(table: pd.DataFrame, db_path) -> str:
    lines = [f"# PD models against plain scikit-learn baselines\n", f"Warehouse: `{db_path}`. Same rows, features "
             "and CV folds per task; `noise_2se` = two standard errors of the better baseline's mean CV AUC; "
             "`seconds` = CPU seconds summed over the CV folds.\n"]
    for task, part in table.groupby("task", sort=False):
        champion = part[part["is_champion"]].iloc[0]
        verdict = "at or above" if champion["at_or_above_plain"] else "BELOW"
        lines.append(f"## {task} ({part['rows'].iloc[0]} rows, {part['defaults'].iloc[0]} defaults)\n")
        lines.append(f"Champion {champion['model']}: CV AUC {champion['cv_auc']:.3f}, {verdict} the better plain "
                     f"baseline ({champion['delta_vs_best_plain']:+.3f}; noise ±{champion['noise_2se']:.3f}).\n")
        lines.append("| model | champion | CV AUC | std over repeats | Δ vs best plain | seconds |")
        lines.append("|---|---|---|---|---|---|")
        for r in part.sort_values("cv_auc", ascending=False).itertuples():
            std = "" if pd.isna(r.cv_auc_std) else f"{r.cv_auc_std:.3f}"
            sec = "" if pd.isna(r.seconds) else f"{r.seconds:.0f}"
            lines.append(f"| {r.model} | {'yes' if r.is_champion else ''} | {r.cv_auc:.3f} | {std} | "
                         f"{r.delta_vs_best_plain:+.3f} | {sec} |")
        lines.append("")
    return "\n".join(lines)


def scale_benchmark(rows: int = 30_000, features: int = 25, seed: int = 0) -> dict:
    """Time `fit_pd_models` with its defaults on a bank-sized synthetic table (numeric, categorical, NaN).

    Returns the wall seconds, the CPU seconds per family summed over the CV folds and the notes
    (which say what was sampled or cut on the way)."""
    from ..modeling import fit_pd_models

    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, features - 2)), columns=[f"x{i:02d}" for i in range(features - 2)])
    X.loc[rng.random(rows) < 0.1, "x00"] = np.nan
    X["sector"] = rng.choice(["a", "b", "c", "d", "e"], rows)
    X["region"] = rng.choice([f"r{i}" for i in range(40)], rows)
    logit = -3.0 + X["x01"] - 0.7 * X["x02"] + 0.5 * np.tanh(X["x03"]) + (X["sector"] == "c") * 0.6
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    started = time.perf_counter()
    result = fit_pd_models(X, y)
    return {"rows": rows, "features": features, "defaults": int(y.sum()),
            "wall_seconds": round(time.perf_counter() - started, 1), "champion": result.champion,
            "cpu_seconds_per_family": result.timings, "notes": result.notes}
