"""`generate()`: write the raw tables of the data contract plus the oracle."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .activity import block_counts, plan_invoices, units
from .calendar import build_calendar, to_days
from .config import GeneratorConfig
from .defaults import default_events, enterprise_months, obligor_default_day
from .enterprises import (
    Enterprises,
    build_enterprises,
    cut_rating,
    enterprise_ids,
    enterprises_oracle,
    enterprises_table,
)
from .financials import build_statements
from .invoices import generate_unit
from .loans import draw_factors, idiosyncratic_intercept, loan_outcomes, loan_rate_scale
from .schema import INVOICES
from .writer import COMPRESSION, PartWriter, write_table

DEFAULT_CHUNK_ROWS = 1_000_000


class GenerateSummary(dict):
    """What `generate()` wrote: a plain dict (JSON-serialisable as is) with attribute access.

    Keys: out_dir, seed, n_enterprises, rows (per table), seconds, invoice_seconds,
    invoice_rows_per_second, invoice_parts, targets, paths (strings; invoices is a list).
    """

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(key) from exc


def generate(out_dir: str | Path, n_enterprises: int = 1000, seed: int = 42, n_invoices: int | None = None,
             n_loans: int | None = None, progress: Callable[[str], None] | None = None, *,
             chunk_rows: int = DEFAULT_CHUNK_ROWS, config: GeneratorConfig | None = None) -> GenerateSummary:
    """Generate a synthetic SME credit data set in `out_dir` (deterministic per seed and arguments).

    n_invoices: target total invoice rows (default config.invoices_per_enterprise per enterprise);
    n_loans: target loan count (default config.loans_per_credit_enterprise per enterprise with a
    credit record); chunk_rows: rows per invoice part file — it changes the file split only,
    never the content.
    """
    if n_enterprises < 1:
        raise ValueError("n_enterprises must be at least 1")
    if seed < 0 or (n_invoices is not None and n_invoices < 0) or (n_loans is not None and n_loans < 0):
        raise ValueError("seed, n_invoices and n_loans must not be negative")
    cfg = config or GeneratorConfig()
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    out = Path(out_dir)
    (out / "oracle").mkdir(parents=True, exist_ok=True)
    cal = build_calendar(cfg.start_date, cfg.end_date)

    say(f"enterprises: drawing {n_enterprises:,} (seed {seed})")
    ent = build_enterprises(n_enterprises, seed, cfg)
    paths: dict[str, Any] = {}
    rows = {"enterprises": ent.n}

    loan_target = n_loans if n_loans is not None else int(round(cfg.loans_per_credit_enterprise * ent.has_record.sum()))
    say(f"loans: ~{loan_target:,} with monthly performance")
    loan_rows, loan_cal, loan_truth = _write_loans(ent, cfg, seed, loan_target, out, paths)
    rows.update(loan_rows)

    say("obligor defaults and the enterprise-month oracle")
    d_day, through_loan = obligor_default_day(ent, loan_truth)
    events = default_events(ent, cfg, seed, d_day, through_loan)
    end_day = to_days(cfg.end_date)
    ent.rating = cut_rating(cfg, ent.rating_score, d_day <= end_day, ent.has_record)
    paths["enterprises"] = write_table(enterprises_table(ent, d_day <= end_day), out / "enterprises.parquet")
    paths["oracle_enterprises"] = write_table(enterprises_oracle(ent, d_day, end_day), out / "oracle" / "enterprises.parquet")
    paths["default_events"] = write_table(events, out / "default_events.parquet")
    paths["oracle_enterprise_months"] = write_table(enterprise_months(ent, cfg, loan_truth, d_day,
                                                                      loan_cal["application_rate_scale"]),
                                                    out / "oracle" / "enterprise_months.parquet")
    rows["default_events"] = events.num_rows

    target = n_invoices if n_invoices is not None else n_enterprises * cfg.invoices_per_enterprise
    t_inv = time.perf_counter()
    plan = plan_invoices(ent, cal, cfg, int(target))
    say(f"invoices: ~{int(plan.expected_rows):,} rows in parts of {chunk_rows:,}")
    net = np.zeros((ent.n, int(cal.day_year[-1] - cal.day_year[0] + 1), 2))
    writer = PartWriter(out / "invoices", INVOICES, chunk_rows, say, int(plan.expected_rows))
    n_blocks = -(-ent.n // cfg.enterprise_block)
    for block in range(n_blocks):  # blocks of enterprises, then units of rows: bounded memory
        counts = block_counts(ent, cal, cfg, plan, seed, block)
        block_ids = enterprise_ids(np.arange(counts.first, counts.first + counts.sales.shape[0]))
        for key, cells in units(counts, cfg.unit_rows):
            res = generate_unit(ent, plan, cal, cfg, seed, counts, key, cells, block_ids)
            net[res.first:res.first + res.net_cents.shape[0]] += res.net_cents
            writer.add(res.table)
    paths["invoices"] = writer.close()
    invoice_seconds = time.perf_counter() - t_inv
    rows["invoices"] = writer.rows

    say("financial statements")
    statements = build_statements(ent, net, cfg, seed)
    paths["financial_statements"] = write_table(statements, out / "financial_statements.parquet")
    rows["financial_statements"] = statements.num_rows

    model = _latent_model(cfg, ent, plan.scale, target, loan_target, loan_cal, seed)
    paths["latent_model"] = out / "oracle" / "latent_model.json"
    paths["latent_model"].write_text(json.dumps(model, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    seconds = time.perf_counter() - t0
    say(f"done: {rows['invoices']:,} invoices in {invoice_seconds:.1f}s, total {seconds:.1f}s")
    return GenerateSummary(
        out_dir=str(out), seed=seed, n_enterprises=ent.n, rows=rows, seconds=round(seconds, 3),
        invoice_seconds=round(invoice_seconds, 3),
        invoice_rows_per_second=round(rows["invoices"] / invoice_seconds) if invoice_seconds > 0 else 0,
        invoice_parts=len(paths["invoices"]), targets={"invoices": int(target), "loans": int(loan_target)},
        paths={k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in paths.items()},
    )


def _write_loans(ent: Enterprises, cfg: GeneratorConfig, seed: int, target: int, out: Path,
                 paths: dict) -> tuple[dict[str, int], dict, pa.Table]:
    """Two passes over loan blocks: calibrate the intercept on all loans, then draw outcomes."""
    rate_scale = loan_rate_scale(ent, cfg, target)
    n_blocks = -(-ent.n // cfg.loan_block)
    offsets = [draw_factors(ent, cfg, seed, b, rate_scale).lp_offset for b in range(n_blocks)]
    alpha = idiosyncratic_intercept(np.concatenate(offsets), cfg)
    files = {"loans": out / "loans.parquet", "loan_performance": out / "loan_performance.parquet",
             "oracle_loans": out / "oracle" / "loans.parquet"}
    writers: dict[str, pq.ParquetWriter] = {}
    counts = {"loans": 0, "loan_performance": 0}
    number = 1
    truth: list[pa.Table] = []
    for b in range(n_blocks):
        f = draw_factors(ent, cfg, seed, b, rate_scale)
        lb = loan_outcomes(ent, cfg, seed, b, f, alpha, number)
        number += f.ent.size
        for name, table in (("loans", lb.loans), ("loan_performance", lb.performance), ("oracle_loans", lb.oracle)):
            if name not in writers:
                writers[name] = pq.ParquetWriter(files[name], table.schema, compression=COMPRESSION)
            if table.num_rows:
                writers[name].write_table(table)
        truth.append(lb.oracle)
        counts["loans"] += lb.loans.num_rows
        counts["loan_performance"] += lb.performance.num_rows
    for w in writers.values():  # a writer exists for every file: n_blocks >= 1
        w.close()
    paths.update({name: path for name, path in files.items()})
    cal = {"idiosyncratic_intercept": float(alpha), "application_rate_scale": float(rate_scale)}
    return counts, cal, pa.concat_tables(truth)


def _latent_model(cfg: GeneratorConfig, ent: Enterprises, scale: float, target: int, loan_target: int, loan_cal: dict, seed: int) -> dict:
    """Every coefficient used: the configuration plus what was calibrated for this run."""
    return {
        "description": "Truth of the synthetic data set; see docs/generator.md for the equations.",
        "seed": seed,
        "config": asdict(cfg),
        "calibrated": {
            "enterprise_intercept": ent.calibration["alpha"],
            "credit_record_intercept": ent.calibration["credit_record_intercept"],
            "industry_shocks": ent.calibration["industry_shocks"],
            "invoice_volume_scale": scale,
            "invoice_row_target": target,
            "loan_target": loan_target,
            **loan_cal,
        },
        "equations": {
            "enterprise": "logit(true_pd) = enterprise_intercept + beta_strength*strength + beta_management*management"
                          " + industry_risk + industry_shock + region_risk + beta_young*young + beta_noise*noise",
            "default_time": "T = horizon_start + Exp(1)/h, h = -ln(1-true_pd)/horizon_years; defaulted = T <= end_date",
            "obligor_default": "D = min(T, first month a loan reaches 90 DPD by its own default); has_defaulted = D <= end_date"
                               " (credit record); true_pd_12m: see generate/defaults.py",
            "rating": "score = z(lp - (1-rating_noise_share)*beta_noise*noise) + N(0,rating_noise_sd)"
                      " + rating_default_push*defaulted, cut at rating_shares",
            "loan": "true_pd = 1 - (1-p_cross)*(1-q); q = logistic(idiosyncratic_intercept + rating_beta[r]"
                    " + deposit_beta_per_sd*z(ln deposit) + amount_beta_per_sd*z(ln amount) + negative_info_beta*neg"
                    " + guarantee_beta[g] + product_beta[p] + long_term_beta*(term>12) + epidemic_beta*epi"
                    " + enterprise_risk_beta*visible_risk_z); p_cross = 1 - exp(-h*(w + 1 - max(application+gap, horizon_start))), w = min(end of report month 12 - 90 days, maturity)",
        },
    }
