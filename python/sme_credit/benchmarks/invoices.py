"""`sme-credit bench invoices`: the invoice marts at bank scale against a fair yardstick.

One run, each step in its own process (sme_credit.benchmarks.steps): generation; the floor
(floor.sql, the invoice columns of enterprise_indicators by one hand-written DuckDB script); the
peer (peer.py, pandas groupby over the whole table, as published CUMCM solutions do; only up to
--peer-max-invoices); `dbt run --select +enterprise_indicators` on every month but the last, then
again after the last month's file is added; after each dbt run the mart is checked against the
floor (and the peer), and the bench fails loudly if they differ. Not a test: numbers depend on
the machine."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable

from sme_credit.benchmarks.steps import measure

SELECTION = "+enterprise_indicators"
DEFAULT_PEER_MAX_INVOICES = 30_000_000


def run_benchmark(n_invoices: int, work_dir: Path, n_enterprises: int | None = None, seed: int = 7,
                  memory_limit: str | None = None, peer_max_invoices: int = DEFAULT_PEER_MAX_INVOICES,
                  keep: bool = False, log: Callable[[str], None] = print) -> dict:
    n_enterprises = n_enterprises or max(1000, n_invoices // 20_000)
    work_dir = Path(work_dir).resolve()
    raw, held, db = work_dir / "raw", work_dir / "held", work_dir / "bench.duckdb"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    threads = len(os.sched_getaffinity(0))
    memory_limit = memory_limit or os.environ.get("SME_CREDIT_DUCKDB_MEMORY_LIMIT") or "55%"
    dbt_env = {"SME_CREDIT_DUCKDB_MEMORY_LIMIT": memory_limit, "SME_CREDIT_DUCKDB_THREADS": str(threads)}
    floor_args = {"threads": threads, "memory_limit": memory_limit, "temp_dir": str(work_dir / "floor.tmp")}
    dbt_run = ["run", "--select", SELECTION]
    steps: dict[str, dict] = {}

    def step(label: str, name: str, **kwargs) -> dict:
        log(f"bench: {label}")
        steps[label] = measure(name, work_dir, env=dbt_env, **kwargs)
        return steps[label]

    step("generate", "generate", raw_dir=str(raw), n_enterprises=n_enterprises, n_invoices=n_invoices, seed=seed)
    step("hold out last month", "hold_out_last_month", raw_dir=str(raw), held_dir=str(held))
    step("floor", "floor", raw_dir=str(raw), out=str(work_dir / "floor.parquet"), **floor_args)
    if n_invoices <= peer_max_invoices:
        step("peer", "peer", raw_dir=str(raw), out=str(work_dir / "peer.parquet"))
    step("dbt full", "dbt", args=[*dbt_run, "--full-refresh"], raw_dir=str(raw), db=str(db))
    step("check dbt = floor", "compare", db=str(db), result=str(work_dir / "floor.parquet"))
    if "peer" in steps:
        step("check dbt = peer", "compare", db=str(db), result=str(work_dir / "peer.parquet"), where="is_latest")
    step("add last month", "add_held_month", raw_dir=str(raw), held_dir=str(held))
    step("dbt after one more month", "dbt", args=dbt_run, raw_dir=str(raw), db=str(db))
    step("floor, one more month", "floor", raw_dir=str(raw), out=str(work_dir / "floor_next.parquet"), **floor_args)
    step("check dbt = floor, one more month", "compare", db=str(db), result=str(work_dir / "floor_next.parquet"))

    report = {"invoices_requested": n_invoices, "enterprises": n_enterprises, "seed": seed, "threads": threads,
              "memory_limit": memory_limit, "steps": steps, "ratios": ratios(steps)}
    (work_dir.parent / f"{work_dir.name}.json").write_text(json.dumps(report, indent=2, default=str))
    if not keep:
        shutil.rmtree(work_dir, ignore_errors=True)
    return report


def ratios(steps: dict[str, dict]) -> dict[str, dict[str, float | None]]:
    """Wall and CPU ratios: on a loaded machine the CPU ratio is the steadier one."""
    pairs = [("dbt full", "floor"), ("dbt after one more month", "floor, one more month"),
             ("peer", "dbt full"), ("peer", "floor")]
    return {f"{a} / {b}": {kind: _ratio(steps[a][f"{kind}_seconds"], steps[b][f"{kind}_seconds"])
                           for kind in ("wall", "cpu")}
            for a, b in pairs if a in steps and b in steps}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 1) if b else None


def _note(label: str, s: dict) -> str:
    if label.startswith("check"):
        return f"{s['columns_compared']} columns x {s['rows_compared']:,} rows equal"
    if label.startswith("dbt"):
        slowest = ", ".join(f"{m} {t:.0f}s" for m, t in list(s["model_seconds"].items())[:3])
        return f"model seconds summed over dbt threads {s['in_dbt_seconds']:.0f}; slowest: {slowest}"
    if label == "generate":
        return f"{s['invoice_rows']:,} invoice rows"
    return ", ".join(f"{k} {v}" for k, v in s.items() if k not in ("wall_seconds", "cpu_seconds", "peak_rss_gb"))


def to_markdown(report: dict) -> str:
    lines = [f"{report['invoices_requested']:,} invoices requested, {report['enterprises']:,} enterprises, "
             f"seed {report['seed']}; DuckDB threads {report['threads']}, memory_limit {report['memory_limit']}", "",
             "| step | wall s | CPU s | peak RSS GB | notes |", "|---|---:|---:|---:|---|"]
    for label, s in report["steps"].items():
        lines.append(f"| {label} | {s['wall_seconds']:.1f} | {s['cpu_seconds']:.1f} | {s['peak_rss_gb']:.2f} | "
                     f"{_note(label, s)} |")
    lines += ["", "| ratio | wall | CPU |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['wall']} | {v['cpu']} |" for k, v in report["ratios"].items()]
    return "\n".join(lines) + "\n"
