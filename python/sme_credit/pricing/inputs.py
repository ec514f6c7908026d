"""Validation and normalisation of the enterprise frame every pricing function takes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .churn import normalise_rating
from .irb import sales_eur_millions
from .parameters import PricingParams

REQUIRED_COLUMNS = ["enterprise_id", "pd"]
OPTIONAL_COLUMNS = ["grade", "credit_rating", "industry", "annual_sales", "lgd"]
ENTERPRISE_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def prepare_enterprises(enterprises: pd.DataFrame, params: PricingParams | None = None) -> pd.DataFrame:
    """Check and normalise the input frame.

    Columns: enterprise_id (unique), pd in [0, 1] or null, grade, credit_rating (A-D or null),
    industry, annual_sales (yuan, null allowed), lgd (null → params.lgd_default). Missing
    optional columns are added as null. Adds ``sales_eur_m`` (Basel firm size S).
    """
    params = params or PricingParams()
    missing = [c for c in REQUIRED_COLUMNS if c not in enterprises.columns]
    if missing:
        raise ValueError(f"enterprise frame lacks required columns {missing}")
    e = enterprises.copy()
    for col in OPTIONAL_COLUMNS:
        if col not in e.columns:
            e[col] = None
    e = e[ENTERPRISE_COLUMNS].reset_index(drop=True)
    if e["enterprise_id"].isna().any() or e["enterprise_id"].duplicated().any():
        raise ValueError("enterprise_id must be non-null and unique")
    e["pd"] = pd.to_numeric(e["pd"], errors="raise").astype(float)
    if ((e["pd"] < 0) | (e["pd"] > 1)).any():
        raise ValueError("pd must lie in [0, 1]")
    e["credit_rating"] = normalise_rating(e["credit_rating"])
    e["lgd"] = pd.to_numeric(e["lgd"], errors="raise").astype(float).fillna(params.lgd_default)
    if ((e["lgd"] < 0) | (e["lgd"] > 1)).any():
        raise ValueError("lgd must lie in [0, 1]")
    e["annual_sales"] = pd.to_numeric(e["annual_sales"], errors="raise").astype(float)
    e["sales_eur_m"] = sales_eur_millions(e["annual_sales"], params.cny_per_eur)
    e["industry"] = e["industry"].astype(object).where(e["industry"].notna(), None)
    return e


def lgd_from_guarantee_method(method: pd.Series, params: PricingParams | None = None) -> pd.Series:
    """LGD from the loans contract's guarantee_method (credit/guarantee/pledge/mortgage); others → lgd_default."""
    params = params or PricingParams()
    key = method.astype(object).where(method.isna(), method.astype(str).str.strip().str.lower())
    return key.map(params.lgd_by_guarantee()).astype(float).fillna(params.lgd_default)


def loan_caps(annual_sales: pd.Series, params: PricingParams | None = None) -> np.ndarray:
    """Largest loan per enterprise (whole yuan): min(max_loan, max_loan_sales_share·annual_sales).

    Unknown sales → max_loan; a cap below min_loan means the enterprise cannot be lent to.
    """
    params = params or PricingParams()
    sales = np.asarray(annual_sales, dtype=float)
    by_sales = np.where(np.isnan(sales), np.inf, np.maximum(sales, 0.0) * params.max_loan_sales_share)
    return np.floor(np.minimum(params.max_loan, by_sales))
