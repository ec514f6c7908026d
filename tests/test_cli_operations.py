"""Operating the CLI on a real small warehouse: stopping a build stops dbt's workers, a later dbt
command keeps the warehouse's raw directory, and incremental runs leave no temporary tables."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import query

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "sme_credit.cli"]
PD_FITS = "int_pd_model_fits"  # the slow model: cross-validation in joblib/loky worker processes


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SME_CREDIT_DB", "SME_CREDIT_RAW_DIR")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory) -> SimpleNamespace:
    """200 generated enterprises, built up to (not including) the PD model fits."""
    root = tmp_path_factory.mktemp("cli_ops")
    raw, db = root / "raw", root / "w.duckdb"
    subprocess.run([*CLI, "generate", "--enterprises", "200", "--seed", "7", "--out", str(raw)],
                   check=True, capture_output=True, env=cli_env())
    result = subprocess.run([*CLI, "build", "--raw-dir", str(raw), "--db", str(db), "--",
                             "--select", f"+{PD_FITS}", "--exclude", PD_FITS, "--quiet"],
                            capture_output=True, text=True, env=cli_env())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return SimpleNamespace(raw=raw, db=db, root=root)


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # state, ppid, pgrp, ...


def _processes() -> dict[int, list[str]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            found[int(entry.name)] = fields
    return found


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    return [pid for pid, f in _processes().items() if int(f[2]) == pgid and f[0] != "Z"]


def wait_for_dbt_workers(cli: subprocess.Popen, timeout: float = 240) -> int:
    """The dbt process group's id once dbt runs worker processes (more than dbt itself)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and cli.poll() is None:
        children = [pid for pid, f in _processes().items() if int(f[1]) == cli.pid]
        if children and len(group_members(children[0])) >= 3:
            return children[0]
        time.sleep(0.5)
    raise AssertionError(f"no dbt workers appeared (CLI exit {cli.poll()})")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
def test_stopping_the_cli_stops_dbt_and_its_workers(small_warehouse, sig):
    cli = subprocess.Popen([*CLI, "build", "--raw-dir", str(small_warehouse.raw), "--db", str(small_warehouse.db),
                            "--", "--select", PD_FITS], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, env=cli_env())
    try:
        pgid = wait_for_dbt_workers(cli)
        assert pgid != os.getpgid(cli.pid)  # dbt runs in a group of its own
        cli.send_signal(sig)
        # generous bounds: on a loaded 2-core CI machine the stop once took longer than 15 s + 5 s
        cli.wait(timeout=60)
        deadline = time.monotonic() + 20
        while group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert group_members(pgid) == [], "dbt or a worker outlived the CLI"
    finally:
        if cli.poll() is None:
            cli.kill()
        cli.wait()
    if sig != signal.SIGKILL:
        err = cli.stderr.read()
        assert cli.returncode in (130, 143) and "dbt and its worker processes were stopped" in err
        assert "Traceback" not in err


def test_dbt_command_keeps_the_raw_dir_of_the_build(small_warehouse, tmp_path):
    # from another directory and without --raw-dir / $SME_CREDIT_RAW_DIR: data/demo must not be used
    result = subprocess.run([*CLI, "dbt", "--db", str(small_warehouse.db), "--", "docs", "generate", "--quiet"],
                            capture_output=True, text=True, cwd=tmp_path, env=cli_env())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"raw files: {small_warehouse.raw.resolve()}" in result.stdout
    registered = query(small_warehouse.db, "select raw_dir from raw.raw_registration")["raw_dir"].tolist()
    assert registered == [str(small_warehouse.raw.resolve())]
    assert query(small_warehouse.db, "select count(*) as n from raw.enterprises")["n"][0] == 200


def test_incremental_runs_leave_no_temporary_tables(small_warehouse):
    result = subprocess.run([*CLI, "build", "--db", str(small_warehouse.db), "--",
                             "--select", "dq_validation_results", "--quiet"],
                            capture_output=True, text=True, env=cli_env())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    runs = query(small_warehouse.db, "select count(distinct run_id) as n from marts.dq_validation_results")["n"][0]
    assert runs >= 2  # the fixture's build and this one: appended, so the history is kept
    leftovers = query(small_warehouse.db, "select table_schema, table_name from information_schema.tables "
                                          "where table_name like '%__dbt_tmp%'")
    assert leftovers.empty, leftovers.to_string()
