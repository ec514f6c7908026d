"""A PD for every bank: too few defaults to fit -> the rating master scale; --models-from -> reused models."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import REPO, query
from sme_credit.modeling.scorecard import MASTER_SCALE_BOUNDS

CLI = [sys.executable, "-m", "sme_credit.cli"]


def test_master_scale_macro_matches_the_python_bounds():
    text = (REPO / "macros" / "master_scale.sql").read_text()
    bounds = [float(b) for b in re.search(r"return\(\[([^\]]+)\]\)", text).group(1).split(",")]
    assert bounds == [upper for _, _, upper in MASTER_SCALE_BOUNDS[:-1]]


@pytest.fixture(scope="module")
def tiny_bank(tmp_path_factory) -> SimpleNamespace:
    """30 enterprises, 4 of them defaulting (seed 3): too few for any PD task, like the tester's small bank."""
    root = tmp_path_factory.mktemp("tiny_bank")
    raw, db = root / "raw", root / "tiny.duckdb"
    subprocess.run([*CLI, "generate", "--enterprises", "30", "--seed", "3", "--out", str(raw)], check=True,
                   capture_output=True)
    built = subprocess.run([*CLI, "build", "--raw-dir", str(raw), "--db", str(db)], capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return SimpleNamespace(raw=raw, db=db, stdout=built.stdout)


@pytest.mark.integration
def test_tiny_bank_falls_back_to_the_master_scale_and_lends(tiny_bank):
    runs = query(tiny_bank.db, "select level, variant, status, reason from marts.pd_model_runs")
    assert set(runs["status"]) == {"skipped"}
    pit = runs[runs["variant"] == "point_in_time"].iloc[0]
    assert "grouped CV needs 10" in pit["reason"] or "need 10" in pit["reason"]
    pds = query(tiny_bank.db, "select e.pd_source, e.pd, e.credit_rating, m.pd_12m from marts.enterprise_pd e "
                              "left join reference.rating_pd_master_scale m on m.credit_rating = coalesce(e.credit_rating, 'unrated')")
    assert pds["pd"].notna().all()
    assert set(pds["pd_source"]) <= {"rating_master_scale", "in_default"}
    master = pds[pds["pd_source"] == "rating_master_scale"]
    assert len(master) > 0 and (master["pd"] == master["pd_12m"]).all()
    lent = query(tiny_bank.db, "select count(*) as n, sum(amount) as amount from marts.credit_allocation "
                               "where amount > 0")
    assert lent["n"].iloc[0] > 0 and lent["amount"].iloc[0] > 0
    # said at the end of the build, where nobody misses it
    tail = tiny_bank.stdout[-3000:]
    assert "PD FALLBACK" in tail and "rating_pd_master_scale.csv" in tail


@pytest.mark.integration
def test_models_from_scores_the_tiny_bank_with_the_demo_models(tiny_bank, demo_warehouse):
    built = subprocess.run([*CLI, "build", "--raw-dir", str(tiny_bank.raw), "--db", str(tiny_bank.db),
                            "--models-from", str(demo_warehouse.db), "--", "--select", "int_pd_model_fits+"],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    runs = query(tiny_bank.db, "select variant, status, reason from marts.pd_model_runs")
    pit = runs[runs["variant"] == "point_in_time"].iloc[0]
    assert pit["status"] == "reused" and "score-only mode" in pit["reason"] and str(demo_warehouse.db) in pit["reason"]
    sources = query(tiny_bank.db, "select pd_source, count(*) as n from marts.enterprise_pd group by 1")
    assert set(sources["pd_source"]) <= {"reused_model", "in_default"}
    assert "reused_model" in set(sources["pd_source"])
    assert "PD FALLBACK" in built.stdout and "reused" in built.stdout
