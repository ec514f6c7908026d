"""Great Expectations Data Docs that work offline, show severities and keep the run history.

- One site per warehouse: ``reports/data_docs/<warehouse>/`` (``$SME_CREDIT_DATA_DOCS_DIR``
  overrides the folder); ``reports/data_docs/index.html`` links every warehouse's site.
- History: validation results are kept in a file store inside the site (``.validation_results``),
  so GX's index lists every kept run; the last ``RUNS_KEPT`` runs are kept, older runs' results
  and pages are removed. Each build renders only its own run's pages.
- Severity: GX 1.24 does not render it (and its meta_properties column breaks on pydantic
  expectations), so each run's page gets a table of every expectation with its severity, result
  and note, from the stored result; the suite pages show it in front of each expectation's notes.
- Offline: GX's pages load jQuery, Bootstrap, bootstrap-table, Font Awesome … from CDNs. After a
  build every page is rewritten to the copies vendored in ``data_docs_assets/`` (README there);
  the unused vega scripts are dropped and the logo points at the site's own image.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path
from typing import Any

ASSETS_DIR = Path(__file__).with_name("data_docs_assets")
VENDOR = "static/vendor"
RESULTS_DIR = ".validation_results"
RUNS_KEPT = 20
_SEVERITY_MARK = "<!-- sme_credit: severity table -->"
_NOTE_SEVERITY = re.compile(r"^Severity: [a-z]+\. ")
_CONTENT_START = '<div class="container-fluid pt-4 pb-4 pl-5 pr-5">'

# CDN address (as GX 1.24 writes it) → vendored file.
CDN_ASSETS: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "js/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "css/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "js/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "css/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "js/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "css/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "css/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/fontawesome-all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "css/bootstrap-prefers-dark.min.css",
}
_VEGA = re.compile(r'<script src="https://cdn\.jsdelivr\.net/npm/vega[^"]*"></script>\s*')
_LOGO = re.compile(r'src="https://great-expectations-web-assets\.s3[^"]*/logo-long\.png[^"]*"')
_SRI = re.compile(r'\s+(?:integrity="[^"]*"|crossorigin="[^"]*")')
_EXTERNAL_LOAD = re.compile(r'<(?:script|link|img)\b[^>]*(?:src|href)="(https?://[^"]+)"')


def default_data_docs_dir(environ: dict[str, str] | None = None) -> Path:
    """$SME_CREDIT_DATA_DOCS_DIR, else <project>/reports/data_docs/<warehouse file stem>."""
    from sme_credit.project import DEFAULT_DB, PROJECT_DIR

    environ = os.environ if environ is None else environ
    if environ.get("SME_CREDIT_DATA_DOCS_DIR"):
        return Path(environ["SME_CREDIT_DATA_DOCS_DIR"])
    warehouse = Path(environ.get("SME_CREDIT_DB") or DEFAULT_DB)
    return PROJECT_DIR / "reports" / "data_docs" / warehouse.stem


# --- severity ---------------------------------------------------------------------------------

def with_severity(expectation: Any, severity: str) -> Any:
    """A copy of the expectation whose meta and notes carry its severity (for the rendered pages)."""
    meta = dict(expectation.meta or {})
    meta["attributes"] = {**meta.get("attributes", {}), "properties": {"severity": severity}}
    notes = expectation.notes
    notes = f"Severity: {severity}. {notes}" if notes and not str(notes).startswith("Severity:") else notes
    return expectation.copy(update={"id": None, "rendered_content": None, "meta": meta, "notes": notes})


def severity_table(result: dict) -> str:
    """HTML table: every expectation of a stored validation result with its severity."""
    rows = []
    for item in result.get("results", []):
        config = item.get("expectation_config", {})
        kwargs = config.get("kwargs", {})
        column = kwargs.get("column") or ", ".join(map(str, kwargs.get("column_list", []))) or "(table)"
        severity = str(config.get("severity") or "critical")
        outcome = "passed" if item.get("success") else "FAILED"
        badge = "success" if item.get("success") else ("danger" if severity == "critical" else "warning")
        rows.append(f"<tr><td><span class='badge badge-{badge}'>{outcome}</span></td><td>{html.escape(severity)}</td>"
                    f"<td>{html.escape(str(column))}</td><td>{html.escape(str(config.get('type', '')))}</td>"
                    f"<td>{html.escape(_NOTE_SEVERITY.sub('', str(config.get('notes') or '')))}</td></tr>")
    return (f"{_SEVERITY_MARK}<div class='mb-4'><h4>Expectations by severity</h4><p>critical: a failure stops the PD "
            "models; warning: recorded only.</p><table class='table table-sm table-bordered'><thead><tr><th>result</th>"
            "<th>severity</th><th>column</th><th>expectation</th><th>note</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def add_severity_tables(directory: Path) -> None:
    """Insert the severity table into every run page that lacks it (its stored result beside)."""
    import json

    results = directory / RESULTS_DIR
    for page in (directory / "validations").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stored = results / page.relative_to(directory / "validations").with_suffix(".json")
        if _SEVERITY_MARK in text or not stored.exists() or _CONTENT_START not in text:
            continue
        table = severity_table(json.loads(stored.read_text(encoding="utf-8")))
        page.write_text(text.replace(_CONTENT_START, _CONTENT_START + table, 1), encoding="utf-8")


# --- stores and history -----------------------------------------------------------------------

def stores_config(data_docs_dir: Path | None) -> dict | None:
    """In-memory stores, except the validation results: a file store inside the site (history)."""
    if data_docs_dir is None:
        return None
    from great_expectations.data_context.types.base import InMemoryStoreBackendDefaults

    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    stores = dict(defaults.stores)
    stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(Path(data_docs_dir) / RESULTS_DIR)},
    }
    return stores


def prune_history(directory: Path, keep: int = RUNS_KEPT) -> None:
    """Keep the results and pages of the last `keep` runs (run ids sort by time)."""
    for root in (directory / RESULTS_DIR, directory / "validations"):
        if not root.exists():
            continue
        runs = sorted({p.name for suite in root.iterdir() if suite.is_dir() for p in suite.iterdir() if p.is_dir()})
        for old in runs[: max(0, len(runs) - keep)]:
            for suite in root.iterdir():
                shutil.rmtree(suite / old, ignore_errors=True)


def run_identifiers(context: Any, run_id: str) -> list[Any]:
    """The resources a build renders: this run's validation results and the current suites."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    keys = [k for k in context.validation_results_store.list_keys() if k.run_id.run_name == run_id]
    return keys + [ExpectationSuiteIdentifier(name=suite.name) for suite in context.suites.all()]


