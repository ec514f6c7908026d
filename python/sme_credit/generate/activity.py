"""Monthly invoice activity: expected counts, the global volume scale, per-block counts and units.

A *block* is a fixed group of enterprises (config.enterprise_block); its monthly counts come
from the block's own random stream. A *unit* is a contiguous run of (enterprise, month) cells
of one block holding about config.unit_rows invoices; each unit draws its rows from its own
stream. Neither depends on the write chunk size, so the content does not either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from .calendar import Calendar
from .config import GeneratorConfig
from .enterprises import Enterprises
from .rng import STREAM_COUNTS, logistic, stream


def zipf_constants(k: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pool constants (c, 1/a) of the power-law inverse CDF x = (1 + u*c)^(1/a) on [1, k+1).

    a = 1 - s; s within 1e-3 of 1 is nudged to 1.001 (the formula's limit is the log-uniform).
    """
    a = 1.0 - np.where(np.abs(s - 1.0) < 1e-3, 1.001, s)
    return (k + 1.0) ** a - 1.0, 1.0 / a


@dataclass
class InvoicePlan:
    """Global quantities fixed before any invoice is drawn."""

    scale: float  # multiplies exp(log_count): calibrates the total row count to the target
    purchase_mu: np.ndarray  # log-mean of purchase totals per enterprise
    buyer_pool: np.ndarray
    seller_pool: np.ndarray
    buyer_offset: np.ndarray  # global id of an enterprise's buyer rank r is offset + r
    seller_offset: np.ndarray
    buyer_zipf_c: np.ndarray  # Zipf inverse-CDF constants per enterprise (see invoices.zipf_rank)
    seller_zipf_c: np.ndarray
    zipf_inv_a: np.ndarray
    expected_rows: float


@dataclass
class BlockCounts:
    """Base invoice counts (before red-letter copies and duplicates) of one enterprise block."""

    block: int
    first: int  # global index of the block's first enterprise
    sales: np.ndarray  # (enterprises, months)
    purchases: np.ndarray
    prior_sales: np.ndarray  # sales invoices of the enterprise in earlier months (numbering)
    prior_purchases: np.ndarray  # purchase invoices of the enterprise in earlier months (numbering)


