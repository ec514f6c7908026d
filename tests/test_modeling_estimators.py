"""Model families of sme_credit.modeling.estimators that are more than a scikit-learn class."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from sme_credit.modeling.estimators import SampledSVC, make_estimator


def _sample(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.0 + 2.5 * X["a"])))).astype(int)
    return X, y


def test_sampled_svc_thins_large_samples_keeping_class_shares():
    X, y = _sample(2000)
    model = SampledSVC(max_train_rows=500, random_state=3).fit(X, y)
    assert abs(model.n_train_rows_ - 500) <= 1
    # the sample keeps the default share (within a row) and is the same on a refit
    assert abs(y[model.train_rows_].sum() - y.mean() * 500) <= 1
    again = SampledSVC(max_train_rows=500, random_state=3).fit(X, y)
    np.testing.assert_array_equal(model.decision_function(X), again.decision_function(X))
    assert roc_auc_score(y, model.decision_function(X)) > 0.75


def test_sampled_svc_uses_every_row_below_the_cap():
    X, y = _sample(300)
    model = SampledSVC(max_train_rows=3000).fit(X, y)
    assert model.n_train_rows_ == 300 and list(model.classes_) == [0, 1]


def test_the_svm_family_is_the_sampled_svc():
    model = make_estimator("svm", {"C": 10.0}, random_state=1)
    assert isinstance(model, SampledSVC) and model.C == 10.0 and model.max_train_rows == 3000
