"""Synthetic SME credit data generator (raw data contract + oracle truth).

    from sme_credit.generate import generate, GeneratorConfig
    summary = generate("data/raw", n_enterprises=1000, seed=42)

See docs/generator.md for the latent model and its calibration against the real data.
"""

from .config import GeneratorConfig
from .core import DEFAULT_CHUNK_ROWS, GenerateSummary, generate

__all__ = ["DEFAULT_CHUNK_ROWS", "GenerateSummary", "GeneratorConfig", "generate"]
