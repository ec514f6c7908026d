"""Keyed pseudonymisation of identifiers: HMAC-SHA256 with a key from the environment.

Opt-in for a publication shared outside the bank: ``SME_CREDIT_PSEUDONYM_KEY`` set → every
identifier column of every serving table (meta.identifier) is replaced by
``p`` + the first 24 hex digits of HMAC-SHA256(key, id). The same key gives the same pseudonym
in every table and file (joins keep working, also across publications); without the key the ids
can't be recovered or recomputed. The key is never written anywhere: it enters DuckDB only as
the two padded key blocks, bound as query parameters.

HMAC is computed in SQL, set-based (RFC 2104 over DuckDB's sha256):
``sha256(K ⊕ opad ‖ unhex(sha256(K ⊕ ipad ‖ id)))``; ``hmac_pseudonym`` is the plain-Python
reference the tests compare it with.
"""

from __future__ import annotations

import hashlib
import hmac
import os

KEY_ENV = "SME_CREDIT_PSEUDONYM_KEY"
PREFIX = "p"
HEX_DIGITS = 24  # 96 bits: collisions are negligible for any bank's number of enterprises
_BLOCK = 64  # SHA-256 block size in bytes


def key_from_env(environ: dict[str, str] | None = None) -> bytes | None:
    """The pseudonymisation key, or None (publish the bank's own ids)."""
    value = (environ if environ is not None else os.environ).get(KEY_ENV, "")
    if not value:
        return None
    if len(value) < 16:
        raise ValueError(f"{KEY_ENV} is shorter than 16 characters: use a long random secret")
    return value.encode("utf-8")


def key_pads(key: bytes) -> tuple[bytes, bytes]:
    """(K ⊕ ipad, K ⊕ opad) of RFC 2104 for SHA-256."""
    block = hashlib.sha256(key).digest() if len(key) > _BLOCK else key
    block = block.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def hmac_pseudonym(key: bytes, identifier: str) -> str:
    """Reference implementation (Python's hmac) of the pseudonym of one identifier."""
    return PREFIX + hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()[:HEX_DIGITS]


def pseudonym_sql(column_sql: str, ipad_param: str = "$ipad", opad_param: str = "$opad") -> str:
    """SQL expression of the pseudonym of a VARCHAR column (NULL stays NULL); the pads are parameters."""
    inner = f"unhex(sha256({ipad_param}::blob || encode(cast({column_sql} as varchar))))"
    return f"case when {column_sql} is null then null else '{PREFIX}' || left(sha256({opad_param}::blob || {inner}), {HEX_DIGITS}) end"
