"""Feature importance per *raw* feature (impurity and permutation).

``grouped_permutation_importance`` gives the same numbers as
``sklearn.inspection.permutation_importance(Pipeline([preprocessor, model]), X_raw, y)``
(same random permutations, same AUC drop) but runs ~50x faster: because every
preprocessing step is row-wise, permuting a raw column equals permuting the
block of design columns built from it with the same row order, so the
preprocessor runs once and all permuted copies are scored in a few batched
``predict_proba`` calls. (sklearn re-transforms and predicts once per feature
and repeat, which alone would take most of the 2-core runtime budget.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.utils import check_random_state

MAX_BATCH_ROWS = 200_000


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC via the Mann–Whitney rank formula (sklearn's input checks dominate at this size)."""
    ranks = rankdata(score)
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _sklearn_permutations(n_rows: int, n_repeats: int, seed: int) -> list[np.ndarray]:
    """Row orders used by sklearn's permutation_importance for one column.

    sklearn shuffles an index array in place each repeat and re-indexes the
    *already permuted* column, so repeat r uses the composition of shuffles.
    """
    rng = check_random_state(seed)
    shuffle = np.arange(n_rows)
    current = np.arange(n_rows)
    orders = []
    for _ in range(n_repeats):
        rng.shuffle(shuffle)
        current = current[shuffle]
        orders.append(current.copy())
    return orders


def grouped_permutation_importance(
    model,
    design: pd.DataFrame,
    y,
    groups: Mapping[str, Sequence[str]],
    *,
    n_repeats: int = 3,
    random_state: int = 0,
) -> pd.Series:
    """Mean AUC drop when each group of design columns is permuted jointly.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba`` taking ``design``'s columns.
    design : held-out design matrix (already preprocessed).
    groups : raw feature -> its design columns, in the raw frame's column order
        (groups with no design column get importance 0).
    """
    y_arr = np.asarray(y).ravel().astype(int)
    values = design.to_numpy(float)
    n = len(values)
    col_index = {c: i for i, c in enumerate(design.columns)}
    baseline = _auc(y_arr, model.predict_proba(design)[:, 1])
    # sklearn draws one seed, then gives every column a fresh RandomState from it
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max + 1)
    orders = _sklearn_permutations(n, n_repeats, seed)

    jobs = [(name, r) for name, cols in groups.items() if cols for r in range(n_repeats)]
    scores: dict[str, list[float]] = {name: [] for name in groups}
    per_batch = max(1, MAX_BATCH_ROWS // max(n, 1))
    for start in range(0, len(jobs), per_batch):
        batch = jobs[start:start + per_batch]
        stacked = np.tile(values, (len(batch), 1))
        for b, (name, r) in enumerate(batch):
            idx = [col_index[c] for c in groups[name]]
            stacked[b * n:(b + 1) * n, idx] = values[orders[r]][:, idx]
        proba = model.predict_proba(pd.DataFrame(stacked, columns=design.columns))[:, 1]
        for b, (name, _) in enumerate(batch):
            scores[name].append(_auc(y_arr, proba[b * n:(b + 1) * n]))
    return pd.Series({name: (baseline - np.mean(s)) if s else 0.0 for name, s in scores.items()}, dtype="float64")


def feature_groups(design_columns: Sequence[str], sources: Mapping[str, str],
                   raw_columns: Sequence[str]) -> dict[str, list[str]]:
    """Raw feature -> design columns built from it (raw column order kept)."""
    groups: dict[str, list[str]] = {c: [] for c in raw_columns}
    for col in design_columns:
        groups.setdefault(sources[col], []).append(col)
    return groups


def impurity_by_feature(importances: Sequence[float], design_columns: Sequence[str],
                        sources: Mapping[str, str]) -> pd.Series:
    """Mean-decrease-in-impurity summed over each raw feature's design columns (MDI is additive)."""
    series = pd.Series(np.asarray(importances, float), index=list(design_columns))
    return series.groupby(lambda c: sources[c], sort=False).sum()
