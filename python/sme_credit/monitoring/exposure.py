"""The live loan book at the latest report month: exposure, PD, LGD, expected loss and capital.

Exposure is the outstanding balance (EAD of a term loan without undrawn commitments). LGD comes
from the guarantee method exactly as the pricing models take it (pricing_parameters), PD is the
enterprise's current 12-month point-in-time PD (1 when in default), and K is the Basel IRB
corporate formula with the SME firm-size adjustment (sme_credit.pricing.irb), maturity the
remaining term floored at the parameters' one year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..pricing.inputs import lgd_from_guarantee_method
from ..pricing.irb import capital_k, sales_eur_millions
from ..pricing.parameters import PricingParams

EXPOSURE_COLUMNS = [
    "loan_id", "enterprise_id", "month", "exposure", "pd", "lgd", "expected_loss", "capital_k", "capital",
    "remaining_term_years", "industry", "grade", "status",
]


def portfolio_exposure(book: pd.DataFrame, params: PricingParams) -> pd.DataFrame:
    """One row per live loan of ``book`` (int_portfolio_book) with its risk figures.

    A loan whose enterprise has no PD keeps NULL risk figures (it is reported, not guessed).
    """
    out = book.copy()
    exposure = pd.to_numeric(out["balance"], errors="raise").astype(float)
    p = pd.to_numeric(out["pd"], errors="coerce").astype(float)
    lgd = lgd_from_guarantee_method(out["guarantee_method"], params)
    maturity = np.maximum(pd.to_numeric(out["remaining_term_years"], errors="coerce").fillna(1.0).to_numpy(),
                          params.irb_maturity_floor_years)
    sales = sales_eur_millions(pd.to_numeric(out["annual_sales"], errors="coerce").astype(float), params.cny_per_eur)
    k = np.full(len(out), np.nan)
    known = p.notna().to_numpy()
    if known.any():
        k[known] = capital_k(p[known].to_numpy(), lgd[known].to_numpy(), maturity[known],
                             np.asarray(sales)[known], params.pd_floor)
    out["exposure"] = exposure
    out["lgd"] = lgd.to_numpy()
    out["expected_loss"] = p * lgd * exposure
    out["capital_k"] = k
    out["capital"] = k * exposure.to_numpy()
    out["grade"] = pd.array(out["grade"], dtype="Int64")
    out["pd"] = p
    return out[EXPOSURE_COLUMNS].sort_values("loan_id", kind="stable").reset_index(drop=True)
