"""The inputs of :func:`~sme_credit.modeling.fit_pd_models`, checked and made usable.

A user's own table arrives with text labels, identifier columns, numeric codes that are really
categories and no entity or time column. Everything decided here is reported in the fit's
``notes``, never silently:

* labels: 0/1, booleans, or text mapped by :data:`LABEL_TEXT` (``good``/``bad``, ``default`` /
  ``performing``, ``yes``/``no``, ...); any other text is an error naming the values;
* identifier-like columns (every value distinct: a dense run of integers such as a loan number,
  or text with a distinct value per row) are left out;
* columns the caller declares categorical (zip, industry or product codes) are encoded as
  categories, not numbers; rare levels of any categorical fall into one "infrequent" level of
  the one-hot encoder instead of dropping the column.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The documented mapping of text labels (lower-cased, trimmed) to the default flag.
LABEL_TEXT: dict[str, int] = {
    "1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0, "yes": 1, "no": 0, "y": 1, "n": 0,
    "bad": 1, "good": 0, "default": 1, "defaulted": 1, "non-default": 0, "non_default": 0,
    "no default": 0, "performing": 0, "non-performing": 1,
}
#: Identifier-like: at least this many rows, and integers spaced at most this densely.
ID_MIN_ROWS = 20
ID_MAX_SPACING = 1.5


@dataclass
class Inputs:
    X: pd.DataFrame
    y: np.ndarray
    entity_ids: pd.Series
    time: pd.Series | None
    groups: np.ndarray | None
    notes: list[str]


def label_to_flag(label) -> tuple[pd.Series, list[str]]:
    """The label as float 0/1 with NaN for missing; text through :data:`LABEL_TEXT`."""
    series = pd.Series(label).reset_index(drop=True)
    notes: list[str] = []
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64"), notes
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.astype("float64")
        bad = values.notna() & ~values.isin([0.0, 1.0])
        if bad.any():
            raise ValueError(f"label must be 0/1 (1 = default); found {sorted(values[bad].unique().tolist())[:5]}")
        return values, notes
    text = series.astype("string").str.strip().str.lower()
    text = text.mask(text == "")
    mapped = text.map(LABEL_TEXT)
    unknown = text.notna() & mapped.isna()
    if unknown.any():
        raise ValueError(
            f"label: text values {sorted(text[unknown].unique().tolist())[:5]} are not in the documented mapping "
            f"(1 = {sorted(k for k, v in LABEL_TEXT.items() if v == 1)}, "
            f"0 = {sorted(k for k, v in LABEL_TEXT.items() if v == 0)}): map them to 0/1 first")
    notes.append(f"text label mapped to 0/1 ({', '.join(f'{k}={LABEL_TEXT[k]}' for k in sorted(text.dropna().unique()))})")
    return mapped.astype("float64"), notes


def identifier_columns(features: pd.DataFrame) -> dict[str, str]:
    """Columns that identify rows rather than describe risk, with the reason."""
    out: dict[str, str] = {}
    n = len(features)
    if n < ID_MIN_ROWS:
        return out
    for col in features.columns:
        s = features[col]
        known = s.dropna()
        if len(known) < ID_MIN_ROWS or known.nunique() != len(known):
            continue
        if pd.api.types.is_bool_dtype(s.dtype):
            continue
        if pd.api.types.is_numeric_dtype(s.dtype):
            v = known.astype("float64").to_numpy()
            if np.all(np.isfinite(v)) and np.all(v == np.round(v)) and (v.max() - v.min() + 1) / len(v) <= ID_MAX_SPACING:
                out[str(col)] = "identifier-like: distinct consecutive integers"
        else:
            out[str(col)] = "identifier-like: a distinct text value per row"
    return out


def prepare_inputs(features: pd.DataFrame, label, *, entity_ids=None, time=None, groups=None,
                   categorical: Sequence[str] = ()) -> Inputs:
    """Align, check and clean the inputs (rows by position); see the module docstring."""
    if not isinstance(features, pd.DataFrame):
        raise TypeError("features must be a pandas DataFrame")
    n = len(features)
    for name, obj in (("label", label), ("entity_ids", entity_ids), ("time", time), ("groups", groups)):
        if obj is not None and len(obj) != n:
            raise ValueError(f"{name} has {len(obj)} rows, features has {n}")
    if features.columns.duplicated().any():
        raise ValueError("duplicate feature column names")
    unknown = [c for c in categorical if c not in set(map(str, features.columns))]
    if unknown:
        raise KeyError(f"categorical columns {unknown} are not in features")
    y_flag, notes = label_to_flag(label)
    keep = y_flag.notna().to_numpy()
    if not keep.all():
        notes.append(f"dropped {int((~keep).sum())} rows with missing label")
    X = features.reset_index(drop=True).copy()
    X.columns = [str(c) for c in X.columns]
    for col in categorical:
        # codes as text (7 is not "more" than 3); whole-number floats (a column with NaN) lose ".0"
        values = X[col]
        if pd.api.types.is_float_dtype(values.dtype) and (values.dropna() % 1 == 0).all():
            values = values.astype("Int64")
        X[col] = values.astype("string").astype(object).where(values.notna(), None)
    if categorical:
        notes.append(f"declared categorical: {', '.join(categorical)}")
    for col, reason in identifier_columns(X).items():
        notes.append(f"raw column {col!r} left out: {reason}")
        X = X.drop(columns=col)
    ids = pd.Series(features.index if entity_ids is None else entity_ids).reset_index(drop=True)
    t = None if time is None else pd.Series(time).reset_index(drop=True).loc[keep].reset_index(drop=True)
    g = None if groups is None else pd.Series(groups).reset_index(drop=True)[keep].to_numpy()
    return Inputs(X.loc[keep].reset_index(drop=True), y_flag[keep].to_numpy().astype(int),
                  ids.loc[keep].reset_index(drop=True), t, g, notes)


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """sha256 over the frame's content, independent of row and column order."""
    cols = sorted(frame.columns, key=str)
    row_hashes = pd.util.hash_pandas_object(frame[cols], index=False).to_numpy(dtype="uint64")
    digest = hashlib.sha256(json.dumps([str(c) for c in cols]).encode())
    digest.update(np.sort(row_hashes).tobytes())
    return digest.hexdigest()
