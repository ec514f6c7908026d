"""Personal-data checks of a publication: run on the tables about to be published, before they
are renamed into place, so a failure leaves the last good publication untouched.

1. Every column is classified (meta.sensitivity) and none is personal (contract.py).
2. No value of ``raw.enterprises.enterprise_name`` appears in any text column: whole values and,
   in free-text columns, every quoted fragment are compared (trimmed, as sha256 digests: the
   build warehouse's raw view exposes only ``enterprise_name_sha256`` when the personal column is
   withheld, and the comparison is the same either way).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from sme_credit.serving.contract import ServingTable, classification_problems

NAME_COLUMN = "enterprise_name"
NAME_DIGEST_COLUMN = "enterprise_name_sha256"
TEXT_TYPES = ("VARCHAR",)
# Fragments a free-text value may quote a raw value in: 'single', "double" quotes.
_FRAGMENTS = [r"'([^']+)'", r'"([^"]+)"']


class PersonalDataError(RuntimeError):
    """Publication refused: personal data would reach the serving layer."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def name_digests_sql(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    """SQL selecting one column `digest`: sha256 of every trimmed enterprise name of the raw data."""
    columns = {row[0] for row in con.execute(
        "select column_name from duckdb_columns() where database_name = ? and schema_name = 'raw' "
        "and table_name = 'enterprises'", [catalog]).fetchall()}
    source = f"{_quote(catalog)}.raw.enterprises"
    if NAME_COLUMN in columns:
        return (f"select distinct sha256(trim({NAME_COLUMN})) as digest from {source} "
                f"where nullif(trim({NAME_COLUMN}), '') is not null")
    if NAME_DIGEST_COLUMN in columns:
        return f"select distinct {NAME_DIGEST_COLUMN} as digest from {source} where {NAME_DIGEST_COLUMN} is not null"
    raise PersonalDataError(
        f"cannot prove that no enterprise name reaches the serving layer: {catalog}.raw.enterprises has "
        f"neither {NAME_COLUMN} nor {NAME_DIGEST_COLUMN} (build the warehouse with its raw files present)")


def text_columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    return [row[0] for row in con.execute(
        "select column_name from duckdb_columns() where database_name = ? and schema_name = ? and table_name = ? "
        "and data_type in (select unnest(?::varchar[])) order by column_index",
        [catalog, schema, table, list(TEXT_TYPES)]).fetchall()]


def names_found(con: duckdb.DuckDBPyConnection, digests_sql: str, catalog: str, schema: str,
                table: ServingTable) -> list[str]:
    """Text columns of one published table holding an enterprise name, as 'column (n values)'."""
    found = []
    relation = f"{_quote(catalog)}.{_quote(schema)}.{_quote(table.name)}"
    for name in text_columns(con, catalog, schema, table.name):
        column = table.column(name)
        values = f"select distinct {_quote(name)} as value from {relation} where {_quote(name)} is not null"
        candidates = [f"select value from ({values})"]
        if column is not None and column.free_text:
            candidates += [f"select unnest(regexp_extract_all(value, '{pattern.replace(chr(39), chr(39) * 2)}', 1)) "
                           f"from ({values})" for pattern in _FRAGMENTS]
        hits = con.execute(
            f"select count(*) from ({' union '.join(candidates)}) as candidate(text) "
            f"where sha256(trim(text)) in ({digests_sql})").fetchone()[0]
        if hits:
            found.append(f"{name} ({hits} value(s))")
    return found


def check_publication(con: duckdb.DuckDBPyConnection, tables: Iterable[ServingTable], catalog: str,
                      schema: str, digests_sql: str) -> None:
    """Raise PersonalDataError naming every offending table and column; return quietly otherwise."""
    tables = list(tables)
    problems = classification_problems(tables)
    for table in tables:
        physical = [row[0] for row in con.execute(
            "select column_name from duckdb_columns() where database_name = ? and schema_name = ? "
            "and table_name = ?", [catalog, schema, table.name]).fetchall()]
        unknown = [c for c in physical if table.column(c) is None]
        if unknown:
            problems.append(f"serving.{table.name}: column(s) {', '.join(unknown)} are not in the contract")
        problems += [f"serving.{table.name}.{hit}: an enterprise name of raw.enterprises"
                     for hit in names_found(con, digests_sql, catalog, schema, table)]
    if problems:
        raise PersonalDataError("publication refused, personal data would reach the serving layer:\n  - "
                                + "\n  - ".join(problems))
