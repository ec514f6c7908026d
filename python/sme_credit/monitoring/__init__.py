"""Post-loan monitoring (seed 001): the live book's exposure, expected loss and IRB capital."""

from .exposure import EXPOSURE_COLUMNS, portfolio_exposure

__all__ = ["EXPOSURE_COLUMNS", "portfolio_exposure"]
