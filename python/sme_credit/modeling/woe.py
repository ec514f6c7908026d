"""WoE-binned scorecard: optbinning's BinningProcess + a logistic regression on the WoEs, scaled to points.

The scorecard a bank's committee signs off is a table: for every feature its bins, the bins' event
rates and weights of evidence (WoE), and the points each bin adds. :class:`WoEScorecard` fits that
table with optbinning (optimal, monotonic-where-it-helps binning under minimum bin sizes; missing
values get their own bin), keeps the features whose information value (IV) reaches ``min_iv``, and
fits an L2 logistic regression on their WoEs. Points follow the project's score scale
(:class:`~sme_credit.modeling.scorecard.ScoreScale`: ``pdo`` points double the good:bad odds, the
base score at the base odds), so a borrower's total points equal ``ScoreScale.score(pd)`` exactly.

optbinning's WoE is ``ln(share of non-events / share of events)``: a positive WoE is a safer bin,
so its logistic coefficients on WoE are negative.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
from optbinning import BinningProcess
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from .scorecard import DEFAULT_SCALE

POINTS_COLUMNS = ["feature", "bin_index", "bin", "n", "event_rate", "woe", "iv", "coefficient", "points"]


class _BinningProcess(BinningProcess):
    """optbinning's BinningProcess, its summary statistics computed when ``summary()`` asks.

    At the end of ``fit`` optbinning builds and analyses every variable's binning table (IV, Gini,
    quality score) for its selection criteria: 40% of the fit on the demo loans. The scorecard
    selects by :func:`information_value` itself, so that work waits until a summary is wanted.
    """

    def _binning_selection_criteria(self) -> None:
        if self._is_updated:  # summary() asks (optbinning's flag for "statistics are stale")
            super()._binning_selection_criteria()
        else:  # end of fit: every variable kept, statistics marked stale
            self._support = np.full(self._n_variables, True, dtype=bool)
            self._is_updated = True


def information_value(binning) -> float:
    """IV of a fitted optbinning ``OptimalBinning``: sum over its bins (missing and special
    included) of ``(share of events - share of non-events) * ln(share of events / share of
    non-events)``, bins without events or without non-events counting 0, as optbinning's table."""
    table = binning.binning_table  # its counts are set at fit; build() is not needed for them
    events, nonevents = np.asarray(table.n_event, dtype=float), np.asarray(table.n_nonevent, dtype=float)
    both = (events > 0) & (nonevents > 0)
    p_event, p_nonevent = events[both] / events.sum(), nonevents[both] / nonevents.sum()
    return float(np.sum((p_event - p_nonevent) * np.log(p_event / p_nonevent)))


