"""Publication of the serving layer on a small hand-made warehouse (no dbt): atomic swap, the log,
the personal-data checks and the keyed pseudonymisation (sme_credit.serving)."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import duckdb
import pytest

from sme_credit.serving import checks, publish, pseudonymise
from sme_credit.serving.contract import classification_problems, serving_tables

KEY = b"a-test-key-of-at-least-16-chars"


def _column(name, sensitivity="internal", **meta):
    return {"name": name, "description": f"{name} doc", "meta": {"sensitivity": sensitivity, **meta}}


def _manifest(extra_columns: dict[str, list[dict]] | None = None) -> dict:
    tables = {
        "srv_enterprise_pd": [_column("enterprise_id", identifier="enterprise"), _column("pd"),
                              _column("industry", "public")],
        "srv_dq_validation_results": [_column("run_id", "public"), _column("observed_value", free_text=True)],
    }
    for name, columns in (extra_columns or {}).items():
        tables.setdefault(name, []).extend(columns)
    return {"nodes": {f"model.sme_credit.{model}": {
        "resource_type": "model", "name": model, "package_name": "sme_credit", "alias": model[4:],
        "schema": "serving", "fqn": ["sme_credit", "serving", model], "description": f"Grain: {model}.",
        "config": {"meta": {"grain": "x"}}, "columns": {c["name"]: c for c in columns}}
        for model, columns in tables.items()}}


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "bank.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema raw; create schema serving")
        con.execute("create table raw.enterprises as select * from (values ('E1', ' 甲公司 '), ('E2', '乙商行')) "
                    "t(enterprise_id, enterprise_name)")
        con.execute("create table serving.enterprise_pd (enterprise_id varchar not null, pd double, industry varchar)")
        con.execute("insert into serving.enterprise_pd values ('E2', 0.2, 'retail'), ('E1', 0.01, 'it')")
        con.execute("create table serving.dq_validation_results as select * from (values "
                    "('r1', 'unexpected values (sample): [\"E1\"]'), ('r1', '0.5')) t(run_id, observed_value)")
    return db


def test_publish_writes_both_forms_atomically_and_logs(warehouse: Path) -> None:
    first = publish.publish(warehouse, manifest=_manifest(), key=None)
    paths = publish.serving_paths(warehouse)
    assert paths.db.name == "bank_serving.duckdb" and paths.parquet_dir.is_symlink()
    with duckdb.connect(str(paths.db), read_only=True) as reader:
        assert reader.execute("select enterprise_id from enterprise_pd").fetchall() == [("E1",), ("E2",)]  # ordered
        assert reader.execute("select count(*) from bank_serving.serving.enterprise_pd").fetchone()[0] == 2
        comment = reader.execute("select comment from duckdb_columns() where table_name = 'enterprise_pd' "
                             "and column_name = 'pd' and schema_name = 'main'").fetchone()[0]
        assert comment == "pd doc"
        assert reader.execute("select sql from duckdb_tables() where table_name = 'enterprise_pd'").fetchone()[0] \
            .count("NOT NULL") == 1
        # a reader holding the file open keeps its version while the next publication is renamed in
        second = publish.publish(warehouse, manifest=_manifest(), key=None)
        assert reader.execute("select count(distinct publication_id) from publication_log").fetchone()[0] == 1
    with duckdb.connect(str(paths.db), read_only=True) as reopened:
        log = reopened.execute("select publication_id, table_name, row_count from publication_log "
                           "order by published_at, table_name").fetchall()
    assert {row[0] for row in log} == {first["publication_id"], second["publication_id"]}
    assert ("enterprise_pd", 2) in {(t, n) for _, t, n in log}
    lines = [json.loads(line) for line in paths.log.read_text().splitlines()]
    assert len(lines) == 4 and {line["fingerprint"] for line in lines if line["table_name"] == "enterprise_pd"} \
        .__len__() == 1  # same data, same Parquet bytes
    assert duckdb.execute(f"select count(*) from '{paths.parquet_dir}/enterprise_pd.parquet'").fetchone()[0] == 2


def test_a_refused_publication_keeps_the_last_one(warehouse: Path) -> None:
    publish.publish(warehouse, manifest=_manifest(), key=None)
    paths = publish.serving_paths(warehouse)
    before = (paths.db.read_bytes(), paths.parquet_dir.resolve())
    with duckdb.connect(str(warehouse)) as con:  # a model copies a name into the serving layer
        con.execute("alter table serving.enterprise_pd add column label varchar")
        con.execute("update serving.enterprise_pd set label = '乙商行' where enterprise_id = 'E2'")
    with pytest.raises(checks.PersonalDataError, match=r"enterprise_pd\.label.*enterprise name"):
        publish.publish(warehouse, manifest=_manifest({"srv_enterprise_pd": [_column("label")]}), key=None)
    with pytest.raises(checks.PersonalDataError, match="classified personal"):
        publish.publish(warehouse, manifest=_manifest({"srv_enterprise_pd": [_column("label", "personal")]}), key=None)
    with pytest.raises(checks.PersonalDataError, match="not in the contract"):
        publish.publish(warehouse, manifest=_manifest(), key=None)
    assert (paths.db.read_bytes(), paths.parquet_dir.resolve()) == before
    assert not list(paths.db.parent.glob(".*.tmp")) and not list(paths.versions_dir.glob("*.tmp"))


def test_names_are_found_when_trimmed_or_quoted_in_free_text(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into serving.dq_validation_results values ('r2', 'sample: [''甲公司'']')")
    with pytest.raises(checks.PersonalDataError, match="observed_value"):
        publish.publish(warehouse, manifest=_manifest(), key=None)


def test_pseudonymisation_is_the_keyed_hmac_everywhere(warehouse: Path) -> None:
    publish.publish(warehouse, manifest=_manifest(), key=KEY)
    paths = publish.serving_paths(warehouse)
    with duckdb.connect(str(paths.db), read_only=True) as reader:
        ids = dict(reader.execute("select pd, enterprise_id from enterprise_pd").fetchall())
        observed = reader.execute("select observed_value from dq_validation_results order by all").fetchall()
        assert reader.execute("select bool_and(pseudonymised) from publication_log").fetchone()[0]
        stored = "\n".join(str(row) for row in reader.execute("select * from duckdb_settings()").fetchall())
    assert ids == {0.01: pseudonymise.hmac_pseudonym(KEY, "E1"), 0.2: pseudonymise.hmac_pseudonym(KEY, "E2")}
    assert ids[0.01] == "p" + __import__("hmac").new(KEY, b"E1", "sha256").hexdigest()[:24]
    assert (publish.WITHHELD,) in observed and ("0.5",) in observed  # the sample quoted raw id E1
    assert KEY.decode() not in paths.db.read_bytes().decode("latin-1") + stored
    parquet = duckdb.execute(f"select enterprise_id from '{paths.parquet_dir}/enterprise_pd.parquet' order by 1").fetchall()
    assert sorted(ids.values()) == [row[0] for row in parquet]


def test_key_from_env_rejects_a_short_key() -> None:
    assert pseudonymise.key_from_env({}) is None
    assert pseudonymise.key_from_env({pseudonymise.KEY_ENV: "x" * 16}) == b"x" * 16
    with pytest.raises(ValueError, match="16 characters"):
        pseudonymise.key_from_env({pseudonymise.KEY_ENV: "short"})
    long_key = b"k" * 100  # longer than a SHA-256 block: hashed first, as RFC 2104 says
    with duckdb.connect() as con:
        ipad, opad = pseudonymise.key_pads(long_key)
        got = con.execute(f"select {pseudonymise.pseudonym_sql(chr(39) + 'E9' + chr(39))}",
                          {"ipad": ipad, "opad": opad}).fetchone()[0]
    assert got == pseudonymise.hmac_pseudonym(long_key, "E9")


def test_classification_problems_name_the_column() -> None:
    tables = serving_tables(_manifest({"srv_enterprise_pd": [{"name": "x", "meta": {}}, _column("y", "secret")]}))
    problems = "\n".join(classification_problems(tables))
    assert "serving.enterprise_pd.x: no meta.sensitivity" in problems and "'secret' is not one of" in problems


def _storage_version(path: Path) -> int:
    """The storage version number in a DuckDB file's main header ("DUCK" then a little-endian u64)."""
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    return struct.unpack("<Q", header[12:20])[0]


def test_the_file_is_in_the_format_duckdb_1_2_reads(warehouse: Path, tmp_path: Path) -> None:
    publish.publish(warehouse, manifest=_manifest(), key=None)
    with duckdb.connect() as con:  # reference files: the 1.2 format, and this DuckDB's default
        con.execute(f"attach '{tmp_path / 'v12.duckdb'}' as v12 (storage_version 'v1.2.0'); create table v12.t (x int)")
        con.execute(f"attach '{tmp_path / 'default.duckdb'}' as d; create table d.t (x int); detach v12; detach d")
    version = _storage_version(publish.serving_paths(warehouse).db)
    assert version == _storage_version(tmp_path / "v12.duckdb") != _storage_version(tmp_path / "default.duckdb")
