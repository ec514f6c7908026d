"""Invoice rows of one unit (see activity.py), fully vectorised.

Per row: issue day from the business-day weights of its month, VAT class and period rate,
a log-normal total (rounded like real totals, capped at the invoice limit), amount and tax
derived from the total in integer cents (so total = amount + tax exactly), a counterparty
from the enterprise's Zipf-weighted pool, voided status; then red-letter copies of valid
rows and exact duplicates are appended.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .activity import BlockCounts, InvoicePlan, zipf_constants
from .calendar import VAT_RATES, Calendar
from .config import GeneratorConfig
from .enterprises import Enterprises
from .rng import STREAM_INVOICES, logistic, stream
from .schema import INVOICES
from .strings import digit_strings, take_strings

# Sellers' VAT classes on purchase invoices: goods, basic, service, small-scale, exempt.
PURCHASE_CLASS_CODES = np.array([2, 3, 4, 1, 0])
PURCHASE_CLASS_CUM = np.cumsum([0.42, 0.06, 0.15, 0.32, 0.05])
NUMBER_SPACE = 100_000_000  # 8-digit invoice numbers
# Odd and not a multiple of 5, so k -> k * step mod 10^8 is a bijection (numbers never repeat);
# its inverse is odd too, so first + k * step + RED_LETTER_OFFSET never meets first + k' * step
# for |k - k'| < RED_LETTER_OFFSET.
PURCHASE_NUMBER_STEP = 7_654_321
RED_LETTER_OFFSET = NUMBER_SPACE // 2


@dataclass
class UnitResult:
    """One unit's rows and the net amounts (cents) of its valid, non-duplicate invoices."""

    table: pa.Table
    first: int  # global index of the first enterprise of the block
    net_cents: np.ndarray  # (block enterprises, years, 2 directions)


def zipf_rank(u: np.ndarray, k: np.ndarray, c: np.ndarray, inv_a: np.ndarray) -> np.ndarray:
    """Rank 1..k from a power law x^-s on [1, k+1) by inverse CDF (vectorised Zipf)."""
    x = (1.0 + u * c) ** inv_a
    return np.clip(x.astype(np.int64), 1, k)


