"""Parameters of the synthetic data generator.

Every number the generator uses lives here (or is calibrated at run time from a target
defined here), so `oracle/latent_model.json` can record the complete model. Defaults are
calibrated against the CUMCM 2020 C real data (see docs/generator.md).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# Repository layout: python/sme_credit/generate/config.py -> repo root is parents[3].
_REPO_ROOT = Path(__file__).resolve().parents[3]
INDUSTRIES_CSV = _REPO_ROOT / "seeds" / "industries.csv"


@dataclass(frozen=True)
class IndustryProfile:
    """Behaviour of one industry code (keys match seeds/industries.csv)."""

    mix: float  # share of enterprises
    base_risk: float  # additive effect on the enterprise default logit
    gross_margin: float  # typical gross margin
    vat_class: str  # 'goods' 17/16/13%, 'basic' 11/10/9%, 'service' 6%, 'small' 3%/1%
    asset_turnover: float  # revenue / total assets
    inventory_share: float  # inventory / current assets
    receivable_share: float  # accounts receivable / current assets
    current_asset_share: float  # current assets / total assets
    covid_sensitivity: float  # 1 = full epidemic hit, negative = demand boost
    log_count_shift: float  # invoice volume relative to the average enterprise
    log_amount_shift: float  # invoice size relative to the average enterprise
    purchase_cover: float  # logit shift of the share of costs bought with VAT invoices


def _p(mix, risk, gm, vat, turn, inv, ar, ca, covid, cnt, amt, cover) -> IndustryProfile:
    return IndustryProfile(mix, risk, gm, vat, turn, inv, ar, ca, covid, cnt, amt, cover)


DEFAULT_INDUSTRIES: dict[str, IndustryProfile] = {
    #                               mix   risk   gm    vat       turn inv   ar    ca    covid  cnt   amt   cover
    "construction": _p(0.16, 0.25, 0.14, "basic", 0.9, 0.25, 0.40, 0.75, 0.35, -0.2, 0.8, 0.3),
    "manufacturing": _p(0.08, 0.00, 0.20, "goods", 1.0, 0.35, 0.30, 0.55, 0.35, 0.1, 0.3, 0.8),
    "technology": _p(0.12, -0.15, 0.40, "service", 0.9, 0.08, 0.35, 0.70, 0.15, -0.1, 0.3, -0.6),
    "trade": _p(0.14, 0.10, 0.12, "goods", 2.0, 0.40, 0.30, 0.80, 0.35, 0.3, 0.2, 1.2),
    "transport_logistics": _p(0.05, 0.15, 0.15, "basic", 1.1, 0.03, 0.35, 0.40, 0.60, 0.2, -0.4, 0.2),
    "catering": _p(0.03, 0.35, 0.45, "service", 1.6, 0.10, 0.05, 0.35, 0.85, 0.0, -1.2, 0.0),
    "tourism_hospitality": _p(0.02, 0.35, 0.40, "service", 0.6, 0.05, 0.10, 0.30, 0.85, -0.2, -0.5, -0.3),
    "medical_pharma": _p(0.03, -0.25, 0.30, "goods", 1.3, 0.30, 0.35, 0.65, -0.10, 0.1, 0.0, 0.6),
    "online_services": _p(0.02, 0.00, 0.35, "service", 1.2, 0.05, 0.25, 0.75, -0.05, 0.2, -0.6, -0.6),
    "culture_media": _p(0.06, 0.15, 0.35, "service", 1.1, 0.05, 0.40, 0.75, 0.40, -0.2, 0.0, -0.5),
    "business_services": _p(0.08, 0.00, 0.35, "service", 1.2, 0.05, 0.40, 0.75, 0.25, -0.1, 0.0, -0.8),
    "property_services": _p(0.03, 0.05, 0.25, "basic", 0.5, 0.10, 0.25, 0.45, 0.20, -0.1, 0.2, -0.3),
    "agriculture": _p(0.02, 0.20, 0.18, "basic", 0.8, 0.30, 0.15, 0.50, 0.30, -0.1, 0.0, 0.2),
    "energy_environment": _p(0.02, -0.05, 0.25, "goods", 0.6, 0.15, 0.35, 0.40, 0.20, -0.3, 0.6, 0.3),
    "sole_proprietor": _p(0.12, 0.45, 0.25, "small", 2.0, 0.20, 0.10, 0.60, 0.50, -0.6, -0.9, 0.0),
    "unknown": _p(0.02, 0.30, 0.22, "goods", 1.0, 0.20, 0.30, 0.60, 0.35, -0.3, 0.0, 0.0),
}

# (share, default-logit effect, epidemic multiplier); None = region not known (written as NULL).
DEFAULT_REGIONS: dict[str | None, tuple[float, float, float]] = {
    "Zhejiang": (0.28, -0.05, 1.0),
    "Jiangsu": (0.18, -0.05, 1.0),
    "Guangdong": (0.15, 0.00, 1.0),
    "Shandong": (0.10, 0.05, 1.0),
    "Fujian": (0.08, 0.00, 1.0),
    "Sichuan": (0.07, 0.10, 1.0),
    "Hubei": (0.06, 0.15, 1.5),
    "Henan": (0.05, 0.10, 1.0),
    None: (0.03, 0.20, 1.0),
}


@dataclass(frozen=True)
class EnterpriseModel:
    """Latent default model: logit(true_pd) = alpha + sum of the terms below.

    alpha is calibrated at run time so that the mean true_pd of the enterprises with a credit
    record equals `GeneratorConfig.enterprise_default_rate`.
    """

    beta_strength: float = -1.0  # strength = scale & profitability, N(0,1)
    beta_management: float = -0.7  # reputation / management quality, N(0,1)
    industry_shock_sd: float = 0.30  # one N(0, sd) draw per industry and seed
    beta_young: float = 0.35  # founded < 3 years before its default horizon starts
    beta_noise: float = 0.60  # idiosyncratic N(0,1), visible in no table
    # Credit record: P = logistic(c0 + b_s * strength + b_sp * sole_proprietor); c0 calibrated.
    record_beta_strength: float = 0.6
    record_beta_sole_proprietor: float = -1.5
    # Bank's manual rating: score = z(visible risk + share of noise) + N(0, sd) + push * defaulted,
    # cut at the rating shares. The push is the honest leak: the bank rates on repayment experience.
    rating_noise_share: float = 0.5  # share of beta_noise * noise the bank sees through experience
    rating_noise_sd: float = 0.45
    rating_default_push: float = 3.5
    young_years: float = 3.0


@dataclass(frozen=True)
class InvoiceModel:
    """How the latent state drives invoice behaviour (log scales unless noted)."""

    # Monthly sales-invoice count: log = scale + b_s*S + b_m*M + sd*N(0,1) + industry shift.
    count_beta_strength: float = 1.0
    count_beta_management: float = 0.25
    count_sd: float = 0.7
    # Purchase invoices per sales invoice: log-normal.
    purchase_count_log_mean: float = 0.15
    purchase_count_log_sd: float = 0.6
    # Trend (per year, log): g = mean + b_s*S + b_m*M + b_shock*industry_shock + sd*N(0,1).
    growth_mean: float = 0.0
    growth_beta_strength: float = 0.06
    growth_beta_management: float = 0.06
    growth_beta_shock: float = -0.30
    growth_sd: float = 0.10
    # Month-to-month volatility: sd = lo + span * logistic(-b_m*M - b_s*S).
    volatility_lo: float = 0.12
    volatility_span: float = 0.40
    volatility_beta_management: float = 1.2
    volatility_beta_strength: float = 0.6
    # Sales invoice total (yuan, incl. VAT): log-normal per enterprise.
    sales_log_mean: float = 9.0
    sales_beta_strength: float = 0.5
    sales_between_sd: float = 0.7
    sales_within_sd_lo: float = 1.5
    sales_within_sd_hi: float = 2.3
    purchase_within_sd_lo: float = 1.8
    purchase_within_sd_hi: float = 2.4
    # Gross margin: industry + b_s*S + b_m*M + sd*N(0,1), clipped.
    margin_beta_strength: float = 0.08
    margin_beta_management: float = 0.06
    margin_sd: float = 0.05
    margin_min: float = 0.02
    margin_max: float = 0.75
    # Share of costs bought with VAT invoices: logistic(mean + industry cover + sd*N(0,1)).
    cover_logit_mean: float = 0.3
    cover_logit_sd: float = 1.2
    # Void / red-letter propensities: logit = logit(rate) + b_m*M + b_s*S + sd*N(0,1).
    void_beta_management: float = -0.60
    void_beta_strength: float = -0.20
    void_sd: float = 0.25
    red_beta_management: float = -0.50
    red_sd: float = 0.40
    red_delay_mean_days: float = 12.0
    # Counterparties: pool = exp(a + b*log(expected rows) + sd*N), Zipf exponent per enterprise.
    buyer_pool_intercept: float = 0.3
    seller_pool_intercept: float = 1.2
    pool_beta_rows: float = 0.55
    pool_sd: float = 0.8
    zipf_mean: float = 1.15
    zipf_beta_strength: float = -0.15
    zipf_beta_management: float = -0.20
    zipf_sd: float = 0.15
    shared_sellers: int = 2000  # utilities, telecom, fuel ... shared by all enterprises
    shared_buyers: int = 1000
    shared_seller_share: float = 0.04
    shared_buyer_share: float = 0.01
    # Deterioration before default: over lead months sales fall to `floor`, margin drops.
    lead_months_min: float = 6.0
    lead_months_max: float = 12.0
    predefault_floor: float = 0.2
    predefault_step: float = 0.4  # sales drop by this share as soon as the deterioration begins
    predefault_margin_drop: float = 0.10
    predefault_void_mult: float = 1.6
    postdefault_stop_share: float = 0.6  # the rest keep a trickle of activity
    postdefault_trickle: float = 0.04
    # Late e-invoice onboarding: share of enterprises whose first invoice is later than founding.
    late_onboarding_share: float = 0.25
    # Invoice size limits (万元版 / 十万元版 / 百万元版 / 千万元版): total capped per enterprise.
    sales_limits: tuple[float, ...] = (100_000.0, 1_000_000.0, 10_000_000.0)
    sales_limit_probs: tuple[float, ...] = (0.55, 0.40, 0.05)
    purchase_limit: float = 10_000_000.0
    # Rounding of totals: P(round to 100 yuan), P(round to 1 yuan), rest keeps cents.
    round100_share: float = 0.35
    round1_share: float = 0.45


@dataclass(frozen=True)
class LoanModel:
    """Loan-level truth: true_pd = 1 - (1 - p_cross) * (1 - q).

    q = logistic(lp_idiosyncratic) is the loan's own 12-month default probability, a logit of
    seed 000's nine factors plus the enterprise's latent risk; p_cross is the probability that
    the enterprise itself defaults early enough in the loan's life (cross-default), exact under
    the enterprise's constant-hazard default-time model.
    """

    rating_beta: tuple[float, float, float, float] = (0.0, 0.8, 1.6, 2.4)  # A, B, C, D
    deposit_beta_per_sd: float = -0.55
    amount_beta_per_sd: float = 0.45
    negative_info_beta: float = 0.70
    guarantee_beta: tuple[float, float, float, float] = (0.50, 0.25, -0.45, -0.10)  # credit, guarantee, mortgage, pledge
    product_beta: tuple[float, ...] = (0.0, 0.0, -0.1, -0.1, 0.2)  # order of PRODUCTS
    long_term_beta: float = 0.15  # term > 12 months
    epidemic_beta: float = 0.60
    enterprise_risk_beta: float = 0.40  # per SD of the enterprise's visible latent risk
    target_idiosyncratic_pd: float = 0.03  # alpha calibrated to this mean q
    # Standardisation constants of log deposit / log amount (fixed, so coefficients are stable).
    log_deposit_mean: float = 12.0
    log_deposit_sd: float = 1.0
    log_amount_mean: float = 13.0
    log_amount_sd: float = 0.7
    # Factor generation.
    pre_rating_noise_sd: float = 0.45
    pre_rating_shares: tuple[float, float, float, float] = (0.25, 0.37, 0.30, 0.08)
    deposit_log_base: float = 11.8  # ≈ 130,000 yuan
    amount_log_base: float = 12.9  # ≈ 400,000 yuan
    negative_info_intercept: float = -2.3
    negative_info_beta_risk: float = 0.9
    min_gap_before_default_days: int = 60  # the bank stops lending this long before default
    default_window_days: int = 240  # default start within this ⇒ 90+ DPD within 12 months
    cure_episode_intercept: float = -2.0  # logit of a 1–60 DPD episode that cures
    cure_episode_beta_risk: float = 0.8
    # Payment stress in the enterprise's deterioration window before its distress default:
    # each report month of a running loan is 1-29 DPD late with this probability.
    predefault_stress_share: float = 0.7


PRODUCTS: tuple[str, ...] = ("working_capital", "tax_credit", "invoice_financing", "mortgage_operating", "inclusive_micro")
GUARANTEES: tuple[str, ...] = ("credit", "guarantee", "mortgage", "pledge")
RATINGS: tuple[str, ...] = ("A", "B", "C", "D")
SIZE_CLASSES: tuple[str, ...] = ("micro", "small", "medium")


@dataclass(frozen=True)
class GeneratorConfig:
    """All knobs of the generator. `generate()` uses the defaults unless given a config."""

    start_date: date = date(2016, 1, 1)  # first possible invoice date
    end_date: date = date(2021, 12, 31)  # last date of every table
    horizon_start: date = date(2017, 1, 1)  # enterprise default horizon and first loan application
    invoices_per_enterprise: int = 2000  # default target of total invoice rows per enterprise
    loans_per_credit_enterprise: float = 5.0
    credit_record_share: float = 0.70
    rating_shares: tuple[float, float, float, float] = (0.22, 0.31, 0.28, 0.19)
    enterprise_default_rate: float = 0.20  # mean true_pd among enterprises with a credit record
    statement_share_by_size: tuple[float, float, float] = (0.65, 0.82, 0.95)  # micro, small, medium
    void_rate_sales: float = 0.075
    void_rate_purchase: float = 0.042
    red_rate_sales: float = 0.025
    red_rate_purchase: float = 0.008
    duplicate_rate: float = 0.006
    # Logical RNG blocks: content depends on these, never on the write chunk size.
    enterprise_block: int = 256
    unit_rows: int = 250_000
    loan_block: int = 20_000
    industries: dict[str, IndustryProfile] = field(default_factory=lambda: dict(DEFAULT_INDUSTRIES))
    regions: dict[str | None, tuple[float, float, float]] = field(default_factory=lambda: dict(DEFAULT_REGIONS))
    enterprise_model: EnterpriseModel = field(default_factory=EnterpriseModel)
    invoice_model: InvoiceModel = field(default_factory=InvoiceModel)
    loan_model: LoanModel = field(default_factory=LoanModel)


def read_industry_codes(path: Path = INDUSTRIES_CSV) -> list[str]:
    """Industry codes of the seed file, in file order."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [row["industry"] for row in csv.DictReader(fh)]


def industry_table(cfg: GeneratorConfig, path: Path = INDUSTRIES_CSV) -> tuple[list[str], list[IndustryProfile]]:
    """Codes from the seed file paired with their profiles; fails loudly on a code without one."""
    codes = read_industry_codes(path)
    missing = [c for c in codes if c not in cfg.industries]
    if missing:
        raise ValueError(f"no generator profile for industry codes {missing} of {path}")
    return codes, [cfg.industries[c] for c in codes]
