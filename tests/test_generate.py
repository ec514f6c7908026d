"""The synthetic data generator: contract, determinism, chunking, calibration and the oracle."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sme_credit.generate import generate
from sme_credit.generate.config import INDUSTRIES_CSV, read_industry_codes
from sme_credit.generate.schema import CONTRACT_TYPES

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "models" / "staging" / "_sources.yml"
TABLES = ("enterprises", "loans", "loan_performance", "financial_statements", "invoices")
SMALL = {"n_enterprises": 120, "n_invoices": 40_000}


def _contract() -> dict[str, dict[str, str]]:
    src = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))["sources"][0]
    return {t["name"]: {c["name"]: c["data_type"] for c in t["columns"]} for t in src["tables"]}


def _files(out: Path, table: str) -> list[Path]:
    return sorted((out / table).glob("part-*.parquet")) if table == "invoices" else [out / f"{table}.parquet"]


def _read(out: Path, table: str) -> pa.Table:
    return pa.concat_tables([pq.read_table(p) for p in _files(out, table)])


def _content_hash(table: pa.Table) -> str:
    """Hash of the table's values in row order (independent of file layout)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    """First row of a query (DuckDB 2 relations keep no result, so fetch it whole)."""
    return con.sql(sql).fetchall()[0]


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    from scipy.stats import rankdata

    y = np.asarray(y, bool)
    ranks = rankdata(score)
    n1, n0 = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("gen_small")
    return out, generate(out, seed=11, **SMALL)


@pytest.fixture(scope="module")
def moderate(tmp_path_factory) -> tuple[Path, duckdb.DuckDBPyConnection]:
    """3,000 enterprises (few invoices each) for rates and bands."""
    out = tmp_path_factory.mktemp("gen_moderate")
    generate(out, n_enterprises=3000, seed=5, n_invoices=300_000)
    con = duckdb.connect()
    for name in ("enterprises", "loans", "loan_performance", "financial_statements"):
        con.sql(f"create view {name} as select * from '{out / name}.parquet'")
    con.sql(f"create view invoices as select * from '{out}/invoices/*.parquet'")
    con.sql(f"create view o_ent as select * from '{out}/oracle/enterprises.parquet'")
    con.sql(f"create view o_loans as select * from '{out}/oracle/loans.parquet'")
    con.sql(f"create view default_events as select * from '{out}/default_events.parquet'")
    con.sql(f"create view o_months as select * from '{out}/oracle/enterprise_months.parquet'")
    return out, con


def test_every_contract_column_with_its_type(small):
    out, _ = small
    for table, columns in _contract().items():
        for path in _files(out, table):
            schema = pq.read_schema(path)
            assert schema.names == list(columns), f"{path.name}: columns differ from the contract"
            for name, data_type in columns.items():
                assert schema.field(name).type == CONTRACT_TYPES[data_type], f"{table}.{name}"


def test_same_seed_same_bytes_other_seed_differs(small, tmp_path):
    out, _ = small
    again = generate(tmp_path / "again", seed=11, **SMALL)
    other = generate(tmp_path / "other", seed=12, **SMALL)
    for table in TABLES:
        first, second = _read(out, table), _read(Path(again.out_dir), table)
        assert _content_hash(first) == _content_hash(second), table
        for a, b in zip(_files(out, table), _files(Path(again.out_dir), table)):
            assert a.read_bytes() == b.read_bytes(), f"{a.name} not byte-identical"
    for table in ("enterprises", "invoices", "loans"):
        assert _content_hash(_read(out, table)) != _content_hash(_read(Path(other.out_dir), table)), table
    oracle = [pq.read_table(Path(d) / "oracle" / "enterprises.parquet") for d in (out, again.out_dir)]
    assert oracle[0].equals(oracle[1])


def test_invoice_chunk_size_changes_files_not_content(small, tmp_path):
    out, summary = small
    tiny = generate(tmp_path / "tiny", seed=11, chunk_rows=3_000, **SMALL)
    parts = _files(Path(tiny.out_dir), "invoices")
    assert len(parts) == tiny.invoice_parts > summary.invoice_parts
    assert all(pq.read_metadata(p).num_rows <= 3_000 for p in parts)
    assert _content_hash(_read(Path(tiny.out_dir), "invoices")) == _content_hash(_read(out, "invoices"))