# --- offline ----------------------------------------------------------------------------------

def make_offline(directory: Path) -> list[str]:
    """Point every page at the vendored assets; returns external loads left (should be none)."""
    shutil.copytree(ASSETS_DIR, directory / VENDOR, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("README.md", "licenses"))
    left = []
    for page in directory.rglob("*.html"):
        if RESULTS_DIR in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        prefix = os.path.relpath(directory, page.parent).replace(os.sep, "/")
        new = text
        for url, local in CDN_ASSETS.items():
            new = new.replace(f'"{url}"', f'"{prefix}/{VENDOR}/{local}"')
        if "vegaEmbed" not in new:
            new = _VEGA.sub("", new)
        new = _LOGO.sub(f'src="{prefix}/static/images/logo-long.png"', new)
        new = re.sub(r'(<(?:script|link)\b[^>]*)>', lambda m: _SRI.sub("", m.group(1)) + ">", new)
        if new != text:
            page.write_text(new, encoding="utf-8")
        left += [f"{page.relative_to(directory)}: {url}" for url in _EXTERNAL_LOAD.findall(new)]
    return left


def write_warehouse_index(reports_dir: Path) -> Path | None:
    """reports/data_docs/index.html: one link per warehouse whose Data Docs exist."""
    sites = sorted(p.parent.name for p in reports_dir.glob("*/index.html"))
    if not sites:
        return None
    links = "".join(f'<li><a href="{html.escape(s)}/index.html">{html.escape(s)}</a></li>' for s in sites)
    index = reports_dir / "index.html"
    index.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Data Docs</title></head>'
                     "<body><h1>Data Docs per warehouse</h1><p>Great Expectations validation runs of each "
                     f"warehouse (the last {RUNS_KEPT} runs each).</p><ul>{links}</ul></body></html>\n",
                     encoding="utf-8")
    return index
