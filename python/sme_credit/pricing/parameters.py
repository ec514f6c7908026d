"""Pricing parameters: one frozen dataclass mirrored by the seed ``seeds/pricing_parameters.csv``.

The dataclass defaults are the documented values (docs/pricing.md); the seed is the copy the
warehouse and analysts see. ``load_parameters`` reads the seed so a changed CSV changes the
pricing without code edits; a test keeps the two in sync.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

import pandas as pd

# python/sme_credit/pricing/parameters.py -> repository root is three levels above the package.
_REPO_ROOT = Path(__file__).resolve().parents[3]


def seeds_dir() -> Path:
    """Directory of the dbt seeds (env ``SME_CREDIT_SEEDS_DIR`` overrides the repository's ``seeds/``)."""
    return Path(os.environ.get("SME_CREDIT_SEEDS_DIR", _REPO_ROOT / "seeds"))


@dataclass(frozen=True)
class PricingParams:
    """Every number the pricing uses. Rates and costs are annual fractions, amounts are yuan."""

    # Loss given default (seed 002 uses 30% for every loan; per-security values for loans data).
    lgd_default: float = 0.30
    lgd_credit: float = 0.45
    lgd_guarantee: float = 0.35
    lgd_pledge: float = 0.30
    lgd_mortgage: float = 0.25
    # Costs per yuan of allocated budget per year.
    cost_of_funds: float = 0.015
    operating_cost_rate: float = 0.005
    # Required return on economic capital (cost of equity).
    hurdle_rate: float = 0.10
    # Loan size and budget (CUMCM 2020 C problem statement; Q1 total is an assumption).
    min_loan: float = 100_000.0
    max_loan: float = 1_000_000.0
    total_budget: float = 100_000_000.0
    total_budget_q1: float = 50_000_000.0
    # Loan ≤ this share of annual sales (working-capital need); applied only when sales are known.
    max_loan_sales_share: float = 0.30
    # Terms by tier (seed 002).
    term_months_premium: float = 12.0
    term_months_ordinary: float = 12.0
    term_months_adjusted: float = 6.0
    # Rate grid: the att3 table's points between these bounds (step is nominal, see docs).
    rate_grid_min: float = 0.04
    rate_grid_max: float = 0.15
    rate_grid_step: float = 0.004
    # Tier thresholds on PD: premium < tier_premium_max_pd <= ordinary < tier_ordinary_max_pd
    # <= adjusted < pd_decline_cutoff <= declined. The same cut points map PD to an A/B/C/D curve.
    tier_premium_max_pd: float = 0.02
    tier_ordinary_max_pd: float = 0.05
    pd_decline_cutoff: float = 0.15
    # Basel IRB settings.
    pd_floor: float = 0.0003
    irb_maturity_floor_years: float = 1.0
    cny_per_eur: float = 7.7355
    # Stress: stressed PD = min(PD * multiplier, stress_pd_cap).
    stress_pd_cap: float = 0.999

    def with_overrides(self, **overrides: float) -> "PricingParams":
        """Copy with some values changed (unknown names raise TypeError)."""
        return replace(self, **overrides)

    def term_months(self, tier: str) -> float:
        """Term in months of a lending tier (premium/ordinary/adjusted)."""
        return {
            "premium": self.term_months_premium,
            "ordinary": self.term_months_ordinary,
            "adjusted": self.term_months_adjusted,
        }[tier]

    def lgd_by_guarantee(self) -> dict[str, float]:
        """LGD per guarantee method of the loans contract (credit, guarantee, pledge, mortgage)."""
        return {
            "credit": self.lgd_credit,
            "guarantee": self.lgd_guarantee,
            "pledge": self.lgd_pledge,
            "mortgage": self.lgd_mortgage,
        }


def parameters_frame(params: PricingParams | None = None) -> pd.DataFrame:
    """The parameters as a (parameter, value) frame, in dataclass order."""
    params = params or PricingParams()
    return pd.DataFrame(
        {"parameter": [f.name for f in fields(params)], "value": [float(getattr(params, f.name)) for f in fields(params)]}
    )


def load_parameters(path: str | Path | None = None) -> PricingParams:
    """Read ``pricing_parameters.csv`` (columns parameter, value, unit, description).

    Parameters missing from the file keep their defaults; unknown names raise ValueError so a
    typo in the seed is not silently ignored.
    """
    path = Path(path) if path is not None else seeds_dir() / "pricing_parameters.csv"
    return parameters_from_table(pd.read_csv(path), source=str(path))


def parameters_from_table(table: pd.DataFrame, source: str = "pricing_parameters") -> PricingParams:
    """PricingParams from a (parameter, value) frame, e.g. the seed as the warehouse holds it."""
    known = {f.name for f in fields(PricingParams)}
    unknown = sorted(set(table["parameter"]) - known)
    if unknown:
        raise ValueError(f"unknown pricing parameters in {source}: {unknown}")
    values = dict(zip(table["parameter"], table["value"].astype(float)))
    return PricingParams(**values)
