"""The real-data test case: ingest the CUMCM 2020 C files and build the warehouse on them."""
from __future__ import annotations

import pytest

from conftest import REPO, build_warehouse, query
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
    # the whole project, end to end: marts, gate, PD models, pricing (loan models skip themselves)
    build_warehouse(root / "raw", db, "build")
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
    ind = query(cumcm_warehouse, "select * from marts.enterprise_indicators where is_latest")
    assert len(ind) == 425 and ind["enterprise_id"].is_unique
    months = query(cumcm_warehouse, "select count(distinct as_of_date) as n from marts.enterprise_indicators")["n"][0]
    assert months == 30  # 2017-10 to 2020-03: 12 months after the first invoice month to the final as-of date
    assert ind["net_sales"].notna().all()
    rated = ind[ind["has_credit_record"]]
    assert len(rated) == 123 and set(rated["credit_rating"]) == {"A", "B", "C", "D"}
    assert rated["has_defaulted"].sum() == 27  # 24 D + 2 C + 1 B (README)
    assert ind.loc[~ind["has_credit_record"], "credit_rating"].isna().all()
    assert query(cumcm_warehouse, "select count(*) as n from marts.loan_features")["n"][0] == 0
    # the stray-space voided status is normalised, not quarantined
    statuses = query(cumcm_warehouse, "select distinct status from staging.stg_invoices")["status"]
    assert set(statuses) == {"valid", "voided"}


def test_every_enterprise_is_scored(cumcm_warehouse):
    runs = query(cumcm_warehouse, "select * from marts.pd_model_runs").set_index(["level", "variant"])
    assert runs.loc[("enterprise", "snapshot_with_rating"), "status"] == "fitted"
    assert runs.loc[("enterprise", "snapshot_with_rating"), "training_rows"] == 123
    assert runs.loc[("enterprise", "snapshot_with_rating"), "training_defaults"] == 27
    assert runs.loc[("enterprise", "snapshot_without_rating"), "scored_rows"] == 425
    # no loans in the contest data: the loan task is skipped with its reason, not an error
    assert runs.loc[("loan", "all"), "status"] == "skipped"
    assert runs.loc[("loan", "all"), "reason"] == "no labelled loan rows"
    # no default is dated in the contest data: the point-in-time task gives way to the snapshot tasks
    assert runs.loc[("enterprise", "point_in_time"), "status"] == "skipped"
    assert "no dated default" in runs.loc[("enterprise", "point_in_time"), "reason"]

    scored = query(cumcm_warehouse, "select * from marts.enterprise_pd")
    assert len(scored) == 425 and scored["pd"].between(0, 1).all()
    by_variant = scored.groupby("pd_variant")["enterprise_id"].count().to_dict()
    assert by_variant == {"snapshot_with_rating": 123, "snapshot_without_rating": 302}
    champions = query(cumcm_warehouse, "select level, variant, model, pd from marts.pd_scores where is_champion")
    assert len(champions) == 123 + 425 and champions["pd"].between(0, 1).all()


def test_cross_validated_metrics_with_and_without_rating(cumcm_warehouse):
    auc = query(cumcm_warehouse, """
        select variant, max(value) as best_auc from marts.pd_model_metrics
        where level = 'enterprise' and evaluation = 'cv' and metric = 'auc' group by variant""").set_index("variant")
    # the bank's rating nearly decides the label (D = the defaulters), the invoices alone less so
    assert auc.loc["snapshot_with_rating", "best_auc"] > 0.9
    assert 0.7 < auc.loc["snapshot_without_rating", "best_auc"] < auc.loc["snapshot_with_rating", "best_auc"]


def test_three_strategies_are_priced_within_budget(cumcm_warehouse):
    summary = query(cumcm_warehouse, "select * from marts.portfolio_summary where breakdown = 'overall'")
    assert set(zip(summary["scenario"], summary["question"])) == {
        ("base", "q1"), ("base", "q2"), ("epidemic", "q1"), ("epidemic", "q2")}
    budgets = {"q1": 50_000_000, "q2": 100_000_000}
    assert (summary["total_lent"] <= summary["question"].map(budgets) + 0.5).all()
    assert (summary["total_lent"] > 0).all()
    tiers = query(cumcm_warehouse, "select * from marts.pricing_tiers")
    assert (tiers.loc[tiers["credit_rating"] == "D", "tier"] == "declined").all()


def test_results_document_is_generated_from_the_warehouse(cumcm_warehouse, tmp_path):
    from sme_credit.report import cumcm_report

    text = cumcm_report(cumcm_warehouse)
    for heading in ["## 1. Data and reconciliation", "## 3. PD models", "## 5. Credit strategies"]:
        assert heading in text
    assert "89.4%" in text and "74.8%" in text
    committed = (REPO / "docs" / "cumcm2020c_results.md").read_text()
    # the committed document came from this command: same sections and the same reconciliation table
    section = text.split("## 2.")[0]
    assert section == committed.split("## 2.")[0]
