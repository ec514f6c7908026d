"""The bench's check of marts.enterprise_indicators against the floor / peer results fails loudly:
a differing value, a NULL on one side only, or a missing row is named (no dbt build needed)."""
from __future__ import annotations

import duckdb
import pytest

from sme_credit.benchmarks.compare import BenchMismatch, compare_with_mart

MART = """
create schema marts;
create table marts.enterprise_indicators as
select * from (values ('E1', date '2021-01-01', 100.0, 0.5, 3::bigint, true),
                      ('E2', date '2021-01-01', null, null, 0::bigint, true),
                      ('E1', date '2020-12-01', 90.0, 0.4, 2::bigint, false))
    as t(enterprise_id, as_of_date, net_sales, gross_margin, order_count, is_latest)
"""


@pytest.fixture()
def mart(tmp_path):
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(MART)
    return db


def write_result(tmp_path, rows: str):
    out = tmp_path / "ref.parquet"
    duckdb.execute(f"copy (select * from (values {rows}) as t(enterprise_id, as_of_date, net_sales, gross_margin, "
                   f"order_count)) to '{out}' (format parquet)")
    return out


def test_equal_within_tolerance_passes_and_names_what_was_compared(mart, tmp_path):
    ref = write_result(tmp_path, "('E1', date '2021-01-01', 100.00000001, 0.5, 3::hugeint), "
                                 "('E2', date '2021-01-01', null, null, 0::hugeint)")
    result = compare_with_mart(mart, ref, where="is_latest")
    assert result["columns"] == ["net_sales", "gross_margin", "order_count"]
    assert result["rows_compared"] == 2


def test_a_differing_value_a_one_sided_null_and_a_missing_row_are_each_named(mart, tmp_path):
    ref = write_result(tmp_path, "('E1', date '2021-01-01', 100.5, 0.5, 3), ('E1', date '2020-12-01', 90.0, null, 2)")
    with pytest.raises(BenchMismatch) as err:
        compare_with_mart(mart, ref)
    message = str(err.value)
    assert "rows: 1 mart rows missing from ref.parquet" in message
    assert "net_sales: 1 rows differ, e.g. E1 2021-01-01: mart 100.0, ref 100.5" in message
    assert "gross_margin: 1 rows differ" in message
    assert "order_count" not in message
