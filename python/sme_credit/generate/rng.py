"""Deterministic random streams: one generator per (seed, stream, block ...) key.

Seeding every logical block from its key (never from a shared sequential generator) makes
the output independent of write chunk sizes, thread timing and the order blocks run in.
"""

from __future__ import annotations

import numpy as np

STREAM_ENTERPRISES = 1
STREAM_COUNTS = 2
STREAM_INVOICES = 3
STREAM_LOANS = 4
STREAM_STATEMENTS = 5


def stream(seed: int, *key: int) -> np.random.Generator:
    """A PCG64 generator for `seed` and the integer key path (e.g. stream id, block, unit)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), *map(int, key)])))


def logistic(x: np.ndarray | float) -> np.ndarray:
    """Inverse logit."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def logit(p: np.ndarray | float) -> np.ndarray:
    """Log-odds."""
    p = np.asarray(p, dtype=np.float64)
    return np.log(p / (1.0 - p))


def categorical(rng: np.random.Generator, cum_probs: np.ndarray, n: int | None = None) -> np.ndarray:
    """Draw category indices; `cum_probs` is 1-D (shared) or 2-D (one row of cumulative probabilities per draw)."""
    if cum_probs.ndim == 1:
        u = rng.random(n)
        return np.minimum(np.searchsorted(cum_probs, u, side="right"), len(cum_probs) - 1)
    u = rng.random(cum_probs.shape[0])
    return np.minimum((u[:, None] >= cum_probs).sum(axis=1), cum_probs.shape[1] - 1)


def solve_intercept(offsets: np.ndarray, target_mean: float, weights: np.ndarray | None = None) -> float:
    """Intercept a with mean(logistic(a + offsets)) = target_mean (bisection; mean is monotone in a)."""
    lo, hi = -30.0, 30.0
    for _ in range(80):
        mid = (lo + hi) / 2.0
        mean = np.average(logistic(mid + offsets), weights=weights)
        lo, hi = (mid, hi) if mean < target_mean else (lo, mid)
    return (lo + hi) / 2.0
