"""Every rule of seeds/early_warning_rules.csv on a hand-made panel: the compiled SQL of
marts.early_warning_signals fires at its threshold and not just on the safe side of it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sme_credit import project

RULES = pd.read_csv(project.PROJECT_DIR / "seeds" / "early_warning_rules.csv")
STEP = 1e-6


@pytest.fixture(scope="module")
def compiled_signals(tmp_path_factory) -> str:
    """The model's SQL as dbt compiles it (the seed and the indicators as plain tables)."""
    tmp = tmp_path_factory.mktemp("rules")
    target = tmp / "target"
    env = project.dbt_env(tmp / "raw", tmp / "w.duckdb")
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run([str(dbt), "compile", "--select", "early_warning_signals", "--target-path", str(target),
                    "--project-dir", str(project.PROJECT_DIR), "--quiet"], cwd=project.PROJECT_DIR, env=env,
                   check=True)
    sql = next(target.rglob("early_warning_signals.sql")).read_text()
    for name in ("int_early_warning_indicators", "early_warning_rules"):
        sql = sql.replace(f'"w"."intermediate"."{name}"', name).replace(f'"w"."reference"."{name}"', name)
    return sql


def _panel(rule: pd.Series, value: float) -> pd.DataFrame:
    """One enterprise-month where only the rule's indicator is set."""
    columns = set(RULES["indicator"])
    row = {c: None for c in columns}
    row.update(enterprise_id="E1", as_of_date=pd.Timestamp("2020-06-01"), is_in_default=False)
    row[rule["indicator"]] = value
    return pd.DataFrame([row]).astype({c: "float64" for c in columns})


def _fired(sql: str, panel: pd.DataFrame) -> set[str]:
    con = duckdb.connect()
    con.register("indicators_frame", panel)
    con.execute("create table int_early_warning_indicators as select * from indicators_frame")
    con.register("rules_frame", RULES)
    con.execute("create table early_warning_rules as select * from rules_frame")
    return set(con.sql(sql).df()["signal_id"])


@pytest.mark.parametrize("signal_id", RULES["signal_id"].tolist())
def test_rule_fires_at_its_threshold_and_not_before(compiled_signals, signal_id):
    rule = RULES.set_index("signal_id").loc[signal_id].copy()
    rule["indicator"] = RULES.set_index("signal_id").loc[signal_id, "indicator"]
    threshold = float(rule["threshold"])
    safe = threshold - STEP if rule["comparison"].startswith(">") else threshold + STEP
    assert signal_id in _fired(compiled_signals, _panel(rule, threshold))
    assert signal_id not in _fired(compiled_signals, _panel(rule, safe))


def test_enterprises_in_default_are_not_monitored(compiled_signals):
    rule = RULES.iloc[0]
    panel = _panel(rule, float(rule["threshold"])).assign(is_in_default=True)
    assert _fired(compiled_signals, panel) == set()
