"""Great Expectations gate between the indicator marts and the PD models.

- ``suites``: the expectation suites, as code (one builder per validated table, each
  expectation with a severity: critical stops the model step, warning is only recorded).
- ``runner``: runs suites on DataFrames into tidy result rows (table ``dq_validation_results``),
  raises ``GateFailure`` for failed critical expectations and builds the GX Data Docs.
- ``gate``: what the dbt gate models ``validated_*`` do with the recorded results.

Importing this package is cheap: Great Expectations (slow to import) is only loaded by
``suites`` and by the runner functions that validate or build Data Docs.
"""

from sme_credit.validation.runner import GateFailure

__all__ = ["GateFailure"]
