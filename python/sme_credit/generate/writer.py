"""Parquet output: whole tables, and invoice parts of a fixed row count written in the background."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

COMPRESSION = "zstd"


def write_table(table: pa.Table, path: Path) -> Path:
    """Write one Parquet file (deterministic bytes for the same table and library versions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression=COMPRESSION)
    return path


class PartWriter:
    """Cuts a stream of tables into parts of exactly `chunk_rows` rows (the last may be shorter).

    One background thread writes (Arrow releases the GIL) while the next unit is generated;
    at most one part is pending, which bounds memory to about two parts plus one unit.
    """

    def __init__(self, folder: Path, schema: pa.Schema, chunk_rows: int,
                 progress: Callable[[str], None] | None = None, total_hint: int | None = None) -> None:
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be positive")
        self.folder, self.schema, self.chunk_rows = folder, schema, chunk_rows
        self.progress, self.total_hint = progress, total_hint
        self.buffer: list[pa.Table] = []
        self.buffered = 0
        self.rows = 0
        self.paths: list[Path] = []
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: Future | None = None
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("part-*.parquet"):  # stale parts of an earlier run would be read too
            old.unlink()

    def add(self, table: pa.Table) -> None:
        """Buffer rows; write every full part."""
        if table.num_rows == 0:
            return
        self.buffer.append(table)
        self.buffered += table.num_rows
        while self.buffered >= self.chunk_rows:
            merged = pa.concat_tables(self.buffer)
            self._submit(merged.slice(0, self.chunk_rows))
            rest = merged.slice(self.chunk_rows)
            self.buffer, self.buffered = ([rest], rest.num_rows) if rest.num_rows else ([], 0)

    def close(self) -> list[Path]:
        """Write the remainder (or one empty part if there were no rows) and wait for the thread."""
        if self.buffered or not self.paths:
            merged = pa.concat_tables(self.buffer) if self.buffer else self.schema.empty_table()
            self._submit(merged)
            self.buffer, self.buffered = [], 0
        self._wait()
        self._pool.shutdown()
        return self.paths

    def _submit(self, table: pa.Table) -> None:
        self._wait()
        path = self.folder / f"part-{len(self.paths):05d}.parquet"
        self.paths.append(path)
        self.rows += table.num_rows
        self._pending = self._pool.submit(write_table, table, path)
        if self.progress:
            of = f" of ~{self.total_hint:,}" if self.total_hint else ""
            self.progress(f"invoices: {path.name} ({self.rows:,}{of} rows)")

    def _wait(self) -> None:
        if self._pending is not None:
            self._pending.result()  # re-raises a write error here
            self._pending = None
