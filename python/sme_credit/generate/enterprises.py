"""Enterprises and their latent credit-risk model (the truth every other table derives from).

logit(true_pd) = alpha + b_s*strength + b_m*management + industry risk + industry shock
                 + region risk + b_young*young + b_noise*noise
defaulted ~ Bernoulli(true_pd) over the enterprise's default horizon (2017..2021), realised as
a default time T with constant hazard h = -ln(1 - true_pd) / horizon_years, so that loans can
compute the exact probability of a default inside any window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .calendar import to_days
from .config import SIZE_CLASSES, GeneratorConfig, industry_table
from .names import enterprise_names
from .rng import STREAM_ENTERPRISES, categorical, logistic, logit, solve_intercept, stream
from .strings import digit_strings, take_strings

VAT_CLASS_CODE = {"exempt": 0, "small": 1, "goods": 2, "basic": 3, "service": 4}


@dataclass
class Enterprises:
    """Column arrays (one entry per enterprise) of the latent state and behaviour parameters."""

    n: int
    industry_codes: list[str]
    region_names: list[str | None]
    industry: np.ndarray
    region: np.ndarray
    size: np.ndarray
    founded: np.ndarray  # epoch days
    activity_start: np.ndarray  # epoch days of the first possible invoice
    horizon_start: np.ndarray  # epoch days
    strength: np.ndarray
    management: np.ndarray
    noise: np.ndarray
    industry_shock: np.ndarray
    industry_risk: np.ndarray
    region_risk: np.ndarray
    young: np.ndarray
    lp: np.ndarray
    true_pd: np.ndarray
    risk_z: np.ndarray  # standardised risk the bank can see (no noise term)
    has_record: np.ndarray
    rating: np.ndarray  # 0..3 = A..D, -1 without a credit record
    rating_score: np.ndarray  # the bank's view before the default push
    hazard: np.ndarray  # per year
    default_time: np.ndarray  # epoch days (float), may lie beyond the end date
    defaulted: np.ndarray
    has_statements: np.ndarray
    eta: np.ndarray  # scale noise shared by invoices, loans and statements
    names: pa.Array
    params: dict[str, np.ndarray] = field(default_factory=dict)  # invoice behaviour
    calibration: dict[str, float] = field(default_factory=dict)

    @property
    def default_day(self) -> np.ndarray:
        """Integer epoch day of default (meaningful only where defaulted)."""
        return np.floor(self.default_time).astype(np.int64)


def _cum(probs: np.ndarray) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    return np.cumsum(p / p.sum())


def build_enterprises(n: int, seed: int, cfg: GeneratorConfig) -> Enterprises:
    """Draw all enterprises at once (vectorised; ~1 KB of arrays per enterprise)."""
    em, im = cfg.enterprise_model, cfg.invoice_model
    rng = stream(seed, STREAM_ENTERPRISES)
    codes, profiles = industry_table(cfg)
    k_sole = codes.index("sole_proprietor") if "sole_proprietor" in codes else -1
    ind = categorical(rng, _cum([p.mix for p in profiles]), n)
    region_names = list(cfg.regions)
    region = categorical(rng, _cum([v[0] for v in cfg.regions.values()]), n)
    sole = ind == k_sole

    strength, management, noise, eta = (rng.standard_normal(n) for _ in range(4))
    shocks = rng.normal(0.0, em.industry_shock_sd, len(codes))
    size_score = strength + rng.normal(0.0, 0.6, n)
    size = np.where(size_score > 1.4, 2, np.where(size_score > 0.2, 1, 0))
    size[sole] = 0

    # Founding: 20% founded during 2016-2019, the rest aged log-normally (median 6 years).
    start_day, end_day = to_days(cfg.start_date), to_days(cfg.end_date)
    recent = rng.random(n) < 0.2
    age_days = np.minimum(np.exp(rng.normal(np.log(6.0), 0.7, n)), 30.0) * 365.25
    founded = np.where(recent, start_day + rng.random(n) * (to_days(date(2019, 12, 31)) - start_day),
                       start_day - age_days).astype(np.int64)
    activity = np.maximum(start_day, founded + rng.integers(30, 181, n))
    late = rng.random(n) < im.late_onboarding_share
    onboard = start_day + (rng.random(n) * (to_days(date(2018, 6, 30)) - start_day)).astype(np.int64)
    activity = np.where(late, np.maximum(activity, onboard), activity)
    horizon = np.maximum(to_days(cfg.horizon_start), activity + 183)
    young = (horizon - founded) < em.young_years * 365.25

    ind_risk = np.array([p.base_risk for p in profiles])[ind]
    reg_risk = np.array([v[1] for v in cfg.regions.values()])[region]
    rest = (em.beta_strength * strength + em.beta_management * management + ind_risk + shocks[ind]
            + reg_risk + em.beta_young * young + em.beta_noise * noise)

    # Credit record: stronger firms borrow more; intercept solved for the configured share.
    rec_off = em.record_beta_strength * strength + em.record_beta_sole_proprietor * sole
    c0 = solve_intercept(rec_off, cfg.credit_record_share)
    has_record = rng.random(n) < logistic(c0 + rec_off)
    # Intercept: the mean true_pd of the enterprises with a credit record hits the target rate.
    alpha = solve_intercept(rest[has_record] if has_record.any() else rest, cfg.enterprise_default_rate)
    lp = alpha + rest
    true_pd = logistic(lp)

    # Default time: exponential with constant hazard from the horizon start (exact Bernoulli(pd) by the end).
    years = (end_day + 1 - horizon) / 365.25
    hazard = -np.log1p(-true_pd) / years
    default_time = horizon + rng.exponential(1.0, n) / hazard * 365.25
    defaulted = default_time < end_day + 1

    visible = lp - em.beta_noise * noise
    ref = visible[has_record] if has_record.any() else visible
    risk_z = (visible - ref.mean()) / max(ref.std(), 1e-9)
    rating_score = _rating_score(rng, cfg, lp, noise, has_record)
    rating = cut_rating(cfg, rating_score, defaulted, has_record)

    stmt_p = np.array(cfg.statement_share_by_size)[size]
    has_statements = (~sole) & (rng.random(n) < stmt_p)
    names = enterprise_names(rng, codes, ind)
    ent = Enterprises(
        n=n, industry_codes=codes, region_names=region_names, industry=ind, region=region, size=size,
        founded=founded, activity_start=activity, horizon_start=horizon, strength=strength,
        management=management, noise=noise, industry_shock=shocks[ind], industry_risk=ind_risk,
        region_risk=reg_risk, young=young, lp=lp, true_pd=true_pd, risk_z=risk_z, has_record=has_record,
        rating=rating, rating_score=rating_score, hazard=hazard, default_time=default_time, defaulted=defaulted,
        has_statements=has_statements, eta=eta, names=names,
    )
    ent.params = _invoice_params(rng, cfg, ent, profiles, k_sole)
    ent.calibration = {"alpha": float(alpha), "credit_record_intercept": float(c0),
                       "industry_shocks": {c: float(s) for c, s in zip(codes, shocks)}}
    return ent


def _rating_score(rng, cfg: GeneratorConfig, lp, noise, has_record) -> np.ndarray:
    """The bank's noisy view of the risk, before its repayment experience pushes defaulters down."""
    em = cfg.enterprise_model
    seen = lp - (1.0 - em.rating_noise_share) * em.beta_noise * noise
    sd = seen[has_record].std() if has_record.sum() > 1 else 1.0
    return seen / max(sd, 1e-9) + rng.normal(0.0, em.rating_noise_sd, len(lp))


