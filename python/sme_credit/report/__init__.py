"""Reports written from a built warehouse.

- ``cumcm``: the CUMCM 2020 C results document (docs/cumcm2020c_results.md, markdown), from the
  build warehouse's marts (`sme-credit report`).
- ``site``: the visual risk report, a static offline HTML site written from the published
  serving file alone (`sme-credit report --html`).
"""

from sme_credit.report.cumcm import cumcm_report, markdown_table, write_cumcm_report

__all__ = ["cumcm_report", "markdown_table", "write_cumcm_report"]
