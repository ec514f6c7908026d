"""Publish the serving layer after a green build: a DuckDB file and Parquet files BI tools read
without ever touching (or blocking) the build warehouse.

Layout beside the warehouse ``warehouse/sme_credit.duckdb`` (another warehouse ``<stem>.duckdb``
gets ``<stem>_serving…``):

- ``serving.duckdb``: every serving table, with its table and column comments, in the default
  schema (``select * from enterprise_pd``), written in storage version v1.2.0 so DuckDB 1.2 and
  newer clients (and duckdb_engine) open it. Schema ``serving`` repeats each table as a view, so
  that SQL written against the build warehouse (``sme_credit.serving.<table>``) and MetricFlow's
  ``serving`` target (the file attached under the warehouse's catalog name) run unchanged;
- ``serving/<table>.parquet``: the same tables; ``serving`` is a symbolic link to
  ``.serving_versions/<publication_id>/``, swapped in one rename, so a reader of several files
  sees one publication;
- ``serving_publication_log.jsonl``: append-only, one line per table and publication (what, when,
  rows, columns, sha256 of the Parquet file, whether ids were pseudonymised); also published as
  the table ``serving.publication_log``.

Atomicity: everything is written under temporary names and renamed into place only after the
personal-data checks passed. A reader holding the old file keeps reading the old version (POSIX
rename never touches an open file) and sees the new one when it reopens; a failed build or a
refused publication leaves the last publication as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sme_credit.serving import checks, pseudonymise
from sme_credit.serving.contract import ServingTable, load_manifest, serving_tables

SCHEMA = "serving"  # of the serving models in the build warehouse, and of the views in the file
FILE_SCHEMA = "main"  # of the tables in serving.duckdb (a schema named like the file's catalog is ambiguous)
STORAGE_VERSION = "v1.2.0"
KEEP_VERSIONS = 3
LOG_TABLE = "publication_log"
WITHHELD = "[withheld: quotes an identifier]"
_FROM_ENV = object()


class PublicationError(RuntimeError):
    """The serving layer could not be published (the last publication is kept)."""


@dataclass(frozen=True)
class ServingPaths:
    db: Path
    parquet_dir: Path  # a symbolic link to versions_dir / <publication_id>
    versions_dir: Path
    log: Path


def serving_paths(warehouse_db: str | Path) -> ServingPaths:
    """Where the publication of a warehouse file goes (beside it)."""
    warehouse_db = Path(warehouse_db).resolve()
    stem = "serving" if warehouse_db.stem == "sme_credit" else f"{warehouse_db.stem}_serving"
    folder = warehouse_db.parent
    return ServingPaths(db=folder / f"{stem}.duckdb", parquet_dir=folder / stem,
                        versions_dir=folder / f".{stem}_versions", log=folder / f"{stem}_publication_log.jsonl")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _new_publication() -> tuple[str, dt.datetime]:
    published_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return f"{published_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}", published_at


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_table(con: duckdb.DuckDBPyConnection, source: str, table: ServingTable, key: bytes | None) -> None:
    """Create pub.serving.<table> with the build's types and NOT NULLs, fill it in a stable order."""
    columns = con.execute(
        "select column_name, data_type, is_nullable from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? order by column_index", [source, SCHEMA, table.name]).fetchall()
    if not columns:
        raise PublicationError(f"serving.{table.name} is in the contract but not in the warehouse: rebuild it")
    ddl = ", ".join(f"{_quote(n)} {t}{'' if nullable else ' not null'}" for n, t, nullable in columns)
    target = f"pub.{FILE_SCHEMA}.{_quote(table.name)}"
    con.execute(f"create table {target} ({ddl})")
    con.execute(f"create view pub.{SCHEMA}.{_quote(table.name)} as select * from {FILE_SCHEMA}.{_quote(table.name)}")
    selects = []
    for name, _, _ in columns:
        contract = table.column(name)
        if key is not None and contract is not None and contract.identifier:
            selects.append(f"{pseudonymise.pseudonym_sql(_quote(name))} as {_quote(name)}")
        else:
            selects.append(_quote(name))
    uses_key = key is not None and any("$ipad" in select for select in selects)
    params = dict(zip(("ipad", "opad"), pseudonymise.key_pads(key))) if uses_key else {}
    con.execute(f"insert into {target} select {', '.join(selects)} from {_quote(source)}.{SCHEMA}.{_quote(table.name)} "
                "order by all", params)
    if table.description:
        con.execute(f"comment on table {target} is {_literal(table.description.strip())}")
    for column in table.columns:
        if column.description and any(column.name == n for n, _, _ in columns):
            con.execute(f"comment on column {target}.{_quote(column.name)} is {_literal(column.description)}")


