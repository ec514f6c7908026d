"""Adapters that turn third-party data sets into the warehouse's raw data contract.

Each adapter writes the files described in ``models/staging/_sources.yml`` faithfully (no row
dropped, values kept as source text); cleaning belongs to the dbt staging layer.
"""

from sme_credit.ingest.cumcm import IngestError, ingest_cumcm, read_rate_churn

__all__ = ["IngestError", "ingest_cumcm", "read_rate_churn"]