def generate_unit(ent: Enterprises, plan: InvoicePlan, cal: Calendar, cfg: GeneratorConfig, seed: int,
                  counts: BlockCounts, unit_key: int, cells: np.ndarray, block_ids: pa.Array) -> UnitResult:
    """Draw all rows of the cells `cells` (flat indices into the block's enterprise x month grid)."""
    im, p = cfg.invoice_model, ent.params
    rng = stream(seed, STREAM_INVOICES, counts.block, unit_key)
    n_months = counts.sales.shape[1]
    cell_e, cell_m = np.divmod(cells, n_months)
    n_sales = counts.sales.reshape(-1)[cells]
    n_purch = counts.purchases.reshape(-1)[cells]
    cell = np.concatenate([np.repeat(np.arange(cells.size), n_sales), np.repeat(np.arange(cells.size), n_purch)])
    direction = np.concatenate([np.zeros(n_sales.sum(), np.int8), np.ones(n_purch.sum(), np.int8)])
    local = cell_e[cell]
    g = counts.first + local
    u = rng.random(cell.size)
    month = cell_m[cell]
    day = cal.sample_days(month, u)
    # First active month: spread uniformly over the days from the first invoice day on.
    start = ent.activity_start[g] - cal.day0
    early = day < start
    last = cal.month_first[month[early] + 1] - 1
    day[early] = start[early] + np.floor(u[early] * (last - start[early] + 1)).astype(day.dtype)

    order = np.argsort((local.astype(np.int64) * cal.n_days + day) * 2 + direction, kind="stable")
    local, g, day, direction = local[order], g[order], day[order], direction[order]
    n = g.size
    sales = direction == 0

    # Invoice numbers are unique per enterprise and direction (the warehouse's key): the k-th sales
    # invoice of an enterprise (voided ones use a number too) is first + k; purchase numbers come
    # from many sellers and look scattered, first + (k + 1) * PURCHASE_NUMBER_STEP, a bijection mod 10^8.
    k = _sequence_in_direction(local, sales, cells, cell_e, counts)
    number = (p["first_invoice_number"][g] + np.where(sales, k, (k + 1) * PURCHASE_NUMBER_STEP)) % NUMBER_SPACE
    rng.integers(0, NUMBER_SPACE, n)  # the former random purchase numbers: still drawn, so a seed's other columns stay as they were

    # VAT class and rate.
    u = rng.random(n)
    main = p["vat_main"][g]
    alt = np.where(main == 4, 2, 4)
    sales_class = np.where(p["general_taxpayer"][g],
                           np.where(u < 0.80, main, np.where(u < 0.90, alt, np.where(u < 0.94, 1, 0))),
                           np.where(u < 0.93, 1, 0))
    purchase_class = PURCHASE_CLASS_CODES[np.minimum(np.searchsorted(PURCHASE_CLASS_CUM, u, side="right"), 4)]
    rate = VAT_RATES[np.where(sales, sales_class, purchase_class), cal.vat_period(day)]

    # Totals: log-normal, capped at the invoice limit, rounded like real totals; then amount/tax.
    mu = np.where(sales, p["sales_mu"][g], plan.purchase_mu[g])
    sigma = np.where(sales, p["sales_sigma"][g], p["purchase_sigma"][g])
    raw = np.exp(mu + sigma * rng.standard_normal(n))
    cap = np.where(sales, p["sales_limit"][g], im.purchase_limit) * (1.0 + rate / 100.0)
    raw = np.where(raw > cap, cap * (1.0 - 0.03 * rng.random(n)), raw)
    u = rng.random(n)
    total_c = np.where((u < im.round100_share) & (raw >= 1000.0), np.round(raw / 100.0) * 10_000,
                       np.where(u < im.round100_share + im.round1_share, np.round(raw) * 100, np.round(raw * 100)))
    total_c = np.maximum(total_c.astype(np.int64), 100)
    amount_c = (total_c * 200 + (100 + rate)) // (2 * (100 + rate))  # round(total / (1 + rate)) in cents
    tax_c = total_c - amount_c

    # Counterparties: a shared pool (utilities, big buyers) or the enterprise's own Zipf pool.
    u = rng.random(n)
    shared = rng.random(n) < np.where(sales, im.shared_buyer_share, im.shared_seller_share)
    pool = np.where(sales, plan.buyer_pool[g], plan.seller_pool[g])
    own = np.where(sales, plan.buyer_offset[g] + zipf_rank(u, pool, plan.buyer_zipf_c[g], plan.zipf_inv_a[g]),
                   plan.seller_offset[g] + zipf_rank(u, pool, plan.seller_zipf_c[g], plan.zipf_inv_a[g]))
    shared_k = np.array([im.shared_buyers, im.shared_sellers])
    shared_c, shared_inv_a = zipf_constants(shared_k, np.ones(2))
    shared_rank = zipf_rank(u, shared_k[direction], shared_c[direction], shared_inv_a[direction])
    counterparty = np.where(shared, shared_rank, own)

    # Voided invoices; more of them in the months before a default.
    epoch_day = day + cal.day0
    lead = ent.defaulted[g] & (epoch_day >= ent.default_time[g] - p["lead_days"][g])
    void_logit = np.where(sales, p["void_logit_sales"][g], p["void_logit_purchase"][g]) + lead * np.log(im.predefault_void_mult)
    voided = rng.random(n) < logistic(void_logit)

    # Red-letter copies: negative copies refunding an earlier valid invoice, days to weeks later.
    red_p = logistic(np.where(sales, p["red_logit_sales"][g], p["red_logit_purchase"][g]))
    src = np.flatnonzero(~voided & (rng.random(n) < red_p))
    red_day = np.minimum(day[src] + rng.geometric(1.0 / im.red_delay_mean_days, src.size) - 1, cal.n_days - 1)
    rng.integers(0, NUMBER_SPACE, src.size)  # the former random red-letter numbers (see above)
    cat = np.concatenate
    cols = {
        "local": cat([local, local[src]]), "day": cat([day, red_day]), "direction": cat([direction, direction[src]]),
        # a red-letter copy's number is its source's shifted by half the space: unique while an
        # enterprise has fewer than 5 * 10^7 invoices per direction (see RED_LETTER_OFFSET)
        "number": cat([number, (number[src] + RED_LETTER_OFFSET) % NUMBER_SPACE]),
        "counterparty": cat([counterparty, counterparty[src]]),
        "amount": cat([amount_c, -amount_c[src]]), "tax": cat([tax_c, -tax_c[src]]), "total": cat([total_c, -total_c[src]]),
        "voided": cat([voided, np.zeros(src.size, bool)]),
    }
    # Exact duplicate rows (delivery artefacts), next to their original after the final sort.
    dup = np.flatnonzero(rng.random(cols["day"].size) < cfg.duplicate_rate)
    is_dup = cat([np.zeros(cols["day"].size, bool), np.ones(dup.size, bool)])
    cols = {k: cat([v, v[dup]]) for k, v in cols.items()}
    order = np.argsort((cols["local"].astype(np.int64) * cal.n_days + cols["day"]) * 2 + cols["direction"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    is_dup = is_dup[order]

    net = _net_amounts(cols, is_dup, cal, counts.sales.shape[0])
    return UnitResult(_table(cols, cal, block_ids), counts.first, net)


def _sequence_in_direction(local: np.ndarray, sales: np.ndarray, cells: np.ndarray, cell_e: np.ndarray,
                           counts: BlockCounts) -> np.ndarray:
    """Index of each row among its enterprise's invoices of its direction, over all months.

    Rows are sorted by enterprise and day; an enterprise's months before this unit count through
    counts.prior_sales / prior_purchases of its first cell here.
    """
    n = local.size
    sales_before = np.cumsum(sales) - sales  # rows of each direction before this one in the unit
    purchases_before = np.arange(n) - sales_before
    starts = np.flatnonzero(np.concatenate([[True], local[1:] != local[:-1]]))
    start_of_row = np.repeat(starts, np.diff(np.append(starts, n)))  # the enterprise's first row here
    in_unit = np.where(sales, sales_before - sales_before[start_of_row], purchases_before - purchases_before[start_of_row])
    first_cell = np.zeros(counts.sales.shape[0], dtype=np.int64)
    present, first_pos = np.unique(cell_e, return_index=True)
    first_cell[present] = cells[first_pos]  # first cell of each enterprise in this unit
    prior = np.where(sales, counts.prior_sales.reshape(-1)[first_cell[local]],
                     counts.prior_purchases.reshape(-1)[first_cell[local]])
    return prior + in_unit


def _net_amounts(cols: dict[str, np.ndarray], is_dup: np.ndarray, cal: Calendar, n_local: int) -> np.ndarray:
    """Net amount (cents) of valid, non-duplicate invoices per enterprise, year and direction."""
    years = int(cal.day_year[-1] - cal.day_year[0] + 1)
    keep = ~cols["voided"] & ~is_dup
    year = cal.day_year[cols["day"]] - cal.day_year[0]
    key = (cols["local"].astype(np.int64) * years + year) * 2 + cols["direction"]
    sums = np.bincount(key[keep], weights=cols["amount"][keep].astype(np.float64), minlength=n_local * years * 2)
    return sums.reshape(n_local, years, 2)


def _table(cols: dict[str, np.ndarray], cal: Calendar, block_ids: pa.Array) -> pa.Table:
    """Arrow table of the contract's invoice columns."""
    return pa.Table.from_arrays([
        block_ids.take(pa.array(cols["local"].astype(np.int32))),
        take_strings(["sales", "purchase"], cols["direction"]),
        digit_strings("", cols["number"], 8),
        pa.array((cols["day"] + cal.day0).astype("datetime64[D]")),
        digit_strings(("B", "A"), cols["counterparty"], 5, prefix_codes=cols["direction"]),
        pa.array(cols["amount"] / 100.0),
        pa.array(cols["tax"] / 100.0),
        pa.array(cols["total"] / 100.0),
        take_strings(["valid", "voided"], cols["voided"].astype(np.int8)),
    ], schema=INVOICES)
