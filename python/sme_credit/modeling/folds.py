"""Cross-validation folds: repeated stratified k-fold, grouped by entity when rows repeat one.

A point-in-time panel holds the same enterprise at many as-of dates. Ungrouped folds would put
its months in train and test at once and reward memorising the firm, so every repeat uses
scikit-learn's StratifiedGroupKFold (whole groups per fold, class shares kept as far as the
groups allow), reshuffled per repeat.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedGroupKFold, StratifiedKFold


def cv_splits(y: np.ndarray, n_splits: int, n_repeats: int, random_state: int, groups=None
              ) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    """(repeat, fold, train index, test index) of every fold of every repeat."""
    y = np.asarray(y)
    placeholder = np.zeros((len(y), 1))
    if groups is None:
        splitter = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=random_state)
        return [(i // n_splits, i % n_splits, tr, te) for i, (tr, te) in enumerate(splitter.split(placeholder, y))]
    groups = np.asarray(groups)
    out = []
    for r in range(n_repeats):
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state + r)
        out += [(r, f, tr, te) for f, (tr, te) in enumerate(splitter.split(placeholder, y, groups))]
    return out


def inner_cv(n_splits: int, random_state: int, groups=None):
    """Splitter for tuning inside a sample: grouped when the rows carry groups."""
    if groups is None:
        return StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    return StratifiedGroupKFold(n_splits, shuffle=True, random_state=random_state)


def sample_rows(y: np.ndarray, max_rows: int, random_state: int, groups=None) -> np.ndarray:
    """Sorted positions of a seeded sample of at most ``max_rows`` rows (all rows if fewer).

    With ``groups`` whole groups are drawn (an enterprise's panel months stay together), in a random
    order until the next would pass ``max_rows``; without, the sample is stratified by ``y``.
    """
    y = np.asarray(y)
    n = len(y)
    if not max_rows or n <= max_rows:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    if groups is None:
        share = max_rows / n
        picks = [rng.choice(np.flatnonzero(y == c), max(1, int(share * (y == c).sum())), replace=False)
                 for c in np.unique(y)]
        return np.sort(np.concatenate(picks))
    codes = np.unique(np.asarray(groups), return_inverse=True)[1]
    sizes = np.bincount(codes)
    order = rng.permutation(len(sizes))
    kept = order[np.cumsum(sizes[order]) <= max_rows]
    return np.flatnonzero(np.isin(codes, kept))
