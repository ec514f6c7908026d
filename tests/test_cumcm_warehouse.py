"""The real-data test case: ingest the CUMCM 2020 C files and build the warehouse on them."""
from __future__ import annotations

import pytest

from conftest import build_warehouse, query
from sme_credit.ingest.cumcm import ingest_cumcm

pytestmark = pytest.mark.realdata

# Rows and exact duplicate rows per original file (../shared/data/cumcm2020c/README.md).
EXPECTED = {
    "invoices/att1_input_invoices.parquet": (210_947, 803),
    "invoices/att1_output_invoices.parquet": (162_484, 4_436),
    "invoices/att2_input_invoices.parquet": (395_175, 4_681),
    "invoices/att2_output_invoices.parquet": (330_835, 1_745),
}


@pytest.fixture(scope="module")
def cumcm_warehouse(cumcm_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("cumcm")
    ingest_cumcm(cumcm_dir, root / "raw")
    db = root / "cumcm.duckdb"
    build_warehouse(root / "raw", db, "build", "--select", "+enterprise_indicators", "+source_reconciliation",
                    "+loan_features", "resource_type:seed")
    return db


def test_counts_reconcile_per_file(cumcm_warehouse):
    recon = query(cumcm_warehouse, "select * from marts.source_reconciliation").set_index("source_file")
    assert recon["is_reconciled"].all()
    assert recon.loc["enterprises.parquet", "raw_rows"] == 425
    for file, (rows, duplicates) in EXPECTED.items():
        assert recon.loc[file, "raw_rows"] == rows, file
        assert recon.loc[file, "duplicate_rows"] == duplicates, file
        assert (recon.loc[file, ["staged_rows", "duplicate_rows", "quarantined_rows"]].sum()) == rows


def test_every_enterprise_has_indicators_and_no_loans_are_needed(cumcm_warehouse):
    ind = query(cumcm_warehouse, "select * from marts.enterprise_indicators")
    assert len(ind) == 425 and ind["enterprise_id"].is_unique
    assert ind["net_sales"].notna().all()
    rated = ind[ind["has_credit_record"]]
    assert len(rated) == 123 and set(rated["credit_rating"]) == {"A", "B", "C", "D"}
    assert rated["has_defaulted"].sum() == 27  # 24 D + 2 C + 1 B (README)
    assert ind.loc[~ind["has_credit_record"], "credit_rating"].isna().all()
    assert query(cumcm_warehouse, "select count(*) as n from marts.loan_features")["n"][0] == 0
    # the stray-space voided status is normalised, not quarantined
    statuses = query(cumcm_warehouse, "select distinct status from staging.stg_invoices")["status"]
    assert set(statuses) == {"valid", "voided"}
