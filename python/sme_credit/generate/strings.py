"""Fast construction of identifier string columns without a Python loop per row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_POWERS = 10 ** np.arange(1, 19, dtype=np.uint64)


def digit_strings(prefix: str | tuple[str, ...], numbers: np.ndarray, min_digits: int,
                  prefix_codes: np.ndarray | None = None) -> pa.StringArray:
    """`prefix` + zero-padded decimal of each non-negative number (at least `min_digits` digits).

    `prefix` may be a tuple of equal-length prefixes chosen per value by `prefix_codes`.
    Builds the Arrow string buffers directly from a byte matrix: ~30 ns per value.
    """
    nums = np.asarray(numbers, dtype=np.uint64)
    n = nums.size
    prefixes = (prefix,) if isinstance(prefix, str) else tuple(prefix)
    encoded = np.array([np.frombuffer(x.encode("utf-8"), dtype=np.uint8) for x in prefixes])
    p = encoded.shape[1]
    if n == 0:
        return pa.array([], type=pa.string())
    n_digits = np.maximum(np.searchsorted(_POWERS, nums, side="right") + 1, min_digits)
    width = int(n_digits.max())
    mat = np.empty((n, p + width), dtype=np.uint8)
    if p:
        mat[:, :p] = encoded[0] if prefix_codes is None else encoded[np.asarray(prefix_codes)]
    rest = nums.copy()
    for k in range(width - 1, -1, -1):  # one vectorised pass per digit
        quot = rest // np.uint64(10)
        mat[:, p + k] = (rest - quot * np.uint64(10)).astype(np.uint8) + 48
        rest = quot
    lengths = p + n_digits
    if (n_digits == width).all():
        data = mat.reshape(-1)
    else:
        keep = np.ones((n, p + width), dtype=bool)
        keep[:, p:] = np.arange(width)[None, :] >= (width - n_digits)[:, None]
        data = mat[keep]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] < 2**31:
        return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)])
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]).cast(pa.string())


def take_strings(values: list[str] | pa.Array, codes: np.ndarray) -> pa.Array:
    """Strings of a small dictionary picked by integer codes (a C++ take, not a Python loop)."""
    dictionary = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    return dictionary.take(pa.array(np.asarray(codes, dtype=np.int32)))