def _withhold_quoted_identifiers(con: duckdb.DuckDBPyConnection, source: str, tables: list[ServingTable]) -> None:
    """Pseudonymised publication: free text that quotes a raw id (e.g. a GX sample) is withheld."""
    ids = [f"select distinct {_quote(c.name)} as id from {_quote(source)}.{SCHEMA}.{_quote(t.name)}"
           for t in tables for c in t.columns if c.identifier]
    if not ids:
        return
    con.execute(f"create temp table raw_identifiers as select distinct id from ({' union '.join(ids)}) where id is not null")
    for table in tables:
        for column in (c for c in table.columns if c.free_text):
            con.execute(f"update pub.{FILE_SCHEMA}.{_quote(table.name)} set {_quote(column.name)} = {_literal(WITHHELD)} "
                        f"where exists (select 1 from raw_identifiers where contains({_quote(column.name)}, id))")


def _write_log_table(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], parquet: Path) -> None:
    con.execute(f"""create table pub.{FILE_SCHEMA}.{LOG_TABLE} (
        publication_id varchar not null, published_at timestamp not null, table_name varchar not null,
        row_count bigint not null, column_count integer not null, fingerprint varchar not null,
        pseudonymised boolean not null, source_warehouse varchar not null)""")
    con.executemany(f"insert into pub.{FILE_SCHEMA}.{LOG_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [[r["publication_id"], r["published_at"], r["table_name"], r["row_count"], r["column_count"],
                      r["fingerprint"], r["pseudonymised"], r["source_warehouse"]] for r in rows])
    con.execute(f"create view pub.{SCHEMA}.{LOG_TABLE} as select * from {FILE_SCHEMA}.{LOG_TABLE}")
    con.execute(f"comment on table pub.{FILE_SCHEMA}.{LOG_TABLE} is "
                "'Grain: one row per publication and table. Append-only log of what was published, when, "
                "how many rows, and the sha256 of the table''s Parquet file.'")
    con.execute(f"copy (from pub.{FILE_SCHEMA}.{LOG_TABLE} order by published_at, table_name) to {_literal(parquet)} "
                "(format parquet, compression zstd)")


def _swap_parquet_link(paths: ServingPaths, version_dir: Path, publication_id: str) -> None:
    link = paths.parquet_dir
    if link.exists() and not link.is_symlink():  # a plain folder from an older layout
        link.rename(paths.versions_dir / f"legacy-{publication_id}")
    tmp_link = link.with_name(f".{link.name}.{publication_id}.link")
    os.symlink(os.path.relpath(version_dir, link.parent), tmp_link)
    os.replace(tmp_link, link)


