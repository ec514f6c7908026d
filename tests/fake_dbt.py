"""A small stand-in for the `dbt` object dbt passes to a Python model, over an in-memory DuckDB.

dbt YAML unit tests cannot run Python models, so the tests call `model(dbt, session)` with this.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from sme_credit import project


def load_model(path: str | Path) -> ModuleType:
    """Import a dbt Python model file (path relative to models/) as a module."""
    path = project.PROJECT_DIR / "models" / path
    spec = importlib.util.spec_from_file_location(f"dbt_model_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Config:
    """`dbt.config(...)` records the model's config; `dbt.config.get(key)` reads YAML config values."""

    def __init__(self, values: dict[str, Any]):
        self.values = dict(values)
        self.configured: dict[str, Any] = {}

    def __call__(self, **kwargs: Any) -> None:
        self.configured.update(kwargs)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


class FakeDbt:
    """The part of dbt's Python-model object the models use: ref(), config() and config.get()."""

    def __init__(self, session: duckdb.DuckDBPyConnection, config: dict[str, Any] | None = None):
        self.session = session
        self.config = _Config(config or {})
        self.refs: list[str] = []

    @property
    def configured(self) -> dict[str, Any]:
        return self.config.configured

    def ref(self, name: str) -> duckdb.DuckDBPyRelation:
        self.refs.append(name)
        return self.session.table(name)


def create_table(session: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame | pa.Table) -> None:
    """Copy a frame into the session as a table (what an upstream dbt model would have built)."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    session.register("frame_to_copy", table)
    session.execute(f"create or replace table {name} as select * from frame_to_copy")
    session.unregister("frame_to_copy")


def referenced_models(path: str | Path) -> list[str]:
    """The names the model file passes to dbt.ref, in order, as dbt's parser would find them."""
    import re

    text = (project.PROJECT_DIR / "models" / path).read_text()
    return re.findall(r'dbt\.ref\("([^"]+)"\)', text)
