"""Each bench step runs in its own Python process, so its peak RSS (ru_maxrss from wait4, which
covers the step's process and the processes it waited for, e.g. dbt) and CPU time are its own.

`python -m sme_credit.benchmarks.steps STEP ARGS_JSON RESULT_JSON` runs one step."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sme_credit import project


class StepFailed(RuntimeError):
    pass


def generate(raw_dir: str, n_enterprises: int, n_invoices: int, seed: int) -> dict:
    from sme_credit.generate import generate as generate_raw

    summary = generate_raw(Path(raw_dir), n_enterprises=n_enterprises, seed=seed, n_invoices=n_invoices)
    return {"invoice_rows": summary.rows["invoices"], "invoice_parts": summary.invoice_parts}


def hold_out_last_month(raw_dir: str, held_dir: str) -> dict:
    """Move the invoices of the last month out of raw/invoices/ (the 'one more month' of the
    incremental step) into held_dir, as one part file."""
    import duckdb

    invoices = Path(raw_dir) / "invoices"
    kept, held = Path(raw_dir) / "invoices.kept", Path(held_dir)
    kept.mkdir()
    held.mkdir(parents=True)
    con = duckdb.connect()
    source = f"read_parquet('{invoices}/**/*.parquet')"
    month = con.execute(f"select max(date_trunc('month', issue_date))::date from {source}").fetchone()[0]
    con.execute(f"copy (select * from {source} where issue_date < date '{month}') to '{kept}/part-00000.parquet'")
    con.execute(f"copy (select * from {source} where issue_date >= date '{month}') "
                f"to '{held}/part-{month:%Y-%m}.parquet'")
    for part in invoices.rglob("*.parquet"):
        part.unlink()
    (kept / "part-00000.parquet").rename(invoices / "part-00000.parquet")
    kept.rmdir()
    return {"held_month": str(month)}


def add_held_month(raw_dir: str, held_dir: str) -> dict:
    moved = []
    for part in Path(held_dir).glob("*.parquet"):
        part.rename(Path(raw_dir) / "invoices" / part.name)
        moved.append(part.name)
    return {"files_added": moved}


def floor(raw_dir: str, out: str, threads: int, memory_limit: str, temp_dir: str) -> dict:
    from sme_credit.benchmarks.floor import run_floor

    return run_floor(Path(raw_dir), Path(out), threads, memory_limit, Path(temp_dir))


def peer(raw_dir: str, out: str) -> dict:
    from sme_credit.benchmarks.peer import peer_indicators

    return peer_indicators(Path(raw_dir), Path(out))


def dbt(args: list[str], raw_dir: str, db: str) -> dict:
    # the bench's own target directory: a build running beside it can't overwrite its run_results.json
    target = Path(db).parent / "target"
    os.environ["DBT_TARGET_PATH"] = str(target)
    code = project.run_dbt(args, Path(raw_dir), Path(db))
    if code != 0:
        raise StepFailed(f"dbt {' '.join(args)} failed with exit code {code}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    seconds = {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in results}
    return {"model_seconds": dict(sorted(seconds.items(), key=lambda kv: -kv[1])),
            "in_dbt_seconds": round(sum(seconds.values()), 1)}


def compare(db: str, result: str, where: str = "true") -> dict:
    from sme_credit.benchmarks.compare import compare_with_mart

    return compare_with_mart(Path(db), Path(result), where)


STEPS = {f.__name__: f for f in (generate, hold_out_last_month, add_held_month, floor, peer, dbt, compare)}


def measure(step: str, scratch: Path, env: dict[str, str] | None = None, **kwargs) -> dict:
    """Run STEPS[step](**kwargs) in a child process: its result plus wall and CPU seconds and peak RSS."""
    result_file = scratch / f".step-{step}-{time.monotonic_ns()}.json"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sme_credit.benchmarks.steps", step, json.dumps(kwargs),
                             str(result_file)], env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not result_file.exists():
        raise StepFailed(f"bench step {step} failed (exit code {proc.returncode}); its error is above")
    result = json.loads(result_file.read_text())
    result_file.unlink()
    return {"wall_seconds": round(wall, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_gb": round(usage.ru_maxrss / 1024**2, 2), **result}


def main(argv: list[str]) -> int:
    step, kwargs, result_file = argv
    Path(result_file).write_text(json.dumps(STEPS[step](**json.loads(kwargs)), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
