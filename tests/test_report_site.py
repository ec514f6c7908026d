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


def test_every_page_draws_every_table(demo_warehouse, tmp_path: Path) -> None:
    db = tmp_path / "serving.duckdb"
    shutil.copy(serving_paths(demo_warehouse.db).db, db)
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
