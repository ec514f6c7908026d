"""`sme-credit build`: the raw directory and warehouse it uses, the demo data it generates, the
dbt build it runs and what it prints afterwards (the rest of the CLI is in cli.py)."""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from sme_credit import project


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _demo_marker(raw_dir: Path) -> Path:
    return raw_dir / "_generated_with.json"


def ensure_demo_data(raw_dir: Path, enterprises: int, seed: int) -> None:
    """(Re)generate the demo data unless it already exists for the same arguments."""
    from sme_credit.generate import generate

    wanted = {"n_enterprises": enterprises, "seed": seed}
    marker = _demo_marker(raw_dir)
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        _progress(f"demo data for {wanted} already in {raw_dir}")
        return
    if not marker.exists() and raw_dir.is_dir() and any(raw_dir.iterdir()):
        raise project.CliError(
            f"{raw_dir} holds files that `--data demo` did not generate (no {marker.name}); generating the demo "
            "data there would overwrite them. Build on them with `--data dir`, or pass another --raw-dir.")
    _progress(f"generating demo data {wanted} into {raw_dir}")
    generate(raw_dir, progress=_progress, **wanted)
    marker.write_text(json.dumps(wanted))


def warehouse_path(flag: str | None, default: Path = project.DEFAULT_DB) -> Path:
    """--db, else $SME_CREDIT_DB, else the default."""
    return Path(flag or os.environ.get("SME_CREDIT_DB") or default)


def raw_dir_for(flag: str | None, recorded, db_path: Path, default: Path = project.DEFAULT_RAW_DIR) -> Path:
    """--raw-dir, else $SME_CREDIT_RAW_DIR, else the directory the warehouse's raw views read
    (raw.raw_registration: a later dbt command never re-points them by default), else the default."""
    chosen = flag or os.environ.get("SME_CREDIT_RAW_DIR")
    if chosen:
        return Path(chosen)
    if recorded is project.UNRECORDED_RAW_DIR:
        raise project.CliError(
            f"{db_path} has raw views but no record of the directory they read (built before raw.raw_registration "
            "existed), so the default data/demo could re-point them at the wrong files. Pass --raw-dir (or set "
            "SME_CREDIT_RAW_DIR) once; later commands reuse it.")
    if recorded is not None:
        _progress(f"raw files: {recorded} (what the warehouse was last built from)")
        return recorded
    return default


def _note_raw_dir_change(db_path: Path, recorded: Path | None, raw_dir: Path) -> None:
    if isinstance(recorded, Path) and recorded.resolve() != raw_dir.resolve():
        _progress(f"note: {db_path} was last built from {recorded}; its raw views now read {raw_dir.resolve()}")


def cmd_build(args: argparse.Namespace) -> int:
    default_db = project.PROJECT_DIR / "warehouse" / "cumcm2020c.duckdb" if args.data == "cumcm" else project.DEFAULT_DB
    db_path = warehouse_path(args.db, default_db)
    recorded = project.inspect_warehouse(db_path)  # fails now, not after ingest, if the file is locked
    if args.models_from and not Path(args.models_from).is_file():
        raise project.CliError(f"--models-from {args.models_from}: no such warehouse file; give the .duckdb file "
                               "of a warehouse whose PD models should score this build")
    if args.data == "demo":
        raw_dir = Path(args.raw_dir or os.environ.get("SME_CREDIT_RAW_DIR") or project.DEFAULT_RAW_DIR)
        ensure_demo_data(raw_dir, args.enterprises, args.seed)
    elif args.data == "cumcm":
        from sme_credit.ingest.cumcm import ingest_cumcm

        src = Path(args.src_dir or project.PROJECT_DIR.parent / "shared" / "data" / "cumcm2020c")
        raw_dir = Path(args.raw_dir or os.environ.get("SME_CREDIT_RAW_DIR")
                       or project.PROJECT_DIR / "data" / "cumcm2020c")
        _progress(f"ingesting CUMCM 2020 C from {src}")
        ingest_cumcm(src, raw_dir, progress=_progress)
    else:
        if args.src_dir:
            raise project.CliError(f"unexpected argument {args.src_dir!r}: a source directory goes with --data cumcm; "
                                   "dbt arguments go after `--` (e.g. `sme-credit build -- --select +marts`)")
        raw_dir = raw_dir_for(args.raw_dir, recorded, db_path)
    _note_raw_dir_change(db_path, recorded, raw_dir)

    if args.models_from:
        # read by dbt_project.yml's var pd_models_from (an env var, so it can't clash with --vars)
        os.environ["SME_CREDIT_MODELS_FROM"] = str(Path(args.models_from).resolve())
    _progress(f"dbt build: raw files {raw_dir.resolve()} → warehouse {db_path.resolve()}")
    started = time.perf_counter()
    # --full-refresh is dbt's flag (the same as `-- --full-refresh`); passed once either way
    dbt_args = list(args.dbt_args)
    if args.full_refresh and "--full-refresh" not in dbt_args:
        dbt_args.insert(0, "--full-refresh")
    code = project.run_dbt(["build", *dbt_args], raw_dir, db_path)
    elapsed = time.perf_counter() - started
    if code != 0:
        _progress(f"dbt build failed (exit {code}) after {elapsed:.0f} s — see the messages above")
        from sme_credit.as_of_dates import warn_if_mixed

        warn_if_mixed(db_path, project.PROJECT_DIR / "target", _progress)
        return code
    _progress(f"dbt build finished in {elapsed:.0f} s")
    from sme_credit.warehouse import describe_warehouse, pd_fallback_summary

    print(describe_warehouse(db_path))
    fallback = pd_fallback_summary(db_path)
    if fallback:
        print(fallback, flush=True)
    from sme_credit.serving.publish import publish_after_build

    return publish_after_build(db_path, progress=_progress)
