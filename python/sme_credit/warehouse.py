"""Read-only helpers over the built warehouse file (summaries for the CLI and reports)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa


def connect_read_only(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only (several readers may share it; a writer must be alone)."""
    return duckdb.connect(str(db_path), read_only=True)


def frame_from_relation(relation: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """A DuckDB relation (what dbt.ref returns) as a pandas DataFrame, via Arrow (~17x faster than .df())."""
    table = relation.to_arrow_table()
    # HUGEINT sums arrive as decimal128 and would become Python Decimal objects.
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.float64()))
    return table.to_pandas()


def describe_warehouse(db_path: str | Path) -> str:
    """One line per table/view outside the raw schema: schema.name, kind and row count."""
    with connect_read_only(db_path) as con:
        objects = con.execute(
            """
            select table_schema, table_name, table_type
            from information_schema.tables
            where table_schema not in ('raw', 'information_schema', 'pg_catalog')
            order by table_schema, table_name
            """
        ).fetchall()
        lines = [f"Warehouse {Path(db_path).resolve()}", f"{'object':<48} {'kind':<6} {'rows':>12}"]
        for schema, name, kind in objects:
            rows = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            lines.append(f"{schema + '.' + name:<48} {'table' if kind == 'BASE TABLE' else 'view':<6} {rows:>12,}")
    lines.append("Query it: python -c \"import duckdb; print(duckdb.connect('%s', read_only=True)"
                 ".sql('from marts.enterprise_indicators limit 5'))\"" % Path(db_path))
    return "\n".join(lines)


def pd_fallback_summary(db_path: str | Path) -> str | None:
    """The end-of-build warning when PDs did not all come from models fitted by this build.

    None when every PD task the data allow was fitted and every enterprise PD is a model's (or
    1 for enterprises in default).
    """
    with connect_read_only(db_path) as con:
        built = con.execute("select count(*) from information_schema.tables where table_schema = 'marts' "
                            "and table_name in ('pd_model_runs', 'enterprise_pd')").fetchall()[0][0]
        if built < 2:  # a build that selected no PD marts has nothing to say
            return None
        runs = con.execute("select level, variant, status, reason from marts.pd_model_runs "
                           "where status <> 'fitted' order by level, variant").fetchall()
        sources = dict(con.execute("select pd_source, count(*) from marts.enterprise_pd group by 1").fetchall())
    fallback = {k: v for k, v in sources.items() if k not in ("model", "in_default")}
    not_fitted = [r for r in runs if r[2] == "reused" or (r[2] == "skipped" and "need" in (r[3] or ""))]
    if not fallback and not not_fitted:
        return None
    total = sum(sources.values())
    lines = ["!" * 100, "!! PD FALLBACK: not every PD of this build comes from a model fitted on this data."]
    lines += [f"!!   {level}/{variant} {status}: {reason}" for level, variant, status, reason in not_fitted]
    for source, label in (("reused_model", "the reused models of an earlier build (pd_model_runs)"),
                          ("rating_master_scale", "seeds/rating_pd_master_scale.csv per rating grade: an "
                           "ASSUMPTION until the bank supplies its own master scale"),
                          (None, "nowhere (no model and no master-scale row): pricing declines them")):
        if fallback.get(source):
            lines.append(f"!!   {fallback[source]:,} of {total:,} enterprise PDs from {label}")
    lines += ["!! More history (defaults) lets the models fit; `sme-credit build --models-from OLD.duckdb` scores "
              "with another warehouse's models.", "!" * 100]
    return "\n".join(lines)
