"""The visual risk report (sme_credit.report.site): curves computed independently on a hand-made
case, every page drawn on hand-made tables of the marts other branches are building, and the
published demo report opened in headless Chromium (no failed or external request, every chart
shown), together with the offline Great Expectations Data Docs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sme_credit.report.charts import curves_from_deciles
from sme_credit.report.site import write_site
from sme_credit.serving.publish import serving_paths
from sme_credit.validation.data_docs import default_data_docs_dir

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def test_curves_from_grouped_outcomes() -> None:
    groups = pd.DataFrame({"mean_pd": [0.05, 0.5, 0.2], "n": [70, 10, 20], "defaults": [1, 6, 3]})
    curves = curves_from_deciles(groups)
    # AUC = P(a defaulter's PD > a non-defaulter's) + ½ P(same group), counted pair by pair
    bad = {0.5: 6, 0.2: 3, 0.05: 1}
    good = {0.5: 4, 0.2: 17, 0.05: 69}
    wins = sum(b * g for pb, b in bad.items() for pg, g in good.items() if pb > pg)
    ties = sum(bad[p] * good[p] for p in bad) / 2
    assert curves["auc"] == pytest.approx((wins + ties) / (10 * 90))
    assert curves["ks"] == pytest.approx(0.9 - 21 / 90) and curves["ks_at"] == pytest.approx(0.3)
    assert list(curves["population"]) == pytest.approx([0, 0.1, 0.3, 1.0])
    with pytest.raises(ValueError):
        curves_from_deciles(groups.assign(defaults=0))


def _add_planned_tables(db: Path) -> None:
    """Small hand-made tables with the planned schemas of HELPERS §4.3/4.4."""
    with duckdb.connect(str(db)) as con:
        level, variant, model = con.execute("select level, variant, model from model_registry where is_champion "
                                            "order by level, variant limit 1").fetchone()
        ids = [r[0] for r in con.execute("select enterprise_id from enterprise_pd order by enterprise_id limit 6").fetchall()]
        months = pd.date_range("2021-07-01", periods=6, freq="MS").date
        task = {"level": level, "variant": variant, "model": model}
        con.register("stability", pd.DataFrame([{**task, "as_of_date": m, "n": 900, "psi": 0.02 * i,
                                                 "psi_band": "stable"} for i, m in enumerate(months)]))
        con.execute("create table pd_stability as from stability")
        con.register("backtest", pd.DataFrame([{**task, "is_champion": True, "as_of_date": m, "grade": g, "n": 100,
                                                "defaults": g, "mean_pd": g / 110, "observed_default_rate": g / 100,
                                                "binomial_p_value": 0.3, "jeffreys_p_value": 0.01 if g == 9 else 0.4}
                                               for m in months for g in (2, 5, 9)]))
        con.execute("create table pd_backtest as from backtest")
        con.register("discrimination", pd.DataFrame([{**task, "is_champion": True, "as_of_date": m, "n": 900,
                                                      "defaults": 40, "auc": 0.8 - 0.01 * i, "ks": 0.5, "brier": 0.04,
                                                      "mean_pd": 0.05, "observed_default_rate": 0.045}
                                                     for i, m in enumerate(months)]))
        con.execute("create table pd_discrimination_by_cohort as from discrimination")
        con.register("migration", pd.DataFrame([{**task, "as_of_date": months[0], "horizon_months": h, "from_grade": f,
                                                 "to_grade": t, "n": 10, "share": 0.8 if f == t else 0.2}
                                                for h in (1, 12) for f in range(1, 11) for t in sorted({f, min(f + 1, 10)})]))
        con.execute("create table rating_migration as from migration")
        con.register("watch", pd.DataFrame([{"enterprise_id": e, "as_of_date": m, "max_severity": s, "n_signals": 1,
                                             "signals": "sales_drop", "pd": 0.1, "grade": 8, "months_on_watch": 1,
                                             "n_loans": 1, "exposure": 1e5, "recommended_action": "call"}
                                            for m in months for e, s in zip(ids[:3], ["watch", "warning", "critical"])]))
        con.execute("create table watchlist as from watch")
        con.register("ewb", pd.DataFrame([{"signal_id": s, "flags": 30, "flags_per_month": 5.0, "precision_12m": 0.2,
                                           "recall_3m": 0.4, "median_lead_months": 4.0, "defaults": 12,
                                           "base_rate": 0.03} for s in ("watchlist", "sales_drop")]))
        con.execute("create table early_warning_backtest as from ewb")
        con.register("book", pd.DataFrame([{"loan_id": f"L{i}", "enterprise_id": ids[i % 6], "month": months[-1],
                                            "exposure": 1e5 * (i + 1), "pd": 0.02, "lgd": 0.45, "expected_loss": 900.0 * (i + 1),
                                            "capital_k": 0.08, "capital": 8e3 * (i + 1), "industry": "trade",
                                            "grade": 5 + i % 3, "status": "performing"} for i in range(8)]))
        con.execute("create table portfolio_exposure as from book")
        con.execute("alter table enterprise_indicators add column default_next_12m integer")
        con.execute("update enterprise_indicators set default_next_12m = case when enterprise_id in "
                    f"({', '.join(repr(i) for i in ids[1:5])}) then 1 else 0 end")
        con.execute("update enterprise_indicators set as_of_date = ? where enterprise_id in "
                    f"({', '.join(repr(i) for i in ids[:6])})", [months[-1]])


def test_every_page_draws_the_planned_tables(demo_warehouse, tmp_path: Path) -> None:
    db = tmp_path / "serving.duckdb"
    shutil.copy(serving_paths(demo_warehouse.db).db, db)
    _add_planned_tables(db)
    manifest = write_site(db, tmp_path / "site")
    assert {slug: page["missing"] for slug, page in manifest["pages"].items() if page["missing"]} == {}
    drawn = {slug: (tmp_path / "site" / page["file"]).read_text() for slug, page in manifest["pages"].items()}
    for slug, chart in [("stability", "psi_over_time"), ("stability", "backtest_by_cohort"),
                        ("stability", "discrimination_by_cohort"), ("early_warning", "watchlist_size"),
                        ("early_warning", "watchlist_recall"), ("early_warning", "signal_backtest"),
                        ("portfolio", "live_book_by_industry")]:
        assert f'data-chart="{chart}"' in drawn[slug], (slug, chart)
    assert 'data-chart="migration_' in drawn["stability"]


def _launch(playwright):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test` installs Debian's chromium (apt-get install chromium)")
        pytest.skip("chromium not installed (make test installs it)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def _visit(page, url: str) -> tuple[list[str], list[str]]:
    failed, external = [], []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("request", lambda request: external.append(request.url) if not request.url.startswith(("file:", "data:"))
            else None)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return failed, external


@pytest.mark.browser
def test_report_and_data_docs_in_headless_chromium(demo_warehouse, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    site = tmp_path / "risk_report"
    result = subprocess.run([sys.executable, "-m", "sme_credit.cli", "report", "--html", "--serving",
                             str(serving_paths(demo_warehouse.db).db), "--site-dir", str(site)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    pages = json.loads((site / "report.json").read_text())["pages"]
    assert set(pages) == {"index", "portfolio", "pd_models", "stability", "early_warning", "pricing", "data_quality"}
    with sync_api.sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            view = browser.new_page(viewport={"width": 1400, "height": 900})
            for slug, info in pages.items():
                failed, external = _visit(view, (site / info["file"]).as_uri())
                assert failed == [] and external == [], (slug, failed, external)
                charts = view.locator("figure.chart svg")
                assert charts.count() == info["charts"] >= 1, slug
                for i in range(charts.count()):
                    box = charts.nth(i).bounding_box()
                    assert box and box["width"] > 200 and box["height"] > 100, (slug, i, box)
                shown_missing = view.locator("div.missing").evaluate_all("els => els.map(e => e.dataset.missing)")
                assert shown_missing == info["missing"], slug
                view.screenshot(path=str(tmp_path / f"{slug}.png"), full_page=True)
            # Great Expectations Data Docs of the same build: offline, the run table filled by its scripts
            docs = default_data_docs_dir({"SME_CREDIT_DB": str(demo_warehouse.db)})
            failed, external = _visit(view, (docs / "index.html").as_uri())
            assert failed == [] and external == [], (failed, external)
            assert view.locator(".ge-index-page-validation-results-table tbody tr").count() >= 3
            view.screenshot(path=str(tmp_path / "data_docs.png"), full_page=True)
            run_page = sorted((docs / "validations").rglob("*.html"))[-1]
            failed, external = _visit(view, run_page.as_uri())
            assert failed == [] and external == [] and view.get_by_text("Expectations by severity").count() == 1
        finally:
            browser.close()