def cut_rating(cfg: GeneratorConfig, base_score: np.ndarray, defaulted: np.ndarray, has_record: np.ndarray
               ) -> np.ndarray:
    """Manual rating A..D: the score pushed down for defaulters, cut at the target shares.

    core.py calls it again once loans are drawn, with the obligor default (a loan's own 90 DPD
    counts as repayment experience too)."""
    score = base_score + cfg.enterprise_model.rating_default_push * defaulted
    rating = np.full(len(base_score), -1, dtype=np.int64)
    if has_record.any():
        cuts = np.quantile(score[has_record], np.cumsum(cfg.rating_shares)[:-1])
        rating[has_record] = np.searchsorted(cuts, score[has_record], side="right")
    return rating


def _invoice_params(rng, cfg: GeneratorConfig, ent: Enterprises, profiles, k_sole: int) -> dict[str, np.ndarray]:
    """Per-enterprise invoice behaviour driven by the latent state (this is where the signal lives)."""
    im = cfg.invoice_model
    n, S, M = ent.n, ent.strength, ent.management
    prof = lambda attr: np.array([getattr(p, attr) for p in profiles])[ent.industry]  # noqa: E731
    sole = ent.industry == k_sole
    log_count = (im.count_beta_strength * S + im.count_beta_management * M + im.count_sd * ent.eta
                 + prof("log_count_shift"))
    margin = np.clip(prof("gross_margin") + im.margin_beta_strength * S + im.margin_beta_management * M
                     + rng.normal(0.0, im.margin_sd, n), im.margin_min, im.margin_max)
    cover = logistic(im.cover_logit_mean + prof("purchase_cover") + rng.normal(0.0, im.cover_logit_sd, n))
    # Void and red-letter propensities share an enterprise effect across both directions.
    common_void, common_red = rng.standard_normal(n), rng.standard_normal(n)
    void_dev = im.void_beta_management * M + im.void_beta_strength * S
    red_dev = im.red_beta_management * M

    def propensity(rate: float, dev: np.ndarray, sd: float, common: np.ndarray) -> np.ndarray:
        return logit(rate) + dev + sd * (0.8 * common + 0.6 * rng.standard_normal(n))
    general_p = np.array([0.35, 0.75, 0.95])[ent.size]
    general = (~sole) & (rng.random(n) < general_p)
    vat_main = np.array([VAT_CLASS_CODE[p.vat_class] for p in profiles])[ent.industry]
    vat_main = np.where(general & (vat_main == 1), 2, np.where(general, vat_main, 1))
    limits = np.array(im.sales_limits)[categorical(rng, _cum(im.sales_limit_probs), n)]
    limits = np.where(sole | (ent.size == 0) & (rng.random(n) < 0.5), im.sales_limits[0], limits)
    dflt = ent.defaulted
    return {
        "log_count": log_count,
        "purchase_ratio": np.exp(rng.normal(im.purchase_count_log_mean, im.purchase_count_log_sd, n)),
        "growth": (im.growth_mean + im.growth_beta_strength * S + im.growth_beta_management * M
                   + im.growth_beta_shock * ent.industry_shock + rng.normal(0.0, im.growth_sd, n)),
        "volatility": im.volatility_lo + im.volatility_span * logistic(
            -im.volatility_beta_management * M - im.volatility_beta_strength * S),
        "sales_mu": (im.sales_log_mean + im.sales_beta_strength * S + rng.normal(0.0, im.sales_between_sd, n)
                     + prof("log_amount_shift")),
        "sales_sigma": rng.uniform(im.sales_within_sd_lo, im.sales_within_sd_hi, n),
        "purchase_sigma": rng.uniform(im.purchase_within_sd_lo, im.purchase_within_sd_hi, n),
        "margin": margin,
        "cover": cover,
        "cost_share": (1.0 - margin) * cover,
        "void_logit_sales": propensity(cfg.void_rate_sales, void_dev, im.void_sd, common_void),
        "void_logit_purchase": propensity(cfg.void_rate_purchase, void_dev, im.void_sd, common_void),
        "red_logit_sales": propensity(cfg.red_rate_sales, red_dev, im.red_sd, common_red),
        "red_logit_purchase": propensity(cfg.red_rate_purchase, red_dev, im.red_sd, common_red),
        "zipf": np.clip(im.zipf_mean + im.zipf_beta_strength * S + im.zipf_beta_management * M
                        + rng.normal(0.0, im.zipf_sd, n), 0.6, 1.8),
        "buyer_pool_noise": rng.standard_normal(n),
        "seller_pool_noise": rng.standard_normal(n),
        "sales_limit": limits,
        "vat_main": vat_main,
        "general_taxpayer": general,
        "first_invoice_number": rng.integers(1_000_000, 90_000_000, n),
        "lead_days": np.where(dflt, rng.uniform(im.lead_months_min, im.lead_months_max, n) * 30.44, 0.0),
        "post_default_level": np.where(rng.random(n) < im.postdefault_stop_share, 0.0, im.postdefault_trickle),
        "covid_sensitivity": prof("covid_sensitivity") * np.array([v[2] for v in cfg.regions.values()])[ent.region],
    }