class WoEScorecard(ClassifierMixin, BaseEstimator):
    """Scikit-learn classifier: WoE binning per raw feature, then logistic regression on the WoEs.

    Parameters
    ----------
    categorical : names of the categorical columns; default: the columns that are not numeric.
    min_iv : features below this information value are left out (0.02 = "useless" in practice).
    max_n_prebins, min_bin_size : optbinning's pre-binning and the smallest bin share.
    max_pvalue : adjacent bins must differ in event rate at this significance (optbinning's
        ``max_pvalue``): without it a pure-noise feature reached IV 0.06 on 800 rows.
    C : inverse L2 strength of the logistic step.
    base_score, base_odds, pdo : the points scale (defaults: the project's score scale).
    """

    def __init__(self, categorical=None, min_iv: float = 0.02, max_n_prebins: int = 10, min_bin_size: float = 0.05,
                 max_pvalue: float | None = 0.05,
                 C: float = 1.0, base_score: float = DEFAULT_SCALE.base_score,
                 base_odds: float = DEFAULT_SCALE.base_odds, pdo: float = DEFAULT_SCALE.pdo) -> None:
        self.categorical = categorical
        self.min_iv = min_iv
        self.max_n_prebins = max_n_prebins
        self.min_bin_size = min_bin_size
        self.max_pvalue = max_pvalue
        self.C = C
        self.base_score = base_score
        self.base_odds = base_odds
        self.pdo = pdo

    def fit(self, X: pd.DataFrame, y) -> "WoEScorecard":  # noqa: N803
        X = pd.DataFrame(X)
        y = np.asarray(y).ravel().astype(int)
        names = [str(c) for c in X.columns]
        if self.categorical is None:
            categorical = [c for c in names if not pd.api.types.is_numeric_dtype(X[c].dtype)]
        else:
            categorical = [c for c in names if c in set(self.categorical)]
        # no selection_criteria: the scorecard selects by IV itself, from the bins' counts
        self.binning_ = _BinningProcess(
            names, categorical_variables=categorical or None, max_n_prebins=self.max_n_prebins,
            min_bin_size=self.min_bin_size, max_pvalue=self.max_pvalue)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.binning_.fit(self._typed(X, categorical), y)
        self.iv_ = pd.Series([information_value(self.binning_.get_binned_variable(c)) for c in names], index=names,
                             dtype=float)
        self.selected_ = [c for c in names if self.iv_[c] >= self.min_iv]
        if not self.selected_:  # nothing informative: keep the single strongest feature
            self.selected_ = [str(self.iv_.idxmax())]
        self.categorical_ = categorical
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.logit_ = LogisticRegression(C=self.C, max_iter=1000).fit(self._woe(X), y)
        return self

    def fit_path(self, X: pd.DataFrame, y, Cs) -> list["WoEScorecard"]:  # noqa: N803
        """One fitted scorecard per value of ``Cs``, sharing one binning.

        C acts only after the binning, so each is exactly what ``set_params(C=c).fit(X, y)``
        gives, for the cost of one binning instead of ``len(Cs)`` (the grid search's path).
        """
        first = clone(self).set_params(C=Cs[0]).fit(X, y)
        woe, y = first._woe(pd.DataFrame(X)), np.asarray(y).ravel().astype(int)
        path = [first]
        for c in Cs[1:]:
            other = copy.copy(first)  # shares the fitted binning, which nothing mutates
            other.C = c
            other.logit_ = LogisticRegression(C=c, max_iter=1000).fit(woe, y)
            path.append(other)
        return path

    @staticmethod
    def _typed(X: pd.DataFrame, categorical) -> pd.DataFrame:
        frame = X.copy()
        for c in frame.columns:
            if c in categorical:
                frame[c] = frame[c].astype(object).where(frame[c].notna(), "__missing__").astype(str)
            else:
                frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
        return frame

    def _woe(self, X: pd.DataFrame) -> np.ndarray:
        frame = self._typed(pd.DataFrame(X), self.categorical_)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.column_stack([
                self.binning_.get_binned_variable(c).transform(frame[c].to_numpy(), metric="woe")
                for c in self.selected_]).astype(float)

    def decision_function(self, X) -> np.ndarray:  # noqa: N803
        """Log-odds of default."""
        check_is_fitted(self, "logit_")
        return self.logit_.decision_function(self._woe(pd.DataFrame(X)))

    def predict_proba(self, X) -> np.ndarray:  # noqa: N803
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:  # noqa: N803
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def points_table(self) -> pd.DataFrame:
        """Feature, bin, count, event rate, WoE, IV and points of every bin of the selected features.

        Points: the intercept's share of the base points is spread evenly over the features, so
        a borrower's points sum to ``base - factor * log-odds(default)``, the score scale's score.
        """
        check_is_fitted(self, "logit_")
        factor = self.pdo / np.log(2.0)
        offset = self.base_score - factor * np.log(self.base_odds)
        k = len(self.selected_)
        frames = []
        for coef, name in zip(self.logit_.coef_.ravel(), self.selected_):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # optbinning's own pandas deprecation chatter
                table = self.binning_.get_binned_variable(name).binning_table.build(show_digits=6)
            table = table[~table.index.isin(["Totals"])].reset_index(drop=True)
            woe = table["WoE"].astype(float).to_numpy()
            frames.append(pd.DataFrame({
                "feature": name, "bin_index": np.arange(len(table), dtype="int64"),
                "bin": table["Bin"].astype(str).to_numpy(), "n": table["Count"].astype("int64").to_numpy(),
                "event_rate": table["Event rate"].astype(float).to_numpy(), "woe": woe,
                "iv": table["IV"].astype(float).to_numpy(), "coefficient": float(coef),
                # log-odds(default) = b0 + sum(coef * woe): each bin's share of -factor * log-odds
                "points": offset / k - factor * (coef * woe + self.logit_.intercept_[0] / k),
            }))
        return pd.concat(frames, ignore_index=True)[POINTS_COLUMNS]