def capped_lognormal_mean(mu: np.ndarray, sigma: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """E[min(X, cap)] for X ~ lognormal(mu, sigma)."""
    lc = np.log(cap)
    return (np.exp(mu + sigma**2 / 2) * ndtr((lc - mu - sigma**2) / sigma)
            + cap * (1.0 - ndtr((lc - mu) / sigma)))


def monthly_intensity(ent: Enterprises, cal: Calendar, cfg: GeneratorConfig, sl: slice) -> tuple[np.ndarray, np.ndarray]:
    """Expected sales and purchase invoice counts per month (before the global scale)."""
    im, p = cfg.invoice_model, ent.params
    first = cal.month_first + cal.day0  # epoch day of each month's first day (+ sentinel)
    mid = (first[:-1] + first[1:]) / 2.0
    season = cal.month_factor[None, :]
    epidemic = np.maximum(1.0 - cal.epidemic_hit[None, :] * p["covid_sensitivity"][sl, None], 0.05)
    trend = np.exp(p["growth"][sl, None] * cal.month_time[None, :])
    active = np.clip((first[None, 1:] - ent.activity_start[sl, None]) / np.diff(first)[None, :], 0.0, 1.0)
    progress, after = default_progress(ent, sl, mid)
    # distress opens with a step (a lost customer, a cut credit line), then sales fade to the floor
    onset = np.where(progress > 0, 1.0 - im.predefault_step, 1.0)
    decline = np.where(after, p["post_default_level"][sl, None], onset * im.predefault_floor ** progress)
    sales = np.exp(p["log_count"][sl, None]) * season * epidemic * trend * active * decline
    margin = p["margin"][sl, None]
    squeeze = (1.0 - (margin - im.predefault_margin_drop * progress)) / (1.0 - margin)
    purchases = sales * p["purchase_ratio"][sl, None] * squeeze
    return sales, purchases


def default_progress(ent: Enterprises, sl: slice, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deterioration progress 0..1 over the lead window before default, and 'after default'.

    `day` is a 1-D array of epoch days shared by the block, or 2-D aligned with the block.
    """
    dflt = ent.defaulted[sl, None]
    t = ent.default_time[sl, None]
    lead = np.maximum(ent.params["lead_days"][sl, None], 1.0)
    progress = np.where(dflt, np.clip((day - (t - lead)) / lead, 0.0, 1.0), 0.0)
    return progress, dflt & (day >= t)


def _row_multiplier(ent: Enterprises, cfg: GeneratorConfig, sl: slice, direction: str) -> np.ndarray:
    """Expected rows per base invoice: red-letter copies of valid rows, then duplicates."""
    p = ent.params
    void = logistic(p[f"void_logit_{direction}"][sl])
    red = logistic(p[f"red_logit_{direction}"][sl])
    return (1.0 + red * (1.0 - void)) * (1.0 + cfg.duplicate_rate)


def plan_invoices(ent: Enterprises, cal: Calendar, cfg: GeneratorConfig, target_rows: int) -> InvoicePlan:
    """Scale volumes to the target row count and size the counterparty pools."""
    im, p, n = cfg.invoice_model, ent.params, ent.n
    exp_sales = np.zeros(n)
    exp_purch = np.zeros(n)
    exp_rows = np.zeros(n)
    step = 65_536  # bounded memory: (step x months) floats at a time
    for lo in range(0, n, step):
        sl = slice(lo, min(n, lo + step))
        s, q = monthly_intensity(ent, cal, cfg, sl)
        exp_sales[sl], exp_purch[sl] = s.sum(axis=1), q.sum(axis=1)
        exp_rows[sl] = (exp_sales[sl] * _row_multiplier(ent, cfg, sl, "sales")
                        + exp_purch[sl] * _row_multiplier(ent, cfg, sl, "purchase"))
    total = exp_rows.sum()
    scale = target_rows / total if total > 0 else 0.0
    # Purchase sizes follow from the cost share: purchase value = cost_share x sales value.
    sales_mean = capped_lognormal_mean(p["sales_mu"], p["sales_sigma"], p["sales_limit"])
    purchase_mean = p["cost_share"] * sales_mean / p["purchase_ratio"]
    purchase_mu = np.log(purchase_mean) - p["purchase_sigma"] ** 2 / 2
    buyer_pool = np.ceil(np.exp(im.buyer_pool_intercept + im.pool_beta_rows * np.log1p(scale * exp_sales)
                                + im.pool_sd * p["buyer_pool_noise"])).astype(np.int64)
    seller_pool = np.ceil(np.exp(im.seller_pool_intercept + im.pool_beta_rows * np.log1p(scale * exp_purch)
                                 + im.pool_sd * p["seller_pool_noise"])).astype(np.int64)
    buyer_offset = im.shared_buyers + np.concatenate([[0], np.cumsum(buyer_pool)[:-1]])
    seller_offset = im.shared_sellers + np.concatenate([[0], np.cumsum(seller_pool)[:-1]])
    buyer_c, inv_a = zipf_constants(buyer_pool, p["zipf"])
    seller_c, _ = zipf_constants(seller_pool, p["zipf"])
    return InvoicePlan(scale, purchase_mu, buyer_pool, seller_pool, buyer_offset, seller_offset,
                       buyer_c, seller_c, inv_a, float(scale * total))


def block_counts(ent: Enterprises, cal: Calendar, cfg: GeneratorConfig, plan: InvoicePlan, seed: int, block: int) -> BlockCounts:
    """Poisson counts with log-normal month noise (sales and purchases move together)."""
    lo = block * cfg.enterprise_block
    sl = slice(lo, min(ent.n, lo + cfg.enterprise_block))
    rng = stream(seed, STREAM_COUNTS, block)
    s, q = monthly_intensity(ent, cal, cfg, sl)
    vol = ent.params["volatility"][sl, None]
    z1 = rng.standard_normal(s.shape)
    z2 = 0.7 * z1 + 0.71 * rng.standard_normal(s.shape)
    sales = rng.poisson(plan.scale * s * np.exp(vol * z1 - vol**2 / 2))
    purchases = rng.poisson(plan.scale * q * np.exp(vol * z2 - vol**2 / 2))
    return BlockCounts(block, lo, sales, purchases, np.cumsum(sales, axis=1) - sales,
                       np.cumsum(purchases, axis=1) - purchases)


def units(counts: BlockCounts, unit_rows: int) -> list[tuple[int, np.ndarray]]:
    """Split the block's (enterprise, month) cells, in enterprise-major order, into units.

    Returns (unit key, flat cell indices) pairs; a unit closes once it holds unit_rows rows.
    """
    rows = (counts.sales + counts.purchases).reshape(-1)
    nonzero = np.flatnonzero(rows)
    if nonzero.size == 0:
        return []
    before = np.cumsum(rows[nonzero]) - rows[nonzero]
    key = before // unit_rows
    cuts = np.flatnonzero(np.diff(key)) + 1
    groups = np.split(np.arange(nonzero.size), cuts)  # loop below is over units, not rows
    return [(int(key[g[0]]), nonzero[g]) for g in groups]
