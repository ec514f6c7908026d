"""The serving layer of the demo warehouse as BI users get it (reuses the demo_warehouse build):
published files without personal data, a reader that does not block the build, a failed build that
keeps the last publication, MetricFlow, the SQLAlchemy driver, and the serving contract in YAML."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from sme_credit import project
from sme_credit.modeling.scorecard import master_scale
from sme_credit.serving.publish import serving_paths

REPO = project.PROJECT_DIR
CLI = [sys.executable, "-m", "sme_credit.cli"]
ALLOWED_NAMES = {"industry_name", "column_name", "table_name"}  # not names of people or firms
# `sme-credit build ... -- <dbt args>`: until the issue-15 parser (split_dbt_args) lands, the optional
# src_dir positional swallows the first token after `--`, so it gets a sacrificial one.
SELECT_SERVING = (["--"] if hasattr(__import__("sme_credit.cli").cli, "split_dbt_args") else ["--", "--"]) \
    + ["--select", "path:models/serving"]
SERVING_YAML = sorted((REPO / "models" / "serving").rglob("_*.yml"))


def _publication_id(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select max_by(publication_id, published_at) from publication_log").fetchone()[0]


def _enterprise_names(raw: Path) -> set[str]:
    """Every enterprise name of the raw files, read independently of the warehouse."""
    frame = pd.read_parquet(raw / "enterprises.parquet") if (raw / "enterprises.parquet").exists() \
        else pd.read_csv(raw / "enterprises.csv", dtype=str)
    return {n.strip() for n in frame["enterprise_name"].dropna().astype(str) if n.strip()}


@pytest.fixture(scope="module")
def served(demo_warehouse):
    """Rebuild the serving layer while another process holds serving.duckdb open (read-write, the
    strongest lock a BI tool can take), then try a build that fails."""
    paths = serving_paths(demo_warehouse.db)
    with duckdb.connect(str(paths.db), read_only=True) as con:
        before = _publication_id(con)
    holder_code = textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(paths.db)!r})
        print(con.execute("select max_by(publication_id, published_at) from publication_log").fetchone()[0], flush=True)
        sys.stdin.readline()  # hold the file until told
        print(con.execute("select max_by(publication_id, published_at) from publication_log").fetchone()[0], flush=True)
    """)
    holder = subprocess.Popen([sys.executable, "-c", holder_code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        held = holder.stdout.readline().strip()
        rebuild = subprocess.run([*CLI, "build", "--raw-dir", str(demo_warehouse.raw), "--db", str(demo_warehouse.db),
                                  *SELECT_SERVING], capture_output=True, text=True)
        holder.stdin.write("\n")
        holder.stdin.flush()
        still_held = holder.stdout.readline().strip()
    finally:
        holder.communicate(timeout=60)
    with duckdb.connect(str(paths.db), read_only=True) as con:
        after = _publication_id(con)
    snapshot = (paths.db.read_bytes(), paths.parquet_dir.resolve())
    failed = subprocess.run([*CLI, "build", "--raw-dir", str(demo_warehouse.raw / "no_such_dir"), "--db",
                             str(demo_warehouse.db), *SELECT_SERVING],
                            capture_output=True, text=True)
    return dict(paths=paths, before=before, held=held, still_held=still_held, after=after, rebuild=rebuild,
                failed=failed, kept=snapshot == (paths.db.read_bytes(), paths.parquet_dir.resolve()))


def test_build_publishes_the_serving_layer(demo_warehouse) -> None:
    paths = serving_paths(demo_warehouse.db)
    assert "published 21 serving tables" in demo_warehouse.stdout or "published" in demo_warehouse.stdout
    with duckdb.connect(str(demo_warehouse.db), read_only=True) as build:
        built = dict(build.execute("select table_name, estimated_size from duckdb_tables() "
                                   "where schema_name = 'serving'").fetchall())
        counts = {t: build.execute(f"select count(*) from serving.{t}").fetchone()[0] for t in built}
    with duckdb.connect(str(paths.db), read_only=True) as con:
        published = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'").fetchall()}
        schemas = {s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
    assert published.pop("publication_log") > 0
    assert published == counts and schemas == {"main"}  # no raw, staging or marts schema
    parquet = {p.stem: duckdb.execute(f"select count(*) from '{p}'").fetchone()[0] for p in paths.parquet_dir.glob("*.parquet")}
    assert parquet.pop("publication_log") > 0 and parquet == counts


def test_no_personal_data_in_the_serving_files(demo_warehouse) -> None:
    paths = serving_paths(demo_warehouse.db)
    names = _enterprise_names(demo_warehouse.raw)
    assert len(names) > 100
    for file in paths.parquet_dir.glob("*.parquet"):
        frame = pd.read_parquet(file)
        assert not [c for c in frame.columns if c.endswith("name") and c not in ALLOWED_NAMES], file
        for column in frame.select_dtypes(include=["object", "string"]).columns:
            values = set(frame[column].dropna().astype(str).str.strip())
            assert not values & names, f"{file.name}.{column} holds an enterprise name"
    text = paths.db.read_bytes().decode("utf-8", errors="ignore")
    assert not [n for n in list(names)[:200] if n in text]
    with duckdb.connect(str(demo_warehouse.db), read_only=True) as build:  # the build warehouse: a digest only
        raw_columns = {c for (c,) in build.execute("select column_name from duckdb_columns() where schema_name = 'raw' "
                                                   "and table_name = 'enterprises'").fetchall()}
    assert "enterprise_name" not in raw_columns and "enterprise_name_sha256" in raw_columns


def test_a_reader_holding_the_file_does_not_block_the_build(served) -> None:
    assert served["rebuild"].returncode == 0, served["rebuild"].stdout[-3000:] + served["rebuild"].stderr[-3000:]
    assert "published" in served["rebuild"].stdout
    assert served["held"] == served["before"] == served["still_held"]  # the open file keeps its version
    assert served["after"] != served["before"]  # reopening shows the new publication


def test_a_failed_build_keeps_the_last_publication(served) -> None:
    assert served["failed"].returncode != 0
    assert served["kept"]


def test_mf_query_answers_a_metric(served, demo_warehouse, tmp_path: Path) -> None:
    out = tmp_path / "expected_loss.csv"
    env = {**project.dbt_env(demo_warehouse.raw, demo_warehouse.db), "DBT_TARGET": "serving",
           "SME_CREDIT_SERVING_DB": str(served["paths"].db)}
    mf = Path(sys.executable).with_name("mf")
    result = subprocess.run([str(mf), "query", "--metrics", "expected_loss,raroc", "--group-by", "allocation__tier",
                             "--order", "allocation__tier", "--csv", str(out)], cwd=REPO, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0 and out.exists(), result.stdout[-2000:] + result.stderr[-2000:]
    answer = pd.read_csv(out).set_index("allocation__tier")
    with duckdb.connect(str(served["paths"].db), read_only=True) as con:
        expected = con.execute("select tier, sum(expected_loss), sum(net_income) / nullif(sum(capital_years), 0) "
                               "from credit_allocation where scenario = 'base' group by tier").fetchall()
    for tier, loss, raroc in expected:
        assert answer.loc[tier, "expected_loss"] == pytest.approx(loss, rel=1e-9)
        assert pd.isna(raroc) or answer.loc[tier, "raroc"] == pytest.approx(raroc, rel=1e-9)


def test_the_sqlalchemy_driver_of_bi_tools_reads_the_file(demo_warehouse) -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    path = serving_paths(demo_warehouse.db).db
    engine = sqlalchemy.create_engine(f"duckdb:///{path}?access_mode=read_only")  # the README's string
    try:
        with engine.connect() as con:
            assert con.execute(sqlalchemy.text("select count(*) from enterprise_pd")).scalar() == 1000
            assert "portfolio_summary" in sqlalchemy.inspect(con).get_table_names()
    finally:
        engine.dispose()  # one process can't hold a file with two configurations


def test_master_scale_table_is_the_one_that_grades(demo_warehouse) -> None:
    with duckdb.connect(str(serving_paths(demo_warehouse.db).db), read_only=True) as con:
        table = con.sql("select * from master_scale order by grade").to_arrow_table().to_pandas()
        misgraded = con.execute("select count(*) from enterprise_pd as e join master_scale as m using (grade) "
                                "where not (e.pd >= m.pd_lower and (e.pd < m.pd_upper or m.grade = 10))").fetchone()[0]
    reference = master_scale().rename(columns={"label": "grade_label"})
    pd.testing.assert_frame_equal(table[reference.columns], reference, check_dtype=False, rtol=1e-12)
    assert misgraded == 0


def test_every_serving_column_is_contracted_and_classified() -> None:
    models = [m for f in SERVING_YAML for m in yaml.safe_load(f.read_text()).get("models", [])]
    assert len(models) >= 30
    for model in models:
        assert model["description"].startswith("Grain: one row per"), model["name"]
        for column in model["columns"]:
            where = f"{model['name']}.{column['name']}"
            assert column.get("data_type") and column.get("description"), where
            assert column["meta"]["sensitivity"] in ("public", "internal"), where
            if column["meta"].get("identifier"):
                assert column["name"].endswith("_id") and column["meta"]["sensitivity"] == "internal", where
    sql = {p.stem for p in (REPO / "models" / "serving").rglob("*.sql")}
    assert sql == {m["name"] for m in models}


@pytest.mark.skipif(os.name != "posix", reason="POSIX rename semantics")
def test_publication_keeps_a_few_parquet_versions(served) -> None:
    versions = [p for p in served["paths"].versions_dir.iterdir() if p.is_dir()]
    assert 1 <= len(versions) <= 3 and served["paths"].parquet_dir.resolve() in versions
    assert time.time() - served["paths"].db.stat().st_mtime < 3600
