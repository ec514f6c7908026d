"""The CLI's own rules, without dbt: arguments after `--`, environment defaults, the raw directory a
warehouse remembers, one-paragraph errors and the lock check (project.run_dbt is replaced)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from sme_credit import cli, project


@pytest.fixture
def dbt_calls(monkeypatch):
    """Record every dbt invocation instead of running it (dbt 'fails', so build stops there)."""
    calls = []

    def fake_run_dbt(args, raw_dir, db_path):
        calls.append({"args": list(args), "raw_dir": Path(raw_dir), "db": Path(db_path)})
        return 1

    monkeypatch.setattr(project, "run_dbt", fake_run_dbt)
    monkeypatch.delenv("SME_CREDIT_DB", raising=False)
    monkeypatch.delenv("SME_CREDIT_RAW_DIR", raising=False)
    return calls


def make_warehouse(path: Path, raw_dir: str | None = None) -> Path:
    """A warehouse file; with raw_dir, one whose last dbt run registered that raw directory."""
    with duckdb.connect(str(path)) as con:
        if raw_dir is not None:
            con.execute("create schema raw")
            con.execute("create table raw.raw_registration as select ? as raw_dir, now() as registered_at", [raw_dir])
    return path


def test_split_at_the_first_double_dash_only():
    assert cli.split_dbt_args(["build", "--db", "x"]) == (["build", "--db", "x"], None)
    assert cli.split_dbt_args(["dbt", "--", "run", "--", "x"]) == (["dbt"], ["run", "--", "x"])
    assert cli.split_dbt_args(["build", "--"]) == (["build"], [])


@pytest.mark.parametrize("dbt_args", [
    ["--full-refresh"],
    ["--vars", "{pd_cv_repeats: 2}"],
    ["--select", "+enterprise_indicators", "--exclude", "int_x"],
    ["--vars", "{pd_cv_repeats: 2}", "--select", "stg_enterprises"],
])
def test_build_passes_everything_after_double_dash_to_dbt(dbt_calls, tmp_path, dbt_args):
    code = cli.main(["build", "--raw-dir", str(tmp_path), "--db", str(tmp_path / "w.duckdb"), "--", *dbt_args])
    assert code == 1 and dbt_calls[0]["args"] == ["build", *dbt_args]


def test_build_full_refresh_is_dbts_flag(dbt_calls, tmp_path):
    db = str(tmp_path / "w.duckdb")
    cli.main(["build", "--raw-dir", str(tmp_path), "--db", db, "--full-refresh", "--", "--select", "stg_invoices"])
    cli.main(["build", "--raw-dir", str(tmp_path), "--db", db, "--full-refresh", "--", "--full-refresh"])
    assert [c["args"] for c in dbt_calls] == [["build", "--full-refresh", "--select", "stg_invoices"],
                                              ["build", "--full-refresh"]]


def test_build_without_dbt_args_runs_a_plain_build(dbt_calls, tmp_path):
    cli.main(["build", "--raw-dir", str(tmp_path), "--db", str(tmp_path / "w.duckdb")])
    assert dbt_calls[0]["args"] == ["build"]


def test_a_stray_positional_is_refused_not_swallowed(dbt_calls, tmp_path, capsys):
    # `build --select x` without `--`: argparse refuses it; `build x` (no --data cumcm) too
    with pytest.raises(SystemExit):
        cli.main(["build", "--select", "x"])
    assert cli.main(["build", "--db", str(tmp_path / "w.duckdb"), "+marts"]) == 1
    assert not dbt_calls
    assert "dbt arguments go after `--`" in capsys.readouterr().err


def test_makefile_cumcm_form_still_takes_the_source_dir(dbt_calls, tmp_path, monkeypatch):
    import sme_credit.ingest.cumcm as cumcm

    seen = {}
    monkeypatch.setattr(cumcm, "ingest_cumcm", lambda src, out, progress=None: seen.update(src=Path(src), out=Path(out)))
    cli.main(["build", "--data", "cumcm", str(tmp_path / "src"), "--raw-dir", str(tmp_path / "raw"),
              "--db", str(tmp_path / "c.duckdb"), "--", "--select", "stg_invoices"])
    assert seen == {"src": tmp_path / "src", "out": tmp_path / "raw"}
    assert dbt_calls[0]["args"] == ["build", "--select", "stg_invoices"] and dbt_calls[0]["db"] == tmp_path / "c.duckdb"


def test_dbt_command_passes_its_arguments_unchanged(dbt_calls, tmp_path):
    cli.main(["dbt", "--db", str(tmp_path / "w.duckdb"), "--", "show", "--inline", "select 1 -- x", "--limit", "3"])
    assert dbt_calls[0]["args"] == ["show", "--inline", "select 1 -- x", "--limit", "3"]


def test_dbt_command_without_a_dbt_command_says_where_it_goes(dbt_calls, capsys):
    assert cli.main(["dbt"]) == 1 and not dbt_calls
    assert "after `--`" in capsys.readouterr().err


def test_other_commands_refuse_dbt_arguments(capsys):
    with pytest.raises(SystemExit):
        cli.main(["generate", "--", "--select", "x"])
    assert "takes no dbt arguments" in capsys.readouterr().err


def test_environment_sets_warehouse_and_raw_dir_and_flags_win(dbt_calls, tmp_path, monkeypatch):
    monkeypatch.setenv("SME_CREDIT_DB", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("SME_CREDIT_RAW_DIR", str(tmp_path / "env_raw"))
    for command in (["build"], ["dbt", "--", "run"]):
        cli.main([command[0], *command[1:]])
    assert [(c["db"], c["raw_dir"]) for c in dbt_calls] == [(tmp_path / "env.duckdb", tmp_path / "env_raw")] * 2
    dbt_calls.clear()
    for name in ("build", "dbt"):
        cli.main([name, "--db", str(tmp_path / "flag.duckdb"), "--raw-dir", str(tmp_path / "flag_raw"), "--", "run"])
    assert [(c["db"], c["raw_dir"]) for c in dbt_calls] == [(tmp_path / "flag.duckdb", tmp_path / "flag_raw")] * 2


def test_report_commands_read_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SME_CREDIT_DB", str(tmp_path / "bank.duckdb"))
    assert cli.main(["report"]) == 2  # no such warehouse: says which file it looked for
    assert "bank.duckdb" in capsys.readouterr().out
    assert cli.main(["report", "--html"]) == 2  # the publication beside $SME_CREDIT_DB
    assert str(tmp_path / "bank_serving.duckdb") in capsys.readouterr().out
    monkeypatch.setenv("SME_CREDIT_SERVING_DB", str(tmp_path / "s.duckdb"))
    assert cli.main(["report", "--html"]) == 2 and str(tmp_path / "s.duckdb") in capsys.readouterr().out


def test_dbt_keeps_the_raw_dir_the_warehouse_was_built_from(dbt_calls, tmp_path, capsys):
    db = make_warehouse(tmp_path / "w.duckdb", raw_dir="/bank/raw")
    cli.main(["dbt", "--db", str(db), "--", "docs", "generate"])
    cli.main(["build", "--db", str(db), "--", "--select", "stg_loans"])
    assert [c["raw_dir"] for c in dbt_calls] == [Path("/bank/raw")] * 2
    assert "what the warehouse was last built from" in capsys.readouterr().out


def test_an_explicit_other_raw_dir_is_announced(dbt_calls, tmp_path, capsys):
    db = make_warehouse(tmp_path / "w.duckdb", raw_dir="/bank/raw")
    cli.main(["dbt", "--db", str(db), "--raw-dir", str(tmp_path), "--", "run"])
    assert dbt_calls[0]["raw_dir"] == tmp_path
    assert f"last built from /bank/raw; its raw views now read {tmp_path}" in capsys.readouterr().out


def test_a_new_warehouse_defaults_to_the_demo_data(dbt_calls, tmp_path):
    cli.main(["dbt", "--db", str(tmp_path / "new.duckdb"), "--", "run"])
    cli.main(["dbt", "--db", str(make_warehouse(tmp_path / "old.duckdb")), "--", "run"])  # built before the record
    assert [c["raw_dir"] for c in dbt_calls] == [project.DEFAULT_RAW_DIR] * 2
    assert not (tmp_path / "new.duckdb").exists()  # the check never creates the file


def test_demo_data_never_overwrites_foreign_raw_files(dbt_calls, tmp_path, capsys):
    (tmp_path / "enterprises.csv").write_text("enterprise_id\nE1\n")
    assert cli.main(["build", "--data", "demo", "--raw-dir", str(tmp_path), "--db", str(tmp_path / "w.duckdb")]) == 1
    assert not dbt_calls and (tmp_path / "enterprises.csv").read_text() == "enterprise_id\nE1\n"
    assert "did not generate" in capsys.readouterr().err


def test_ingest_error_is_one_paragraph_and_debug_adds_the_traceback(tmp_path):
    from test_ingest_cumcm import write_csv_layout

    src = write_csv_layout(tmp_path / "src", gz=False)
    (src / "att1_enterprise_info.csv").write_text("企业代号,企业名称\nE1,甲\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "sme_credit.cli", "ingest", "cumcm", str(src), "--out", str(tmp_path / "raw")]
    plain = subprocess.run(cmd, capture_output=True, text=True)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    lines = plain.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sme-credit: error: ingest failed: att1_enterprise_info.csv")
    assert "missing column" in lines[0] and "--debug" in lines[0]
    debug = subprocess.run([*cmd[:3], "--debug", *cmd[3:]], capture_output=True, text=True)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "MissingColumnError" in debug.stderr


def test_a_locked_warehouse_names_the_holder_in_two_lines(tmp_path):
    db = make_warehouse(tmp_path / "w.duckdb", raw_dir=str(tmp_path))
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "sme_credit.cli", "dbt", "--db", str(db), "--", "run"],
                                capture_output=True, text=True)
        elapsed = time.perf_counter() - started
    finally:
        holder.kill()
        holder.wait()
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 2, result.stderr
    assert f"is locked by process {holder.pid}" in lines[0] and f"kill {holder.pid}" in lines[1]
    assert "Running with dbt" not in result.stdout and elapsed < 15  # refused before dbt starts


def test_raw_views_without_a_record_are_never_re_pointed_by_default(dbt_calls, tmp_path, capsys):
    db = tmp_path / "older.duckdb"  # built before raw.raw_registration: views, no record
    with duckdb.connect(str(db)) as con:
        con.execute("create schema raw")
        con.execute("create view raw.enterprises as select 1 as enterprise_id")
    assert cli.main(["dbt", "--db", str(db), "--", "docs", "generate"]) == 1 and not dbt_calls
    assert "no record of the directory they read" in capsys.readouterr().err
    cli.main(["dbt", "--db", str(db), "--raw-dir", str(tmp_path), "--", "docs", "generate"])
    assert dbt_calls[0]["raw_dir"] == tmp_path


def test_a_lock_error_after_dbt_is_the_same_two_lines():
    error = duckdb.IOException('IO Error: Could not set lock on file "/w/x.duckdb": Conflicting lock is held in '
                               '/usr/bin/python3 (PID 4242). See also https://duckdb.org/docs/current/connect/concurrency')
    lines = cli.error_paragraph(error).splitlines()
    assert lines == ["warehouse /w/x.duckdb is locked by process 4242 (/usr/bin/python3); DuckDB lets only one "
                     "process write a file.",
                     "Close that program's connection (or `kill 4242`) and run the command again; BI tools should "
                     "read the published serving file instead."]
