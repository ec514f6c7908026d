"""Where the dbt project, the warehouse and the data live, and how dbt is run."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

# python/sme_credit/project.py → repository root (the package is installed editable).
PROJECT_DIR = Path(os.environ.get("SME_CREDIT_PROJECT_DIR", Path(__file__).resolve().parents[2]))
DEFAULT_DB = PROJECT_DIR / "warehouse" / "sme_credit.duckdb"
DEFAULT_RAW_DIR = PROJECT_DIR / "data" / "demo"

# Seconds dbt gets to stop after SIGTERM before its process group is killed.
STOP_GRACE_SECONDS = 5.0
# dbt commands that never open the warehouse: no lock check for them.
_OFFLINE_COMMANDS = {"ls", "list", "parse", "clean", "deps", "init", "--help", "-h", "--version"}


class CliError(Exception):
    """A problem the user can fix; the CLI prints its message as one paragraph, no traceback."""


class WarehouseLocked(CliError):
    pass


class Interrupted(Exception):
    """SIGTERM reached the CLI (SIGINT arrives as KeyboardInterrupt)."""


def dbt_env(raw_dir: Path, db_path: Path) -> dict[str, str]:
    """Environment for a dbt subprocess: absolute paths (the raw views store them) and no telemetry."""
    env = dict(os.environ)
    env.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        # a test runs only when all its parents are selected: a relationship test from a PD mart to
        # staging must not run in `--select +enterprise_indicators` before the PD mart exists
        DBT_INDIRECT_SELECTION="buildable",
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        SME_CREDIT_RAW_DIR=str(Path(raw_dir).resolve()),
        SME_CREDIT_DB=str(Path(db_path).resolve()),
    )
    # OpenMP on one thread in the dbt process and the CV worker processes it starts: histogram
    # gradient boosting sums in thread order, and a rebuild must give the same models. The CV
    # folds run in parallel processes, so this costs little.
    env.setdefault("OMP_NUM_THREADS", "1")
    # DuckDB threads = the cores this process may use (profiles.yml; memory_limit defaults there)
    env.setdefault("SME_CREDIT_DUCKDB_THREADS", str(len(os.sched_getaffinity(0))))
    return env


def is_lock_error(error: BaseException) -> bool:
    return "Could not set lock on file" in str(error) or "Conflicting lock" in str(error)


def lock_message(db_path: Path | None, error: BaseException) -> str:
    """Two lines from DuckDB's lock error: who holds the file, and what to do."""
    if db_path is None:
        named = re.search(r'Could not set lock on file "(.*?)"', str(error))
        db_path = Path(named.group(1)) if named else "the warehouse"
    match = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", str(error))
    holder = f"process {match.group(2)} ({match.group(1)})" if match else "another process"
    pid = match.group(2) if match else "<pid>"
    return (f"warehouse {db_path} is locked by {holder}; DuckDB lets only one process write a file.\n"
            f"Close that program's connection (or `kill {pid}`) and run the command again; "
            "BI tools should read the published serving file instead.")


# inspect_warehouse: raw views exist, but no record of the directory they read (an older build)
UNRECORDED_RAW_DIR = object()


def inspect_warehouse(db_path: Path) -> Path | None | object:
    """Open the warehouse as dbt will (read-write) and return the raw directory its last dbt run
    registered (raw.raw_registration); None for a new warehouse; UNRECORDED_RAW_DIR if it has raw
    views but no record. Raises WarehouseLocked if another process holds the file. A missing file
    is not created."""
    import duckdb

    db_path = Path(db_path).resolve()
    if not db_path.exists():
        return None
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.IOException as exc:
        if is_lock_error(exc):
            raise WarehouseLocked(lock_message(db_path, exc)) from None
        raise
    with con:
        found = con.execute("select 1 from information_schema.tables "
                            "where table_schema = 'raw' and table_name = 'raw_registration'").fetchone()
        if not found:
            views = con.execute("select count(*) from duckdb_views() where schema_name = 'raw'").fetchone()[0]
            return UNRECORDED_RAW_DIR if views else None
        row = con.execute("select raw_dir from raw.raw_registration").fetchone()
    if not row or not row[0]:
        return None
    recorded = Path(row[0])
    return recorded if recorded.is_absolute() else PROJECT_DIR / recorded


def stop_process_group(proc: subprocess.Popen, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM dbt's process group (dbt and its CV workers), SIGKILL what is left after `grace`."""
    pgid = proc.pid  # dbt leads its own session, so its pid is the group id
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(pgid, signal.SIGKILL)  # workers that outlived dbt too
    except ProcessLookupError:
        pass
    proc.wait()


def _raise_interrupted(signum, frame):
    raise Interrupted(f"stopped by signal {signal.Signals(signum).name}")


def run_dbt(args: list[str], raw_dir: Path, db_path: Path) -> int:
    """Run a dbt command in the project directory; returns dbt's exit code (2 when a raw file
    can't be transcoded to UTF-8 as its table's _format.yml encoding says).

    dbt runs in its own process group (sme_credit.dbt_child), stopped with everything it started
    when the CLI ends early: on SIGINT/SIGTERM (here) or when the CLI dies (the death signal that
    dbt_child sets itself: a preexec_fn is not safe when the caller has threads).
    Raises WarehouseLocked before starting dbt if another process holds the warehouse file."""
    from sme_credit.onboarding.raw_format import RawFormatError, prepare_utf8_copies

    db_path = Path(db_path)
    if not (args and args[0] in _OFFLINE_COMMANDS) and args[:2] != ["docs", "serve"]:
        inspect_warehouse(db_path)
    db = db_path.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    env = {**dbt_env(raw_dir, db_path), "SME_CREDIT_CLI_PID": str(os.getpid())}  # for the death signal
    try:
        # non-UTF-8 CSV files (README "Raw file format") are read by dbt from UTF-8 copies beside the warehouse
        utf8_dir = prepare_utf8_copies(Path(raw_dir), db.parent / f".{db.stem}.raw_utf8")
    except RawFormatError as err:
        print(f"ERROR {err}", file=sys.stderr)
        return 2
    if utf8_dir is not None:
        env["SME_CREDIT_RAW_UTF8_DIR"] = str(utf8_dir)
    cmd = [sys.executable, "-P", "-m", "sme_credit.dbt_child", *args, "--project-dir", str(PROJECT_DIR)]
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_interrupted) if in_main_thread else None
    proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, env=env, start_new_session=True)
    try:
        return proc.wait()
    finally:
        stop_process_group(proc)
        if in_main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
