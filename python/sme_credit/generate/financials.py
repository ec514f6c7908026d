"""Annual financial statements, consistent by construction (all items in integer cents).

Revenue is the year's invoice net sales with a little noise; the cost of sales follows the
enterprise's gross margin; assets follow revenue through an asset turnover; equity is paid-in
capital plus retained earnings, which evolve with net profit less dividends; liabilities
close the balance sheet. Weak enterprises (low strength / management) get higher leverage,
thinner margins and less cash; the year of and before a default shows distress.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .calendar import to_days
from .config import GeneratorConfig, industry_table
from .enterprises import Enterprises, enterprise_ids
from .rng import STREAM_STATEMENTS, logistic, stream
from .schema import FINANCIAL_STATEMENTS, STATEMENT_ITEMS


def _cents(x: np.ndarray) -> np.ndarray:
    return np.round(x * 100.0).astype(np.int64)


def build_statements(ent: Enterprises, net_cents: np.ndarray, cfg: GeneratorConfig, seed: int) -> pa.Table:
    """One row per enterprise with statements and fiscal year with invoice sales (sorted)."""
    rng = stream(seed, STREAM_STATEMENTS)
    _, profiles = industry_table(cfg)
    idx = np.flatnonzero(ent.has_statements)
    m = idx.size
    prof = lambda attr: np.array([getattr(p, attr) for p in profiles])[ent.industry[idx]]  # noqa: E731
    S, M = ent.strength[idx], ent.management[idx]
    turnover = prof("asset_turnover") * np.exp(0.15 * S + rng.normal(0.0, 0.3, m))
    debt_ratio0 = logistic(0.1 - 0.45 * S - 0.35 * M + rng.normal(0.0, 0.35, m))
    margin = ent.params["margin"][idx]
    op_margin = np.minimum(0.03 + 0.04 * S + 0.02 * M + rng.normal(0.0, 0.03, m), margin - 0.02)
    re_share = np.clip(0.3 + 0.2 * S + rng.normal(0.0, 0.2, m), -0.5, 0.8)
    payout = rng.uniform(0.0, 0.4, m)
    ca_share = np.clip(prof("current_asset_share") + rng.normal(0.0, 0.08, m), 0.2, 0.95)
    other_nc = rng.uniform(0.0, 0.1, m) * (1.0 - ca_share)
    shares = np.stack([
        np.clip(0.18 + 0.05 * S + 0.03 * M + rng.normal(0.0, 0.06, m), 0.03, 0.5),  # cash
        np.where(rng.random(m) < 0.3, rng.uniform(0.0, 0.08, m), 0.0),  # short-term investments
        np.clip(prof("receivable_share") + rng.normal(0.0, 0.08, m), 0.02, 0.6),
        np.clip(prof("inventory_share") + rng.normal(0.0, 0.06, m), 0.0, 0.6),
    ], axis=1)
    shares *= np.minimum(1.0, 0.97 / shares.sum(axis=1))[:, None]  # leave 'other current assets' >= 3%
    cl_share = np.clip(0.8 + rng.normal(0.0, 0.1, m), 0.4, 1.0)
    due_share = rng.uniform(0.15, 0.5, m)
    debt_share = rng.uniform(0.3, 0.5, m)  # interest-bearing share of liabilities
    int_rate = 0.045 + 0.03 * logistic(ent.risk_z[idx])
    tax_rate = np.where(ent.size[idx] == 2, 0.25, 0.20)

    years = net_cents.shape[1]
    y0 = cfg.start_date.year
    started = np.zeros(m, bool)
    paid_in = np.zeros(m, np.int64)
    re_prev = np.zeros(m, np.int64)
    tl_prev = np.zeros(m)
    ta_prev = np.zeros(m)
    ar_prev = np.zeros(m, np.int64)
    inv_prev = np.zeros(m, np.int64)
    out: list[dict[str, np.ndarray]] = []
    for y in range(years):  # loop over 6 fiscal years, vectorised over enterprises
        year_end = to_days(cfg.start_date.replace(year=y0 + y, month=12, day=31))
        sales = net_cents[idx, y, 0] / 100.0
        alive = ~ent.defaulted[idx] | (ent.default_time[idx] >= year_end - 365)
        row = (sales > 0) & alive & (ent.activity_start[idx] <= year_end - 92)
        dist = np.where(ent.defaulted[idx], np.clip(1.0 - (ent.default_time[idx] - year_end) / 365.0, 0.0, 1.0), 0.0)
        revenue = sales * np.exp(rng.normal(0.0, 0.04, m))
        gm = np.clip(margin - 0.08 * dist + rng.normal(0.0, 0.02, m), 0.0, 0.9)
        ebit = revenue * np.minimum(op_margin - 0.10 * dist + rng.normal(0.0, 0.02, m), gm - 0.01)
        assets = revenue / (turnover * np.exp(rng.normal(0.0, 0.08, m))) * (1.0 + 0.5 * dist)
        assets = np.where(started, np.maximum(assets, 0.8 * ta_prev), assets)  # assets shrink slower than sales
        first = row & ~started
        equity0 = (1.0 - debt_ratio0) * assets
        re_prev = np.where(first, _cents(equity0 * re_share), re_prev)
        paid_in = np.where(first, _cents(equity0 * (1.0 - re_share)), paid_in)
        tl_prev = np.where(first, debt_ratio0 * assets, tl_prev)
        c = {"operating_revenue": _cents(revenue)}
        c["operating_cost"] = _cents(revenue * (1.0 - gm))
        c["interest_expense"] = _cents(int_rate * debt_share * np.maximum(tl_prev, 0.0))
        c["operating_profit"] = _cents(ebit) - c["interest_expense"]
        c["total_profit"] = c["operating_profit"] + _cents(revenue * rng.normal(0.0, 0.004, m))
        tax = np.round(np.maximum(c["total_profit"], 0) * tax_rate).astype(np.int64)
        c["net_profit"] = c["total_profit"] - tax
        c["retained_earnings"] = re_prev + c["net_profit"] - np.round(payout * np.maximum(c["net_profit"], 0)).astype(np.int64)
        c["owners_equity"] = paid_in + c["retained_earnings"]
        ta = _cents(assets)
        # Leverage floor 10%: surplus equity is held as (extra) assets rather than vanishing.
        ta = np.where(ta - c["owners_equity"] < ta // 10, np.ceil(c["owners_equity"] / 0.9).astype(np.int64), ta)
        c["total_assets"] = ta
        c["total_liabilities"] = ta - c["owners_equity"]
        c["current_assets"] = np.round(ta * ca_share).astype(np.int64)
        c["fixed_assets_net"] = ta - c["current_assets"] - np.round(ta * other_nc).astype(np.int64)
        for k, name in enumerate(("cash_and_equivalents", "short_term_investments", "accounts_receivable", "inventory")):
            c[name] = np.floor(c["current_assets"] * shares[:, k]).astype(np.int64)
        c["current_liabilities"] = np.floor(c["total_liabilities"] * cl_share).astype(np.int64)
        c["debt_due_within_one_year"] = np.floor(c["current_liabilities"] * np.minimum(due_share + 0.2 * dist, 0.9)).astype(np.int64)
        delta_wc = np.where(started, c["accounts_receivable"] - ar_prev + c["inventory"] - inv_prev, 0)
        c["operating_cash_flow"] = (c["net_profit"] + np.round(0.08 * c["fixed_assets_net"]).astype(np.int64) - delta_wc
                                    + _cents(revenue * rng.normal(0.0, 0.03, m)))
        out.append({"row": row, "year": np.full(m, y0 + y), **{k: v for k, v in c.items()}})
        # Carry state only where a statement was produced this year.
        started |= row
        re_prev = np.where(row, c["retained_earnings"], re_prev)
        tl_prev = np.where(row, c["total_liabilities"] / 100.0, tl_prev)
        ta_prev = np.where(row, c["total_assets"] / 100.0, ta_prev)
        ar_prev = np.where(row, c["accounts_receivable"], ar_prev)
        inv_prev = np.where(row, c["inventory"], inv_prev)

    rows = np.stack([o["row"] for o in out], axis=1)  # (m, years), enterprise-major order
    ent_idx = np.broadcast_to(idx[:, None], rows.shape)[rows]
    year = np.stack([o["year"] for o in out], axis=1)[rows]
    cols = [enterprise_ids(ent_idx), pa.array(year.astype(np.int32))]
    for name in STATEMENT_ITEMS:
        cols.append(pa.array(np.stack([o[name] for o in out], axis=1)[rows] / 100.0))
    return pa.Table.from_arrays(cols, schema=FINANCIAL_STATEMENTS)
