"""Check a bench result (the floor's or the peer's Parquet) against marts.enterprise_indicators."""
from __future__ import annotations

from pathlib import Path

import duckdb

KEYS = ("enterprise_id", "as_of_date")
# relative tolerance: the sums run in another order (DuckDB's parallel sums are not ordered either)
RELATIVE_TOLERANCE = 1e-6


class BenchMismatch(AssertionError):
    """The mart and a reference computation disagree: the bench fails loudly."""


def compare_with_mart(db_path: Path, result: Path, where: str = "true") -> dict:
    """Every column of `result` (besides the keys) against the mart's column of that name, on the
    mart rows selected by `where`: same rows, same NULLs, values within RELATIVE_TOLERANCE.
    Returns the columns compared and the rows; raises BenchMismatch naming each differing column."""
    con = duckdb.connect(str(db_path), read_only=True)
    con.execute(f"create temp view ref as select * from read_parquet('{Path(result).resolve()}')")
    con.execute(f"create temp view mart as select * from marts.enterprise_indicators where {where}")
    columns = [c for c in [d[0] for d in con.execute("select * from ref limit 0").description] if c not in KEYS]
    rows = con.execute(
        "select count(*) filter (where mart.enterprise_id is null), count(*) filter (where ref.enterprise_id is null), "
        "count(*) from mart full join ref using (enterprise_id, as_of_date)").fetchone()
    problems = []
    if rows[0] or rows[1]:
        problems.append(f"rows: {rows[1]} mart rows missing from {result.name}, {rows[0]} extra rows in it")
    for col in columns:
        m, r = f"mart.{col}", f"ref.{col}"
        if con.execute(f"select typeof({m}) from mart limit 1").fetchone()[0] in ("DATE", "VARCHAR", "BOOLEAN"):
            differs = f"{m} is distinct from {r}"
        else:
            m, r = f"cast({m} as double)", f"cast({r} as double)"
            differs = (f"({m} is null) <> ({r} is null) or abs({m} - {r}) > "
                       f"{RELATIVE_TOLERANCE} * greatest(1, abs({m}), abs({r}))")
        n, example = con.execute(
            f"select count(*), any_value(enterprise_id || ' ' || as_of_date || ': mart ' || coalesce({m}::varchar, 'NULL')"
            f" || ', ref ' || coalesce({r}::varchar, 'NULL')) from mart join ref using (enterprise_id, as_of_date) "
            f"where {differs}").fetchone()
        if n:
            problems.append(f"{col}: {n} rows differ, e.g. {example}")
    if problems:
        raise BenchMismatch(f"{result.name} differs from marts.enterprise_indicators:\n  " + "\n  ".join(problems))
    return {"columns_compared": len(columns), "rows_compared": rows[2], "columns": columns}