def _prune_versions(paths: ServingPaths, current: Path, keep: int) -> None:
    versions = sorted(p for p in paths.versions_dir.iterdir() if p.is_dir() and p != current)
    for old in versions[: max(0, len(versions) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)  # an open file in it stays readable until closed


def publish(warehouse_db: str | Path, manifest: dict | None = None, key: Any = _FROM_ENV,
            keep_versions: int = KEEP_VERSIONS) -> dict[str, Any]:
    """Publish the serving tables of a built warehouse; returns what was published.

    key: pseudonymisation key (bytes), None for none; default: $SME_CREDIT_PSEUDONYM_KEY.
    Raises PublicationError / checks.PersonalDataError, leaving the previous publication in place.
    """
    from sme_credit.project import PROJECT_DIR

    warehouse_db = Path(warehouse_db).resolve()
    key = pseudonymise.key_from_env() if key is _FROM_ENV else key
    tables = serving_tables(manifest if manifest is not None else load_manifest(PROJECT_DIR / "target"))
    if not tables:
        raise PublicationError("the dbt manifest lists no serving model (models/serving)")
    paths = serving_paths(warehouse_db)
    paths.versions_dir.mkdir(parents=True, exist_ok=True)
    publication_id, published_at = _new_publication()
    tmp_db = paths.db.with_name(f".{paths.db.name}.{publication_id}.tmp")
    tmp_dir = paths.versions_dir / f"{publication_id}.tmp"
    tmp_dir.mkdir()
    source = warehouse_db.stem
    try:
        with duckdb.connect() as con:
            con.execute(f"attach {_literal(warehouse_db)} as {_quote(source)} (read_only)")
            con.execute(f"attach {_literal(tmp_db)} as pub (storage_version '{STORAGE_VERSION}')")
            con.execute(f"create schema pub.{SCHEMA}")
            for table in tables:
                _copy_table(con, source, table, key)
            if key is not None:
                _withhold_quoted_identifiers(con, source, tables)
            checks.check_publication(con, tables, "pub", FILE_SCHEMA, checks.name_digests_sql(con, source))
            rows = []
            for table in tables:
                parquet = tmp_dir / f"{table.name}.parquet"
                con.execute(f"copy (from pub.{FILE_SCHEMA}.{_quote(table.name)}) to {_literal(parquet)} "
                            "(format parquet, compression zstd)")
                count, n_columns = con.execute(
                    f"select count(*), (select count(*) from duckdb_columns() where database_name = 'pub' "
                    f"and schema_name = '{FILE_SCHEMA}' and table_name = ?) from pub.{FILE_SCHEMA}.{_quote(table.name)}",
                    [table.name]).fetchone()
                rows.append({"publication_id": publication_id, "published_at": published_at.isoformat(),
                             "table_name": table.name, "row_count": int(count), "column_count": int(n_columns),
                             "fingerprint": _sha256_file(parquet), "pseudonymised": key is not None,
                             "source_warehouse": warehouse_db.name})
            _write_log_table(con, read_log(paths.log) + rows, tmp_dir / f"{LOG_TABLE}.parquet")
            con.execute("detach pub")
    except BaseException:
        tmp_db.unlink(missing_ok=True)
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    version_dir = paths.versions_dir / publication_id
    tmp_dir.rename(version_dir)
    os.replace(tmp_db, paths.db)
    _swap_parquet_link(paths, version_dir, publication_id)
    with paths.log.open("a") as log:
        log.writelines(json.dumps(row) + "\n" for row in rows)
    _prune_versions(paths, version_dir, keep_versions)
    return {"publication_id": publication_id, "db": paths.db, "parquet_dir": paths.parquet_dir,
            "tables": {r["table_name"]: r["row_count"] for r in rows}, "pseudonymised": key is not None}


def serving_models_built(target_dir: Path, manifest: dict) -> bool:
    """Whether the last dbt invocation (run_results.json) built every serving model successfully."""
    path = Path(target_dir) / "run_results.json"
    if not path.exists():
        return False
    status = {r["unique_id"]: r["status"] for r in json.loads(path.read_text())["results"]}
    wanted = [f"model.{n['package_name']}.{n['name']}" for n in manifest["nodes"].values()
              if n.get("resource_type") == "model" and n.get("fqn", [None, None])[1] == "serving"]
    return bool(wanted) and all(status.get(uid) == "success" for uid in wanted)


def publish_after_build(warehouse_db: str | Path, progress=print) -> int:
    """What `sme-credit build` runs after a green dbt build; returns the exit code."""
    from sme_credit.project import PROJECT_DIR

    target = PROJECT_DIR / "target"
    try:
        manifest = load_manifest(target)
        if not serving_models_built(target, manifest):
            progress("serving layer not (fully) rebuilt by this build: the last publication is kept")
            return 0
        result = publish(warehouse_db, manifest=manifest)
    except (PublicationError, checks.PersonalDataError, ValueError, duckdb.Error) as exc:
        progress(f"serving layer NOT published (the last publication is kept): {exc}")
        return 1
    progress(f"published {len(result['tables'])} serving tables to {result['db']} and {result['parquet_dir']}/ "
             f"(publication {result['publication_id']}{', ids pseudonymised' if result['pseudonymised'] else ''})")
    return 0
