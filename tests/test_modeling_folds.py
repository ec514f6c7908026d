"""Row samples for tuning and permutation importance (sme_credit.modeling.folds.sample_rows)."""
import numpy as np

from sme_credit.modeling.folds import sample_rows


def test_small_samples_are_kept_whole():
    y = np.array([0, 1, 0, 1])
    assert sample_rows(y, 10, 0).tolist() == [0, 1, 2, 3]


def test_ungrouped_sample_keeps_each_class_share():
    y = np.r_[np.zeros(900, int), np.ones(100, int)]
    rows = sample_rows(y, 200, 7)
    assert len(rows) == 200 and y[rows].sum() == 20  # 10% defaults, as in the full sample
    assert np.all(np.diff(rows) > 0) and sample_rows(y, 200, 7).tolist() == rows.tolist()


def test_grouped_sample_draws_whole_groups_within_the_cap():
    groups = np.repeat(np.arange(50), 20)  # 50 enterprises x 20 panel months
    y = np.zeros(1000, int)
    y[::7] = 1
    rows = sample_rows(y, 300, 3, groups)
    kept = np.unique(groups[rows])
    assert len(rows) == 300 and len(kept) == 15  # 15 whole groups of 20 rows
    assert set(rows.tolist()) == set(np.flatnonzero(np.isin(groups, kept)).tolist())