def test_summary_matches_files(small):
    out, summary = small
    for table in TABLES:
        assert summary.rows[table] == _read(out, table).num_rows
    assert abs(summary.rows["invoices"] - SMALL["n_invoices"]) < 0.05 * SMALL["n_invoices"]
    assert summary.invoice_rows_per_second > 0
    json.dumps(summary)  # the CLI prints it as JSON


def test_enterprises_ids_industries_and_missing_ratings(moderate):
    _, con = moderate
    ent = con.sql("select * from enterprises").df()
    assert list(ent.enterprise_id) == [f"E{i}" for i in range(1, len(ent) + 1)]
    assert set(ent.industry) <= set(read_industry_codes(INDUSTRIES_CSV))
    assert {"sole_proprietor", "unknown"} <= set(ent.industry)
    assert set(ent.size_class) == {"micro", "small", "medium"}
    assert ent.enterprise_name.str.contains(r"\*\*\*|个体经营").all()
    no_record = ent.credit_rating.isna()
    assert (ent.has_defaulted.isna() == no_record).all()
    assert 0.65 <= 1 - no_record.mean() <= 0.75


def test_rating_shares_and_default_rates(moderate):
    _, con = moderate
    by_rating = con.sql("""select credit_rating r, count(*) / sum(count(*)) over () share, avg(has_defaulted::int) dr
                           from enterprises where credit_rating is not null group by r order by r""").df()
    assert list(by_rating.r) == ["A", "B", "C", "D"]
    assert np.allclose(by_rating.share, [0.22, 0.31, 0.28, 0.19], atol=0.02)
    dr = dict(zip(by_rating.r, by_rating.dr))
    assert dr["D"] >= 0.85 and dr["A"] <= 0.02 and dr["A"] <= dr["B"] <= dr["C"] < dr["D"]
    rate = _one(con, "select avg(has_defaulted::int) from enterprises where has_defaulted is not null")[0]
    # has_defaulted is the obligor default: distress (calibrated to enterprise_default_rate = 0.20)
    # or a loan's own 90 DPD, which adds its share on top
    distress = _one(con, "select avg(defaulted::int) from o_ent where has_credit_record")[0]
    assert 0.16 <= distress <= 0.24 and distress + 0.04 <= rate <= distress + 0.15


def test_invoice_quality_shares_and_arithmetic(moderate):
    _, con = moderate
    n, void, red, bad_total, bad_red = _one(con, """
        select count(*), avg((status = 'voided')::int), avg((amount < 0)::int),
               count(*) filter (where abs(total - (amount + tax)) > 0.005 or round(total, 2) != total),
               count(*) filter (where amount < 0 and (tax > 0 or total >= 0))
        from invoices""")
    distinct = _one(con, "select count(*) from (select distinct * from invoices)")[0]
    assert 0.03 <= void <= 0.07
    assert 0.01 <= red <= 0.03
    assert 0.003 <= (n - distinct) / n <= 0.01
    assert bad_total == 0 and bad_red == 0
    rates = con.sql("select distinct round(tax / amount, 2) r from invoices where amount > 100").df().r
    assert set(rates) <= {0.0, 0.01, 0.03, 0.06, 0.09, 0.1, 0.11, 0.13, 0.16, 0.17}
    checks = _one(con, """select min(issue_date) >= date '2016-01-01' and max(issue_date) <= date '2021-12-31',
        bool_and(starts_with(counterparty_id, case direction when 'sales' then 'B' else 'A' end)),
        bool_and(length(invoice_number) = 8), bool_and(status in ('valid', 'voided'))
        from invoices""")
    assert all(checks)


