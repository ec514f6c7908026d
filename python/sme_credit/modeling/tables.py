"""Column contracts of the warehouse tables produced by :func:`fit_pd_models`.

Each result frame has exactly these columns, in this order, with these dtypes
(``"keep"`` leaves the caller's dtype, used for entity ids). Nullable numeric
columns use float NaN, which DuckDB stores as NULL.
"""

from __future__ import annotations

import pandas as pd

TABLE_SCHEMAS: dict[str, dict[str, str]] = {
    "scores": {
        "entity_id": "keep", "level": "str", "variant": "str", "model": "str",
        "is_champion": "bool", "pd": "float64", "score": "float64", "grade": "int64",
    },
    "metrics": {
        "level": "str", "variant": "str", "model": "str", "evaluation": "str", "metric": "str",
        "cutoff": "float64", "value": "float64", "std": "float64",
    },
    "coefficients": {
        "level": "str", "variant": "str", "model": "str", "feature": "str", "b": "float64",
        "se": "float64", "wald": "float64", "df": "int64", "sig": "float64", "exp_b": "float64",
    },
    "goodness_of_fit": {"level": "str", "variant": "str", "model": "str", "statistic": "str", "value": "float64"},
    "feature_importance": {
        "level": "str", "variant": "str", "model": "str", "feature": "str", "importance_type": "str",
        "importance": "float64", "rank": "int64",
    },
    "screening": {
        "level": "str", "variant": "str", "step": "str", "feature": "str", "metric": "str",
        "value": "float64", "selected": "bool", "note": "str",
    },
    "calibration": {
        "level": "str", "variant": "str", "model": "str", "decile": "int64", "n": "int64",
        "mean_pd": "float64", "observed_rate": "float64",
    },
    "scorecard_points": {
        "level": "str", "variant": "str", "model": "str", "feature": "str", "bin_index": "int64", "bin": "str",
        "n": "int64", "event_rate": "float64", "woe": "float64", "iv": "float64", "coefficient": "float64",
        "points": "float64",
    },
    "registry": {
        "model_id": "str", "level": "str", "variant": "str", "model": "str", "is_champion": "bool",
        "champion_rule": "str", "trained_at": "datetime64[us, UTC]", "training_rows": "int64",
        "n_features": "int64", "data_fingerprint": "str", "hyperparameters": "str",
        "calibration_method": "str", "package_version": "str",
    },
}

TABLE_COLUMNS: dict[str, list[str]] = {name: list(schema) for name, schema in TABLE_SCHEMAS.items()}

EVALUATIONS = ("cv", "out_of_time", "in_sample")
GOODNESS_OF_FIT_STATISTICS = (
    "minus_2_log_likelihood", "cox_snell_r2", "nagelkerke_r2",
    "hosmer_lemeshow_chi2", "hosmer_lemeshow_df", "hosmer_lemeshow_p",
)


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``frame`` with exactly the columns of ``table``, ordered and typed."""
    schema = TABLE_SCHEMAS[table]
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise KeyError(f"{table}: missing columns {missing}")
    out = frame.loc[:, list(schema)].reset_index(drop=True).copy()
    for col, dtype in schema.items():
        if dtype == "keep":
            continue
        if dtype == "str":
            out[col] = out[col].astype("str")
        else:
            out[col] = out[col].astype(dtype)
    return out


def empty_table(table: str) -> pd.DataFrame:
    """Zero-row frame with the table's columns and dtypes."""
    return conform(pd.DataFrame({c: [] for c in TABLE_SCHEMAS[table]}), table)
