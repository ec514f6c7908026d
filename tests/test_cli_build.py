"""The command line and an integration run of `dbt build` on a small generated data set."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import DEMO_ENTERPRISES, query
from sme_credit import cli

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("command", ["generate", "ingest", "build", "dbt", "bench"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: sme-credit {command}" in out and len(out.splitlines()) > 5


def test_missing_required_raw_file_names_the_table(tmp_path):
    (tmp_path / "raw").mkdir()
    code = cli.main(["build", "--raw-dir", str(tmp_path / "raw"), "--db", str(tmp_path / "wh.duckdb")])
    assert code != 0


def test_build_prints_what_was_built(demo_warehouse):
    stdout = demo_warehouse.stdout
    assert "marts.enterprise_indicators" in stdout and "marts.loan_features" in stdout


def test_demo_warehouse_is_complete_and_reconciled(demo_warehouse):
    db = demo_warehouse.db
    recon = query(db, "select * from marts.source_reconciliation")
    assert set(recon["source_table"]) == {"enterprises", "invoices", "loans", "loan_performance", "financial_statements",
                                         "default_events"}
    assert recon["is_reconciled"].all()
    # the monthly panel: every enterprise at every as-of date, one latest row each
    panel = query(db, "select count(*) as n, count(distinct as_of_date) as months, count(*) filter (where is_latest) as latest "
                      "from marts.enterprise_indicators")
    assert panel["latest"][0] == DEMO_ENTERPRISES and panel["n"][0] == DEMO_ENTERPRISES * panel["months"][0]
    loans = query(db, "select label_status, is_default from marts.loan_features")
    assert len(loans) > 0 and loans["label_status"].isin(["defaulted", "performing", "window_open", "no_performance_data"]).all()
    indicators = query(db, "select * from marts.enterprise_indicators")
    assert indicators.shape[1] >= 60  # ≥ 30 indicator columns plus statements and attributes