def test_invoice_numbers_are_unique_per_enterprise_and_direction(tmp_path):
    """The warehouse's key (README "Plausibility rules", key_conflict): two different invoices of one
    enterprise and direction never share a number, red-letter copies included. Many invoices per
    enterprise (random numbers in 10^8 would collide here) and small part files (numbering across them)."""
    generate(tmp_path, n_enterprises=3, seed=3, n_invoices=600_000, chunk_rows=50_000)
    con = duckdb.connect()
    rows, keys, reds = _one(con, f"""
        select count(*), count(distinct (enterprise_id, direction, invoice_number)), count(*) filter (where amount < 0)
        from (select distinct * from '{tmp_path}/invoices/*.parquet')""")
    assert reds > 5_000 and rows == keys


def test_statements_are_consistent_and_track_invoices(moderate):
    _, con = moderate
    bad = _one(con, """select
        count(*) filter (where abs(total_assets - total_liabilities - owners_equity) > 0.01),
        count(*) filter (where current_assets + 0.01 < cash_and_equivalents + short_term_investments
                                                      + accounts_receivable + inventory),
        count(*) filter (where current_liabilities > total_liabilities + 0.01),
        count(*) filter (where net_profit > total_profit + 0.01 or (total_profit < 0 and net_profit != total_profit)),
        count(*) filter (where fiscal_year < 2016 or fiscal_year > 2021)
        from financial_statements""")
    assert bad == (0, 0, 0, 0, 0)
    share, sole = _one(con, """select count(distinct s.enterprise_id) / (select count(*) from enterprises),
        count(*) filter (where e.industry = 'sole_proprietor')
        from financial_statements s join enterprises e using (enterprise_id)""")
    assert 0.55 <= share <= 0.75 and sole == 0
    cr, dr = _one(con, """select median(current_assets / current_liabilities), median(total_liabilities / total_assets)
                        from financial_statements""")
    assert 1.0 <= cr <= 2.0 and 0.3 <= dr <= 0.8
    ratio = _one(con, """select median(s.operating_revenue / i.net) from financial_statements s join (
        select enterprise_id, year(issue_date) fiscal_year, sum(amount) net from (select distinct * from invoices)
        where direction = 'sales' and status = 'valid' group by all) i using (enterprise_id, fiscal_year)
        where i.net > 0""")[0]
    assert 0.95 <= ratio <= 1.05
    weak, strong = _one(con, """select median(s.total_liabilities / s.total_assets) filter (where o.defaulted),
        median(s.total_liabilities / s.total_assets) filter (where not o.defaulted)
        from financial_statements s join o_ent o using (enterprise_id)""")
    assert weak > strong


def test_loans_factors_and_label(moderate):
    _, con = moderate
    checks = _one(con, """select bool_and(amount between 100000 and 5000000), bool_and(term_months in (6, 12, 24, 36)),
        bool_and(interest_rate between 0.04 and 0.15), bool_and(disbursement_date >= application_date),
        bool_and(application_date >= date '2017-01-01' and disbursement_date <= date '2021-12-31'),
        bool_and(not epidemic_impacted or disbursement_date + to_months(term_months) >= date '2020-01-01'),
        bool_and(e.credit_rating is not null)
        from loans l join enterprises e using (enterprise_id)""")
    assert all(checks)
    rate = _one(con, "select avg(defaulted_90dpd_12m::int) from o_loans where window_complete")[0]
    assert 0.02 <= rate <= 0.10
    # The warehouse label (90+ DPD in a report month <= 12 months after disbursement) equals the truth.
    mismatch = _one(con, """with lab as (
        select l.loan_id, bool_or(p.days_past_due >= 90 and date_diff('month', l.disbursement_date, p.month) <= 12) y
        from loans l join loan_performance p using (loan_id) group by l.loan_id)
        select count(*) filter (where lab.y != o.defaulted_90dpd_12m), count(*)
        from lab join o_loans o using (loan_id) where o.window_complete""")
    assert mismatch[0] == 0 and mismatch[1] > 1000
    perf = _one(con, """select bool_and(p.balance between 0 and l.amount), count(*) filter (where p.days_past_due between 1 and 60)
        from loan_performance p join loans l using (loan_id)""")
    assert perf[0] and perf[1] > 0
    dr = con.sql("""select pre_loan_rating, avg(defaulted_90dpd_12m::int) dr from loans join o_loans using (loan_id)
                    group by 1 order by 1""").df().dr.to_numpy()
    assert dr[0] < dr[-1]


