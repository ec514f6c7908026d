"""Feature typing, degenerate-column detection and the preprocessing ColumnTransformer.

The preprocessor turns a raw feature frame (numeric + categorical columns, NaNs
allowed) into a fully numeric *design matrix*:

* numeric: winsorise at training quantiles -> robust scaling (median/IQR) ->
  median imputation plus a 0/1 missing indicator for columns that had NaNs;
* categorical: missing -> ``"__missing__"`` level -> one-hot with the first level
  dropped (so a logistic model with an intercept stays full rank); rare and
  unseen levels fall into an "infrequent" bucket.

Everything here is label-free, so fitting it on a whole sample leaks nothing
about the outcome; the pipeline still refits it inside every CV fold.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, RobustScaler
from sklearn.utils.validation import check_is_fitted, validate_data

MISSING_LEVEL = "__missing__"
MISSING_INDICATOR_PREFIX = "missingindicator_"
CATEGORY_SEPARATOR = "="


@dataclass(frozen=True)
class FeatureTypes:
    """Raw feature columns split by how they are encoded."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.numeric + self.categorical


def infer_feature_types(features: pd.DataFrame) -> FeatureTypes:
    """Numeric and boolean columns are numeric; strings/objects/categoricals are categorical.

    Datetime-like and other exotic dtypes are left out (``degenerate_columns``
    reports them as ``unsupported_dtype``).
    """
    numeric: list[str] = []
    categorical: list[str] = []
    for col in features.columns:
        dtype = features[col].dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            numeric.append(str(col))
        elif (
            isinstance(dtype, pd.CategoricalDtype)
            or pd.api.types.is_string_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype)
        ):
            categorical.append(str(col))
    return FeatureTypes(tuple(numeric), tuple(categorical))


#: Numeric features are compared at this many significant digits ...
SIGNIFICANT_DIGITS = 12
#: ... and magnitudes below this are zero (see :func:`round_last_bits`).
ZERO_BELOW = 1e-12


def round_last_bits(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS, zero_below: float = ZERO_BELOW
                    ) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits, with ``|x| < zero_below`` set to 0.

    Why: DuckDB sums doubles in parallel, so the same indicator can differ in its last bits
    between two builds. A tree's split or a quantile bin edge can fall exactly on a value
    that many rows share; then that noise decides a row's side and its PD. Rounding makes
    equal values bitwise equal again, and a difference of two equal sums (a growth of
    ~1e-17) exactly 0. NaN and +/-inf pass through.
    """
    values = np.asarray(values, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        magnitude = np.floor(np.log10(np.abs(values)))
        scale = 10.0 ** (digits - 1 - magnitude)
        rounded = np.round(values * scale) / scale
    keep = ~np.isfinite(rounded)  # zero, NaN, inf, or a subnormal whose scale overflowed
    rounded[keep] = values[keep]
    rounded[np.abs(values) < zero_below] = 0.0
    return rounded


def clean_features(features: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Copy ``features`` restricted to ``columns``: booleans as float, +/-inf as NaN, numbers
    through :func:`round_last_bits` (fit and scoring both come through here)."""
    frame = features.copy() if columns is None else features.loc[:, list(columns)].copy()
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        dtype = frame[col].dtype
        if pd.api.types.is_bool_dtype(dtype):
            # nullable booleans may hold pd.NA: go through float to keep NaN semantics
            frame[col] = frame[col].astype("float64")
        elif pd.api.types.is_numeric_dtype(dtype):
            values = frame[col].astype("float64").to_numpy(na_value=np.nan)
            rounded = round_last_bits(values)
            frame[col] = pd.Series(rounded, index=frame.index).where(np.isfinite(rounded))
    return frame


def degenerate_columns(features: pd.DataFrame, *, max_levels: int = 50) -> pd.DataFrame:
    """Raw columns that cannot carry information, with the reason.

    Reasons: ``all_missing``, ``constant`` (one distinct non-missing value),
    ``unsupported_dtype`` (dates, ...). A categorical with many levels is kept: its rare levels
    share one "infrequent" level of the one-hot encoder (identifiers are left out earlier, by
    :func:`~sme_credit.modeling.inputs.identifier_columns`). ``max_levels`` is kept for callers.
    Returns a frame with columns ``feature, reason, n_unique, missing_share``.
    """
    types = infer_feature_types(features)
    rows = []
    n = max(len(features), 1)
    for col in features.columns:
        name = str(col)
        series = features[col]
        if name in types.numeric and not pd.api.types.is_bool_dtype(series.dtype):
            series = series.astype("float64").where(np.isfinite(series.astype("float64")))
        n_unique = int(series.nunique(dropna=True))
        missing_share = float(series.isna().sum() / n)
        reason = None
        if name not in types.all:
            reason = "unsupported_dtype"
        elif n_unique == 0:
            reason = "all_missing"
        elif n_unique == 1:
            reason = "constant"
        if reason is not None:
            rows.append(
                {"feature": name, "reason": reason, "n_unique": n_unique, "missing_share": missing_share}
            )
    return pd.DataFrame(rows, columns=["feature", "reason", "n_unique", "missing_share"])


class Winsorizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip each column to its training ``[lower, upper]`` quantiles (NaNs ignored and kept).

    Parameters
    ----------
    lower, upper : float
        Quantile levels in [0, 1]; ``lower=0, upper=1`` disables clipping.
    """

    def __init__(self, lower: float = 0.01, upper: float = 0.99) -> None:
        self.lower = lower
        self.upper = upper

    def fit(self, X, y=None) -> "Winsorizer":  # noqa: N803 - sklearn naming
        if not 0.0 <= self.lower <= self.upper <= 1.0:
            raise ValueError("need 0 <= lower <= upper <= 1")
        values = validate_data(self, X, reset=True, dtype="float64", ensure_all_finite="allow-nan")
        with warnings.catch_warnings():
            # all-NaN columns are legal here: their bounds are NaN and they pass through
            warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
            self.lower_ = np.nanquantile(values, self.lower, axis=0)
            self.upper_ = np.nanquantile(values, self.upper, axis=0)
        return self

    def transform(self, X):  # noqa: N803
        check_is_fitted(self, "lower_")
        values = validate_data(self, X, reset=False, dtype="float64", ensure_all_finite="allow-nan")
        lo = np.where(np.isnan(self.lower_), -np.inf, self.lower_)
        hi = np.where(np.isnan(self.upper_), np.inf, self.upper_)
        return np.clip(values, lo, hi)  # NaN stays NaN under clip


def categories_as_strings(X) -> pd.DataFrame:
    """Cast categorical input to plain object strings with an explicit missing level.

    OneHotEncoder needs one uniform type per column; mixed numbers/strings,
    pandas ``str``/``category`` dtypes and NaN/None/pd.NA all become strings here.
    """
    frame = pd.DataFrame(X).copy()
    for col in frame.columns:
        values = frame[col].astype(object)
        missing = values.isna().to_numpy()
        as_str = np.array([str(v) for v in values.to_numpy()], dtype=object)
        as_str[missing] = MISSING_LEVEL
        frame[col] = as_str
    return frame


def _category_name(feature: str, category: object) -> str:
    return f"{feature}{CATEGORY_SEPARATOR}{category}"


def build_preprocessor(
    types: FeatureTypes,
    *,
    winsor_quantiles: tuple[float, float] = (0.01, 0.99),
    max_categories: int = 20,
    min_category_frequency: float | None = 0.01,
) -> ColumnTransformer:
    """ColumnTransformer producing the numeric design matrix (pandas output).

    Output column names: numeric ``x``, missing indicators ``missingindicator_x``,
    dummies ``column=level``.
    """
    transformers = []
    if types.numeric:
        numeric = Pipeline(
            [
                ("winsorize", Winsorizer(*winsor_quantiles)),
                # scaling before imputation keeps the indicators exactly 0/1
                ("scale", RobustScaler()),
                (
                    "impute",
                    SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                ),
            ]
        )
        transformers.append(("numeric", numeric, list(types.numeric)))
    if types.categorical:
        categorical = Pipeline(
            [
                ("as_str", FunctionTransformer(categories_as_strings, feature_names_out="one-to-one")),
                (
                    "onehot",
                    OneHotEncoder(
                        drop="first",
                        handle_unknown="infrequent_if_exist",
                        max_categories=max_categories,
                        min_frequency=min_category_frequency,
                        sparse_output=False,
                        feature_name_combiner=_category_name,
                    ),
                ),
            ]
        )
        transformers.append(("categorical", categorical, list(types.categorical)))
    if not transformers:
        raise ValueError("no usable feature columns")
    preprocessor = ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False)
    return preprocessor.set_output(transform="pandas")


def design_feature_sources(design_columns: Iterable[str], types: FeatureTypes) -> dict[str, str]:
    """Map every design-matrix column back to the raw feature it was built from."""
    numeric = set(types.numeric)
    # longest name first so 'a_b=x' is attributed to 'a_b', not 'a'
    categorical = sorted(types.categorical, key=len, reverse=True)
    sources: dict[str, str] = {}
    for name in design_columns:
        if name in numeric:
            sources[name] = name
        elif name.startswith(MISSING_INDICATOR_PREFIX) and name[len(MISSING_INDICATOR_PREFIX):] in numeric:
            sources[name] = name[len(MISSING_INDICATOR_PREFIX):]
        else:
            match = next((c for c in categorical if name.startswith(c + CATEGORY_SEPARATOR)), None)
            sources[name] = match if match is not None else name
    return sources


def build_tree_preprocessor(
    types: FeatureTypes,
    *,
    max_categories: int = 20,
    min_category_frequency: float | None = 0.01,
) -> ColumnTransformer:
    """Design for tree ensembles that handle missing values natively: numbers as they are (NaN kept,
    no winsorising or scaling: a tree's splits don't change under monotone maps), categories one-hot
    as in :func:`build_preprocessor`. Output names: numeric ``x``, dummies ``column=level``."""
    transformers = []
    if types.numeric:
        transformers.append(("numeric", FunctionTransformer(_as_float, feature_names_out="one-to-one"),
                             list(types.numeric)))
    if types.categorical:
        transformers.append(("categorical", Pipeline([
            ("as_str", FunctionTransformer(categories_as_strings, feature_names_out="one-to-one")),
            ("onehot", OneHotEncoder(drop="first", handle_unknown="infrequent_if_exist", max_categories=max_categories,
                                     min_frequency=min_category_frequency, sparse_output=False,
                                     feature_name_combiner=_category_name)),
        ]), list(types.categorical)))
    if not transformers:
        raise ValueError("no usable feature columns")
    return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False).set_output(
        transform="pandas")


def _as_float(X) -> pd.DataFrame:
    return pd.DataFrame(X).astype("float64")
