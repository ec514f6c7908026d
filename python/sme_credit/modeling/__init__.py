"""PD modelling core: screening, logistic / random forest / naive Bayes / SVM models,
honest (repeated, fold-internal) validation, calibration, score and master scale.

Entry point::

    from sme_credit.modeling import fit_pd_models
    result = fit_pd_models(features, label, level="enterprise", variant="with_rating",
                           entity_ids=ids, time=year)
    result.metrics, result.coefficients, ...      # tidy warehouse tables
    result.score(new_features, new_ids)           # PD, score and grade for every model

Every step also works on its own (plain functions / scikit-learn estimators).
"""

from .calibration import OOBCalibratedClassifier, with_calibration
from .estimators import MODEL_NAMES, make_estimator, tune_hyperparameters
from .logistic import LogisticPD, fit_logit
from .pipeline import PDModelConfig, PDModelResult, fit_pd_models, frame_fingerprint, select_champion
from .reporting import CHAMPION_RULE
from .scorecard import DEFAULT_SCALE, ScoreScale, assign_grade, master_scale
from .screening import FeatureScreener, ScreeningConfig
from .tables import TABLE_COLUMNS, TABLE_SCHEMAS

__all__ = [
    "CHAMPION_RULE",
    "DEFAULT_SCALE",
    "MODEL_NAMES",
    "TABLE_COLUMNS",
    "TABLE_SCHEMAS",
    "FeatureScreener",
    "LogisticPD",
    "OOBCalibratedClassifier",
    "PDModelConfig",
    "PDModelResult",
    "ScoreScale",
    "ScreeningConfig",
    "assign_grade",
    "fit_logit",
    "fit_pd_models",
    "frame_fingerprint",
    "make_estimator",
    "master_scale",
    "select_champion",
    "tune_hyperparameters",
    "with_calibration",
]
