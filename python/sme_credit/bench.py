"""Benchmark: generate N invoices, build the invoice marts with dbt, report time and memory.

Not a test: numbers depend on the machine. Run `make bench INVOICES=100000000` or
`sme-credit bench --invoices 100000000` and quote the printed table.
"""
from __future__ import annotations

import json
import resource
import shutil
import time
from pathlib import Path

import duckdb

from sme_credit import project

# The models between the raw invoices and enterprise_indicators (dbt selection syntax).
INVOICE_MARTS_SELECTION = "+enterprise_indicators"


def _children_peak_rss_gb() -> float:
    # ru_maxrss is in KiB on Linux; RUSAGE_CHILDREN = the largest finished child process so far
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2


def baseline_query_seconds(raw_dir: Path) -> float:
    """The reference point: one hand-written DuckDB query aggregating invoices per enterprise-month."""
    con = duckdb.connect()
    con.execute("set threads = 2")
    started = time.perf_counter()
    con.execute(
        f"""
        select enterprise_id, date_trunc('month', issue_date) as month, direction,
               sum(amount) as amount, count(*) as invoices
        from read_parquet('{raw_dir}/invoices/*.parquet')
        group by all
        """
    ).fetchall()
    return time.perf_counter() - started


def model_timings(run_results: Path) -> dict[str, float]:
    """Execution seconds per model from dbt's run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    return {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in results}


def run_benchmark(n_invoices: int, work_dir: Path, n_enterprises: int | None = None, seed: int = 7,
                  keep: bool = False) -> dict:
    from sme_credit.generate import generate

    n_enterprises = n_enterprises or max(1000, n_invoices // 20_000)
    raw_dir, db_path = work_dir / "raw", work_dir / "bench.duckdb"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)

    started = time.perf_counter()
    generated = generate(raw_dir, n_enterprises=n_enterprises, seed=seed, n_invoices=n_invoices)
    generate_seconds = time.perf_counter() - started
    generate_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2

    baseline = baseline_query_seconds(raw_dir)

    started = time.perf_counter()
    code = project.run_dbt(["run", "--select", INVOICE_MARTS_SELECTION], raw_dir, db_path)
    build_seconds = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"dbt run failed with exit code {code}")
    report = {
        "invoices_requested": n_invoices,
        "enterprises": n_enterprises,
        "generated": generated,
        "generate_seconds": round(generate_seconds, 1),
        "generate_rows_per_second": round(n_invoices / generate_seconds),
        "generate_peak_rss_gb": round(generate_peak, 2),
        "baseline_query_seconds": round(baseline, 1),
        "dbt_run_seconds": round(build_seconds, 1),
        "dbt_peak_rss_gb": round(_children_peak_rss_gb(), 2),
        "model_seconds": model_timings(project.PROJECT_DIR / "target" / "run_results.json"),
    }
    if not keep:
        shutil.rmtree(work_dir, ignore_errors=True)
    return report
