"""Loans (seed 000's nine factors), their monthly performance and the loan-level truth.

A loan's 12-month label (90+ days past due in a report month 0..12 after the disbursement
month) happens if its payments stop by w = min(x12 - 90 days, maturity), x12 being the end
of report month 12 and maturity the end of the month of the last instalment, through either
  * cross-default: the enterprise's default time T < w + 1 (payments stop on day floor(T)).
    The bank lends only while T > application + gap, so under the enterprise's constant
    hazard h (from its horizon start s): p_cross = 1 - exp(-h * (w + 1 - max(application + gap, s))),
  * idiosyncratic default with probability q = logistic(lp_idiosyncratic), a logit of the
    nine factors plus the enterprise's visible latent risk.
true_pd = 1 - (1 - p_cross) * (1 - q), exact for the generated label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy.special import ndtri

from .calendar import EPIDEMIC_START, to_days
from .config import GUARANTEES, PRODUCTS, RATINGS, GeneratorConfig
from .enterprises import Enterprises, enterprise_ids
from .rng import STREAM_LOANS, categorical, logistic, solve_intercept, stream
from .schema import LOAN_PERFORMANCE, LOANS
from .strings import digit_strings, take_strings

TERMS = np.array([6, 12, 24, 36])
PRODUCT_MIX = np.array([0.35, 0.20, 0.15, 0.15, 0.15])
PRODUCT_SIZE_MULT = np.array([  # micro, small, medium x products
    [1.0, 1.0, 0.8, 0.5, 2.0],
    [1.0, 1.0, 1.0, 1.0, 1.0],
    [1.0, 0.8, 1.2, 1.5, 0.3],
])
GUARANTEE_BY_PRODUCT = np.array([  # credit, guarantee, mortgage, pledge
    [0.25, 0.40, 0.25, 0.10],
    [0.90, 0.10, 0.00, 0.00],
    [0.20, 0.10, 0.00, 0.70],
    [0.00, 0.00, 1.00, 0.00],
    [0.45, 0.50, 0.05, 0.00],
])
TERM_BY_PRODUCT = np.array([  # 6, 12, 24, 36 months
    [0.30, 0.60, 0.10, 0.00],
    [0.20, 0.80, 0.00, 0.00],
    [0.60, 0.40, 0.00, 0.00],
    [0.00, 0.20, 0.40, 0.40],
    [0.00, 0.60, 0.30, 0.10],
])
PRODUCT_LOG_AMOUNT = np.array([0.0, -0.2, -0.1, 0.6, -0.6])
SIZE_LOG_AMOUNT = np.array([-0.3, 0.0, 0.4])
RATE_BY_RATING = np.array([0.052, 0.065, 0.085, 0.11])
RATE_BY_GUARANTEE = np.array([0.008, 0.004, -0.006, -0.003])
RATE_BY_PRODUCT = np.array([0.0, 0.0, 0.002, -0.002, -0.006])
MIN_AMOUNT, MAX_AMOUNT = 100_000.0, 5_000_000.0
LABEL_MONTHS = 12
EPIDEMIC_DAY = to_days(EPIDEMIC_START)


@dataclass
class LoanFactors:
    """Factors of the loans of one enterprise block (before any outcome is drawn)."""

    ent: np.ndarray  # global enterprise index
    application: np.ndarray  # epoch days
    disbursement: np.ndarray
    product: np.ndarray
    guarantee: np.ndarray
    term: np.ndarray
    amount: np.ndarray
    rating: np.ndarray
    deposit: np.ndarray
    negative: np.ndarray
    epidemic: np.ndarray
    rate: np.ndarray
    lp_offset: np.ndarray  # idiosyncratic logit without the intercept


def loan_window(ent: Enterprises, cfg: GeneratorConfig) -> tuple[np.ndarray, np.ndarray]:
    """First and last possible application day per enterprise (no loans without a record)."""
    first = np.maximum(to_days(cfg.horizon_start), ent.activity_start + 90)
    last = np.full(ent.n, to_days(cfg.end_date) - 30)
    last = np.where(ent.has_record, last, first)  # empty window
    return first, np.maximum(last, first)


def loan_rate_scale(ent: Enterprises, cfg: GeneratorConfig, target: int) -> float:
    """Per-day application rate multiplier so the expected number of loans equals `target`."""
    first, last = loan_window(ent, cfg)
    gap = cfg.loan_model.min_gap_before_default_days
    open_days = np.clip(np.minimum(last, ent.default_time - gap) - first, 0, None)
    weight = np.exp(0.4 * ent.strength + 0.3 * ent.eta) * open_days
    return target / weight.sum() if weight.sum() > 0 else 0.0


def draw_factors(ent: Enterprises, cfg: GeneratorConfig, seed: int, block: int, rate_scale: float) -> LoanFactors:
    """Applications as a Poisson process over the window, kept while the enterprise is alive."""
    lm = cfg.loan_model
    rng = stream(seed, STREAM_LOANS, block)
    lo = block * cfg.loan_block
    idx = np.arange(lo, min(ent.n, lo + cfg.loan_block))
    first, last = loan_window(ent, cfg)
    length = (last - first)[idx]
    count = rng.poisson(rate_scale * np.exp(0.4 * ent.strength[idx] + 0.3 * ent.eta[idx]) * length)
    e = np.repeat(idx, count)
    span = np.maximum(np.repeat(length, count), 1)
    app = first[e] + np.floor(rng.random(e.size) * span).astype(np.int64)
    alive = app < ent.default_time[e] - lm.min_gap_before_default_days
    order = np.lexsort((app, e))
    order = order[alive[order]]
    e, app = e[order], app[order]
    n = e.size
    size = ent.size[e]
    product = categorical(rng, np.cumsum(_normalise(PRODUCT_MIX * PRODUCT_SIZE_MULT[size]), axis=1))
    guarantee = categorical(rng, np.cumsum(GUARANTEE_BY_PRODUCT[product], axis=1))
    term = TERMS[categorical(rng, np.cumsum(TERM_BY_PRODUCT[product], axis=1))]
    log_amount = (lm.amount_log_base + 0.35 * ent.strength[e] + 0.3 * ent.eta[e] + PRODUCT_LOG_AMOUNT[product]
                  + SIZE_LOG_AMOUNT[size] + rng.normal(0.0, 0.5, n))
    amount = np.clip(np.round(np.exp(log_amount) / 1000.0) * 1000.0, MIN_AMOUNT, MAX_AMOUNT)
    sd = np.sqrt(1.0 + lm.pre_rating_noise_sd**2)
    cuts = ndtri(np.cumsum(lm.pre_rating_shares)[:-1]) * sd
    rating = np.searchsorted(cuts, ent.risk_z[e] + rng.normal(0.0, lm.pre_rating_noise_sd, n))
    deposit = np.round(np.exp(lm.deposit_log_base + 0.6 * ent.strength[e] + 0.3 * ent.management[e]
                              + 0.3 * ent.eta[e] + rng.normal(0.0, 0.7, n)), 2)
    negative = rng.random(n) < logistic(lm.negative_info_intercept + lm.negative_info_beta_risk * ent.risk_z[e])
    disb = np.minimum(app + 1 + np.minimum(rng.poisson(4.0, n), 29), to_days(cfg.end_date))
    maturity = _month_end(disb, term) + 1
    sens = ent.params["covid_sensitivity"][e]
    epi_p = np.clip(0.05 + 0.75 * sens * np.exp(0.25 * ent.risk_z[e]), 0.01, 0.95)
    epidemic = (maturity >= EPIDEMIC_DAY) & (rng.random(n) < epi_p)
    year = (disb.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970)
    rate = np.round(np.clip(RATE_BY_RATING[rating] + RATE_BY_GUARANTEE[guarantee] + RATE_BY_PRODUCT[product]
                            - 0.004 * np.maximum(year - 2019, 0) + rng.normal(0.0, 0.006, n), 0.04, 0.15), 4)
    offset = (np.array(lm.rating_beta)[rating]
              + lm.deposit_beta_per_sd * (np.log(deposit) - lm.log_deposit_mean) / lm.log_deposit_sd
              + lm.amount_beta_per_sd * (np.log(amount) - lm.log_amount_mean) / lm.log_amount_sd
              + lm.negative_info_beta * negative + np.array(lm.guarantee_beta)[guarantee]
              + np.array(lm.product_beta)[product] + lm.long_term_beta * (term > 12)
              + lm.epidemic_beta * epidemic + lm.enterprise_risk_beta * ent.risk_z[e])
    return LoanFactors(e, app, disb, product, guarantee, term, amount, rating, deposit, negative, epidemic, rate, offset)


def _normalise(m: np.ndarray) -> np.ndarray:
    return m / m.sum(axis=1, keepdims=True)


def _month_end(day: np.ndarray, months_after: np.ndarray | int) -> np.ndarray:
    """Epoch day of the last day of the month `months_after` months after the month of `day`."""
    month = day.astype("datetime64[D]").astype("datetime64[M]") + np.asarray(months_after).astype("timedelta64[M]")
    return ((month + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")).astype(np.int64)


def idiosyncratic_intercept(offsets: np.ndarray, cfg: GeneratorConfig) -> float:
    """Intercept of the idiosyncratic logit so that the mean q hits the configured target."""
    return solve_intercept(offsets, cfg.loan_model.target_idiosyncratic_pd) if offsets.size else 0.0


@dataclass
class LoanBlock:
    loans: pa.Table
    performance: pa.Table
    oracle: pa.Table


def loan_outcomes(ent: Enterprises, cfg: GeneratorConfig, seed: int, block: int, f: LoanFactors,
                  alpha: float, first_loan_number: int) -> LoanBlock:
    """Outcomes, monthly performance rows and the oracle for one block's loans."""
    lm = cfg.loan_model
    rng = stream(seed, STREAM_LOANS, block, 1)
    n = f.ent.size
    end_day = to_days(cfg.end_date)
    maturity = _month_end(f.disbursement, f.term)
    # Payments stopping by window_end show 90+ DPD in a report month <= 12; a repaid loan cannot default.
    window_end = np.minimum(_month_end(f.disbursement, LABEL_MONTHS) - 90, maturity)
    t_ent = ent.default_time[f.ent]
    at_risk_from = np.maximum(f.application + lm.min_gap_before_default_days, ent.horizon_start[f.ent])
    # Payments stop on day floor(T): the loan is caught iff T < window_end + 1.
    p_cross = 1.0 - np.exp(-ent.hazard[f.ent] * np.maximum(window_end + 1 - at_risk_from, 0) / 365.25)
    lp_q = alpha + f.lp_offset
    q = logistic(lp_q)
    true_pd = 1.0 - (1.0 - p_cross) * (1.0 - q)
    t_day = np.floor(t_ent)
    cross = t_day <= window_end
    own = rng.random(n) < q
    own_start = f.disbursement + 30 + np.floor(rng.random(n) * (window_end - f.disbursement - 30)).astype(np.int64)
    start = np.where(own, own_start, np.inf)
    # Enterprise default stops payments on any loan still running (inside or after the window).
    start = np.minimum(start, np.where(t_day <= maturity, t_day, np.inf))
    label = cross | own

    # Report months 0..K: to maturity, longer while a delinquent loan runs to 90+ DPD, cut at the end date.
    last_k = _months_between(f.disbursement, end_day)
    delinquent = np.isfinite(start)
    k90 = np.where(delinquent, _months_between(f.disbursement, np.where(delinquent, start, 0) + 90) + 3, 0)
    n_rows = np.minimum(np.maximum(f.term, k90), last_k) + 1
    loan = np.repeat(np.arange(n), n_rows)
    k = np.arange(loan.size) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
    month_end = _month_end(f.disbursement[loan], k)
    s = start[loan]
    late = np.isfinite(s)
    dpd = np.where(late, np.maximum(month_end - np.where(late, s, 0), 0), 0)
    paid_before = np.where(late, np.floor((np.where(late, s, 0) - f.disbursement[loan]) / 30.44), np.inf)
    paid = np.minimum(np.minimum(k, paid_before), f.term[loan])
    balance = np.round(f.amount[loan] * (1.0 - paid / f.term[loan]), 2)
    # Short delinquency episodes (1-60 DPD) that cure, for some performing loans.
    episode = (~delinquent) & (rng.random(n) < logistic(lm.cure_episode_intercept + lm.cure_episode_beta_risk * ent.risk_z[f.ent]))
    k0 = 1 + np.floor(rng.random(n) * np.maximum(n_rows - 1, 1)).astype(np.int64)
    length = 1 + (rng.random(n) < 0.35)
    first_dpd = 1 + np.floor(rng.random(n) * 30).astype(np.int64)
    off = k - k0[loan]
    in_episode = episode[loan] & (off >= 0) & (off < length[loan])
    dpd = np.where(in_episode, first_dpd[loan] + 30 * off, dpd)
    # Payment stress while the enterprise deteriorates (its lead window before T): short delays.
    e_row = f.ent[loan]
    lead_start = ent.default_time[e_row] - ent.params["lead_days"][e_row]
    stressed = (ent.defaulted[e_row] & (month_end >= lead_start) & (month_end < np.floor(ent.default_time[e_row]))
                & (dpd == 0) & (k <= f.term[loan])
                & (rng.random(loan.size) < lm.predefault_stress_share))
    dpd = np.where(stressed, 1 + np.floor(rng.random(loan.size) * 29), dpd).astype(np.int32)

    ids = digit_strings("L", first_loan_number + np.arange(n), 7)
    ent_ids = enterprise_ids(f.ent)
    days = lambda d: pa.array(np.asarray(d, dtype=np.int64).astype("datetime64[D]"))  # noqa: E731
    loans = pa.Table.from_arrays([
        ids, ent_ids, days(f.application), days(f.disbursement), take_strings(list(PRODUCTS), f.product),
        pa.array(f.amount), pa.array(f.term.astype(np.int32)), pa.array(f.rate),
        take_strings(list(GUARANTEES), f.guarantee), take_strings(list(RATINGS), f.rating),
        pa.array(f.deposit), pa.array(f.negative), pa.array(f.epidemic),
    ], schema=LOANS)
    performance = pa.Table.from_arrays(
        [ids.take(pa.array(loan)), days(month_end), pa.array(balance), pa.array(dpd)], schema=LOAN_PERFORMANCE)
    complete = _month_end(f.disbursement, LABEL_MONTHS) <= _month_end(np.array([end_day]), 0)[0]
    oracle = pa.table({
        "loan_id": ids, "enterprise_id": ent_ids, "true_pd": pa.array(true_pd),
        "defaulted_90dpd_12m": pa.array(label), "linear_predictor": pa.array(np.log(true_pd / (1.0 - true_pd))),
        "lp_idiosyncratic": pa.array(lp_q), "p_idiosyncratic": pa.array(q), "p_cross_default": pa.array(p_cross),
        "cross_default": pa.array(cross), "idiosyncratic_default": pa.array(own),
        "delinquency_start": pa.array(np.where(delinquent, start, 0).astype(np.int64).astype("datetime64[D]"), mask=~delinquent),
        "window_complete": pa.array(complete),
        # What the enterprise-month oracle (defaults.py) needs: the idiosyncratic default's timing law.
        "application_date": days(f.application),
        "idiosyncratic_window_start": days(f.disbursement + 30),
        "idiosyncratic_window_end": days(np.maximum(window_end, f.disbursement + 31)),
        "idiosyncratic_start": pa.array(own_start.astype("datetime64[D]"), mask=~own),
    })
    return LoanBlock(loans, performance, oracle)


def _months_between(day_a: np.ndarray, day_b: np.ndarray | int) -> np.ndarray:
    """Calendar months from the month of day_a to the month of day_b."""
    ma = np.asarray(day_a).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    mb = np.asarray(day_b).astype(np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return mb - ma