def enterprise_ids(index: np.ndarray) -> pa.Array:
    """'E1'..'EN' for 0-based enterprise indices."""
    return digit_strings("E", np.asarray(index) + 1, 1)


def enterprises_table(ent: Enterprises, obligor_defaulted: np.ndarray) -> pa.Table:
    """The raw `enterprises` table of the data contract (has_defaulted: obligor default by the end date)."""
    rating = np.where(ent.rating >= 0, ent.rating, 0)
    no_record = pa.array(~ent.has_record)
    ratings = take_strings(["A", "B", "C", "D"], rating)
    return pa.table({
        "enterprise_id": enterprise_ids(np.arange(ent.n)),
        "enterprise_name": ent.names,
        "industry": take_strings(ent.industry_codes, ent.industry),
        "region": pa.array(ent.region_names, type=pa.string()).take(pa.array(ent.region)),
        "size_class": take_strings(list(SIZE_CLASSES), ent.size),
        "founded_on": pa.array(ent.founded.astype("datetime64[D]")),
        "credit_rating": pc.if_else(no_record, pa.scalar(None, pa.string()), ratings),
        "has_defaulted": pa.array(obligor_defaulted, mask=~ent.has_record),
    })


def enterprises_oracle(ent: Enterprises, obligor_default_day: np.ndarray, end_day: int) -> pa.Table:
    """Oracle view: the latent components and true outcome of every enterprise.

    defaulted/default_date: distress T in the horizon; obligor_default_date: D = min(T, a loan's own 90 DPD).
    """
    in_horizon = ent.defaulted
    obligor = obligor_default_day <= end_day
    return pa.table({
        "enterprise_id": enterprise_ids(np.arange(ent.n)),
        "has_credit_record": pa.array(ent.has_record),
        "true_pd": pa.array(ent.true_pd),
        "linear_predictor": pa.array(ent.lp),
        "strength": pa.array(ent.strength),
        "management": pa.array(ent.management),
        "industry_risk": pa.array(ent.industry_risk),
        "industry_shock": pa.array(ent.industry_shock),
        "region_risk": pa.array(ent.region_risk),
        "young": pa.array(ent.young),
        "noise": pa.array(ent.noise),
        "visible_risk_z": pa.array(ent.risk_z),
        "defaulted": pa.array(in_horizon),
        "default_date": pa.array(ent.default_day.astype("datetime64[D]"), mask=~in_horizon),
        "obligor_defaulted": pa.array(obligor),
        "obligor_default_date": pa.array(np.where(obligor, obligor_default_day, 0).astype(np.int64).astype("datetime64[D]"), mask=~obligor),
        "hazard_per_year": pa.array(ent.hazard),
        "horizon_start": pa.array(ent.horizon_start.astype("datetime64[D]")),
        "activity_start": pa.array(ent.activity_start.astype("datetime64[D]")),
        "has_statements": pa.array(ent.has_statements),
        "gross_margin": pa.array(ent.params["margin"]),
        "growth_per_year": pa.array(ent.params["growth"]),
    })
