"""Point in time: nothing dated on or after a row's as-of date reaches its features, and the
forward label matches an independent computation from the raw files."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import build_warehouse, query
from sme_credit.generate import generate

pytestmark = pytest.mark.integration

CUTOFF = pd.Timestamp("2019-07-01")
LABELS = ["label_status", "default_next_12m"]


@pytest.fixture(scope="module")
def small_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("pit") / "raw"
    generate(raw, n_enterprises=160, seed=11, n_invoices=160 * 500)
    return raw


def _perturbed_copy(raw: Path, out: Path) -> Path:
    """The same raw files with everything dated on or after CUTOFF changed."""
    shutil.copytree(raw, out)
    con = duckdb.connect()
    cut = f"date '{CUTOFF.date()}'"
    shutil.rmtree(out / "invoices")
    con.execute(f"""copy (
        select * replace (
            case when issue_date >= {cut} then amount * 3 else amount end as amount,
            case when issue_date >= {cut} then tax * 3 else tax end as tax,
            case when issue_date >= {cut} then total * 3 else total end as total,
            case when issue_date >= {cut} and issue_date < date '2021-06-01' and hash(invoice_number) % 4 = 0
                 then 'void' else status end as status)
        from read_parquet('{raw}/invoices/*.parquet')) to '{out}/invoices.parquet' (format parquet)""")
    # statements filed after the cutoff: fiscal year 2019 is filed in 2020 (4-month lag)
    con.execute(f"""copy (select * replace (case when fiscal_year >= 2019 then net_profit * -5 else net_profit end as net_profit,
                                          case when fiscal_year >= 2019 then operating_revenue * 2 else operating_revenue end as operating_revenue)
                 from read_parquet('{raw}/financial_statements.parquet')) to '{out}/financial_statements.parquet' (format parquet)""")
    con.execute(f"""copy (select * replace (case when month >= {cut} then 150 else days_past_due end as days_past_due)
                 from read_parquet('{raw}/loan_performance.parquet')) to '{out}/loan_performance.parquet' (format parquet)""")
    con.execute(f"""copy (
        select * replace (case when default_date >= {cut} then default_date + 3 else default_date end as default_date)
        from read_parquet('{raw}/default_events.parquet')
        union all
        select enterprise_id, {cut} + 10, 'bankruptcy', 'test' from read_parquet('{raw}/enterprises.parquet')
        where not coalesce(has_defaulted, true)
    ) to '{out}/default_events.parquet' (format parquet)""")
    return out


def test_nothing_dated_on_or_after_the_as_of_date_changes_a_feature(small_raw, tmp_path):
    perturbed = _perturbed_copy(small_raw, tmp_path / "perturbed")
    frames = []
    for raw, name in ((small_raw, "base"), (perturbed, "perturbed")):
        db = tmp_path / f"{name}.duckdb"
        build_warehouse(raw, db, "run", "--select", "+enterprise_indicators")
        frames.append(query(db, f"select * from marts.enterprise_indicators where as_of_date <= date '{CUTOFF.date()}'"
                                " order by enterprise_id, as_of_date"))
    base, changed = frames
    assert len(base) == len(changed) > 0
    # the perturbation did reach the data: later rows and the labels differ
    assert not base[LABELS].equals(changed[LABELS])
    features = [c for c in base.columns if c not in LABELS]
    # sums of the same invoices may differ in the last bits (DuckDB's parallel summation order over
    # differently split files), so floats compare to 1e-12 relative; everything else exactly
    pd.testing.assert_frame_equal(base[features], changed[features], check_exact=False, rtol=1e-12, atol=0)


def test_forward_label_matches_the_raw_files(small_raw, tmp_path):
    db = tmp_path / "labels.duckdb"
    build_warehouse(small_raw, db, "run", "--select", "+enterprise_indicators")
    mart = query(db, "select enterprise_id, as_of_date, is_in_default, is_label_window_closed, default_next_12m, "
                     "label_status from marts.enterprise_indicators")
    con = duckdb.connect()
    first = con.sql(f"""
        with dpd as (
            select l.enterprise_id, min(date_trunc('month', p.month)) as d
            from read_parquet('{small_raw}/loan_performance.parquet') p
            join read_parquet('{small_raw}/loans.parquet') l using (loan_id)
            where p.days_past_due >= 90 group by 1),
        ev as (select enterprise_id, min(default_date) as d from read_parquet('{small_raw}/default_events.parquet') group by 1)
        select e.enterprise_id, e.has_defaulted, least(dpd.d, ev.d) as first_default
        from read_parquet('{small_raw}/enterprises.parquet') e
        left join dpd using (enterprise_id) left join ev using (enterprise_id)""").df()
    df = mart.merge(first, on="enterprise_id", validate="many_to_one")
    a = pd.to_datetime(df["as_of_date"])
    d = pd.to_datetime(df["first_default"])
    final = a.max()
    observed = df["has_defaulted"].notna()
    expected = pd.Series(np.nan, index=df.index)
    in_window = (d >= a) & (d < a + pd.DateOffset(months=12))
    expected[observed & in_window] = 1.0
    survived = observed & ~(d < a + pd.DateOffset(months=12)) & (a + pd.DateOffset(months=12) <= final)
    expected[survived & ~(df["has_defaulted"].astype("boolean").fillna(False) & d.isna())] = 0.0
    assert ((d < a).fillna(False) == df["is_in_default"]).all()
    got = pd.to_numeric(df["default_next_12m"]).astype(float)
    np.testing.assert_array_equal(got.where(~df["is_in_default"]).to_numpy(), expected.where(~df["is_in_default"]).to_numpy())
    # closed windows with a label are the only training rows: both classes occur
    closed = df[df["is_label_window_closed"] & df["default_next_12m"].notna()]
    assert closed["default_next_12m"].nunique() == 2
