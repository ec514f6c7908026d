"""The descriptive tables of a PD fit: feature importance, screening log and model registry.

Split from pipeline.py (which fits); these only read what the fit produced.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import sklearn
import statsmodels

from .. import __version__ as SME_CREDIT_VERSION
from .calibration import base_estimator
from .importance import impurity_by_feature
from .preprocess import FeatureTypes, design_feature_sources
from .tables import empty_table

AUC_TIE = 0.005
BRIER_TIE = 0.001
SLOPE_TIE = 0.1
CHAMPION_RULE = (
    f"highest mean CV AUC; models within {AUC_TIE} AUC of the best are tied and the lowest mean CV "
    f"Brier wins; Brier within {BRIER_TIE} -> CV calibration slope closest to 1 (within {SLOPE_TIE} tied) "
    "-> simplest model (logistic < regularised_logistic < woe_scorecard < naive_bayes < random_forest "
    "< gradient_boosting < svm)"
)

def _json(obj: Any) -> str:
    def default(o):
        if isinstance(o, (np.integer,)):
            return int(o)
        if isinstance(o, (np.floating,)):
            return float(o)
        return str(o)

    return json.dumps(obj, sort_keys=True, default=default)


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["importance", "feature"], ascending=[False, True], kind="stable")
    frame["rank"] = frame["importance"].rank(ascending=False, method="min").astype("int64")
    return frame



def importance_table(fitted, full: Any, types: FeatureTypes, outputs, raw_columns: list[str],
                      cfg: Any) -> pd.DataFrame:
    frames = []
    if "random_forest" in fitted:
        forest = base_estimator(fitted["random_forest"].named_steps["model"])
        sources = design_feature_sources(full.design.columns, types)
        impurity = impurity_by_feature(forest.feature_importances_, full.design.columns, sources)
        frames.append(_ranked(pd.DataFrame({"feature": impurity.index, "importance": impurity.to_numpy(),
                                            "importance_type": "impurity", "model": "random_forest"})))
    for name in cfg.permutation_models:
        values = [o["importance"][name] for o in outputs if name in o["importance"]]
        if name in fitted and values:
            frames.append(_ranked(pd.DataFrame({"feature": raw_columns, "importance": np.mean(values, axis=0),
                                                "importance_type": "permutation", "model": name})))
    if not frames:
        return empty_table("feature_importance").drop(columns=["level", "variant"])
    return pd.concat(frames, ignore_index=True)


def fit_notes(fitted, n_rows: int) -> list[str]:
    """What the final fits decided on their own: fallbacks and samples (for ``result.notes``)."""
    notes = []
    if "logistic" in fitted:
        fit = fitted["logistic"].named_steps["model"].fit_
        if fit.method != "mle":
            notes.append(f"logistic: {fit.note}")
    if "regularised_logistic" in fitted:
        model = fitted["regularised_logistic"].named_steps["model"]
        if not model.converged_:
            notes.append(f"regularised_logistic: lbfgs stopped at max_iter={model.max_iter} before converging")
    if "svm" in fitted:
        svc = base_estimator(fitted["svm"].named_steps["model"])
        if svc.n_train_rows_ < n_rows:
            notes.append(f"svm: fitted on a class-stratified sample of {svc.n_train_rows_} of {n_rows} rows "
                         "(a kernel SVM's cost grows with the square of the rows)")
    if "random_forest" in fitted:
        forest = base_estimator(fitted["random_forest"].named_steps["model"])
        if forest.max_samples is not None:
            notes.append(f"random_forest: each tree draws {forest.max_bootstrap_rows} bootstrap rows of {n_rows}")
    if "gradient_boosting" in fitted:
        boost = base_estimator(fitted["gradient_boosting"].named_steps["model"])
        notes.append(f"gradient_boosting: early stopping kept {boost.n_iter_} of at most {boost.max_iter} trees")
    return notes


def scorecard_points_table(fitted) -> pd.DataFrame:
    """Bins, WoE, event rates and points of the WoE scorecard (empty without it)."""
    if "woe_scorecard" not in fitted:
        return empty_table("scorecard_points").drop(columns=["level", "variant"])
    return fitted["woe_scorecard"].named_steps["model"].points_table().assign(model="woe_scorecard")


def screening_table(full: Any, degenerate: pd.DataFrame, outputs, fitted=None) -> pd.DataFrame:
    raw = pd.DataFrame({
        "step": "degenerate_raw", "feature": degenerate["feature"], "metric": "n_unique",
        "value": degenerate["n_unique"].astype(float), "selected": False,
        "note": "dropped: " + degenerate["reason"],
    })
    frames = [raw, full.screener.report_]
    if fitted and "woe_scorecard" in fitted:
        card = fitted["woe_scorecard"].named_steps["model"]
        frames.append(pd.DataFrame({
            "step": "woe_information_value", "feature": list(card.iv_.index), "metric": "iv",
            "value": card.iv_.to_numpy(dtype=float), "selected": [f in set(card.selected_) for f in card.iv_.index],
            "note": f"optbinning WoE bins; kept in the scorecard when IV >= {card.min_iv}"}))
    selections = [o["selected"] for o in outputs if o["selected"] is not None]
    if selections:
        counts = Counter(f for sel in selections for f in sel)
        final = set(full.screener.selected_features_)
        names = list(full.screened.columns) + sorted(set(counts) - set(full.screened.columns))
        frames.append(pd.DataFrame({
            "step": "cv_selection_frequency", "feature": names, "metric": "frequency",
            "value": [counts.get(f, 0) / len(selections) for f in names],
            "selected": [f in final for f in names], "note": f"share of {len(selections)} CV training folds",
        }))
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


def registry_table(fitted, full: Any, plan: Any, chosen, cv_brier, tuning, champion: str,
              fingerprint: str, n_rows: int, cv_repeats: int, cv_folds: int, meta: dict) -> pd.DataFrame:
    cfg = plan.config
    trained_at = pd.Timestamp.now(tz="UTC")
    versions = (f"sme_credit {SME_CREDIT_VERSION}; scikit-learn {sklearn.__version__}; "
                f"statsmodels {statsmodels.__version__}")
    rows = []
    for name, pipe in fitted.items():
        spec = cfg.specs[name]
        inputs = list(full.inputs(spec).columns)
        hyper: dict[str, Any] = {
            "estimator": {**spec.fixed_params, **plan.params[name]},
            "tuning": {"grid": {k: list(v) for k, v in spec.param_grid.items()}, "scoring": "roc_auc",
                       "folds": cfg.tuning_folds,
                       "cv_auc": [round(float(a), 10) for a in tuning[name]["mean_auc"]] if len(tuning[name]) else []},
            "calibration": {"method": chosen[name], "strategy": spec.calibration_strategy,
                            "folds": cfg.calibration_folds,
                            "cv_brier": {m: round(b, 10) for m, b in cv_brier[name].items()}},
            "preprocessing": {"winsor_quantiles": list(cfg.winsor_quantiles), "max_categories": cfg.max_categories,
                              "min_category_frequency": cfg.min_category_frequency},
            "screening": cfg.screening.to_dict() if spec.uses_screening else None,
            "cv": {"repeats": cv_repeats, "folds": cv_folds},
            "random_state": plan.random_state,
            "features": inputs,
        }
        if name == "logistic":
            fit = pipe.named_steps["model"].fit_
            hyper["logistic_fit"] = {"method": fit.method, "l2_lambda": fit.l2_lambda, "note": fit.note}
        hyper_json = _json(hyper)
        model_id = hashlib.sha256(_json([meta["level"], meta["variant"], name, hyper_json, fingerprint]).encode())
        rows.append({
            "model_id": model_id.hexdigest()[:16], "model": name, "is_champion": name == champion,
            "champion_rule": CHAMPION_RULE, "trained_at": trained_at, "training_rows": n_rows,
            "n_features": len(inputs), "data_fingerprint": fingerprint, "hyperparameters": hyper_json,
            "calibration_method": chosen[name], "package_version": versions, **meta,
        })
    return pd.DataFrame(rows)