def test_oracle_files_and_signal(moderate):
    out, con = moderate
    model = json.loads((out / "oracle" / "latent_model.json").read_text(encoding="utf-8"))
    assert model["config"]["enterprise_model"]["beta_strength"] < 0
    assert "enterprise_intercept" in model["calibrated"] and "idiosyncratic_intercept" in model["calibrated"]
    ent = con.sql("select * from o_ent").df()
    loans = con.sql("select * from o_loans where window_complete").df()
    for frame in (ent, loans):
        assert ((frame.true_pd > 0) & (frame.true_pd < 1)).all()
    assert _auc(ent.defaulted, ent.true_pd) > 0.75
    assert _auc(loans.defaulted_90dpd_12m, loans.true_pd) > 0.7
    # Invoices carry the signal: sales volume ranks defaulters (the real data's strongest indicator).
    volume = con.sql("""select o.defaulted, ln(1 + coalesce(sum(i.amount) filter (where i.direction = 'sales'), 0)) v
        from o_ent o left join invoices i using (enterprise_id) group by all""").df()
    assert _auc(volume.defaulted, -volume.v) > 0.65
    # Sales slow down in the months before a default.
    slow = _one(con, """select avg((late < early)::int) from (
        select o.enterprise_id,
          count(*) filter (where i.issue_date between o.default_date - 180 and o.default_date) late,
          count(*) filter (where i.issue_date between o.default_date - 540 and o.default_date - 360) early
        from o_ent o join invoices i using (enterprise_id)
        where o.defaulted and o.default_date >= date '2018-07-01' and i.direction = 'sales' group by all)
        where early >= 10""")[0]
    assert slow > 0.8


def test_default_events_date_the_obligor_defaults(moderate):
    _, con = moderate
    joined = con.sql("""
        select e.enterprise_id, e.has_defaulted, o.obligor_default_date, o.default_date, d.default_date as event_date,
               d.default_type
        from enterprises e join o_ent o using (enterprise_id) left join default_events d using (enterprise_id)
        where e.has_defaulted is not null""").df()
    dated = joined[joined["event_date"].notna()]
    assert (dated["event_date"] == dated["obligor_default_date"]).all() and dated["has_defaulted"].all()
    # a loan's own 90 DPD came first exactly where the event is dpd90
    own = dated["obligor_default_date"] < dated["default_date"].fillna(pd.Timestamp("2100-01-01"))
    assert ((dated["default_type"] == "dpd90") == own).all()
    undated = joined[joined["has_defaulted"] & joined["event_date"].isna()]
    assert 0 < len(undated) <= 0.08 * joined["has_defaulted"].sum()  # ~3% left undated on purpose
    assert not joined.loc[~joined["has_defaulted"], "event_date"].notna().any()


def test_true_pd_12m_is_calibrated_and_sees_the_deterioration(moderate):
    _, con = moderate
    rows = con.sql("""
        select m.as_of_date, m.true_pd_12m, m.deterioration_begun, m.hazard_per_year,
               (o.obligor_default_date >= m.as_of_date and o.obligor_default_date < m.as_of_date + interval 12 month) as y
        from o_months m join o_ent o using (enterprise_id)
        where not m.in_default and m.has_credit_record
          and m.as_of_date between date '2017-01-01' and date '2021-01-01'""").df()
    y = rows["y"].fillna(False).astype(int)
    # the oracle's mean PD is the realised 12-month default rate (within 10%), month by month
    assert rows["true_pd_12m"].mean() == pytest.approx(y.mean(), rel=0.10)
    # once the deterioration has begun the default follows within 12 months
    assert y[rows["deterioration_begun"]].mean() > 0.97
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(y, rows["true_pd_12m"]) > roc_auc_score(y, rows["hazard_per_year"]) + 0.05
