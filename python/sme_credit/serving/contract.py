"""The serving layer's contract as dbt records it: which tables are public, and how each column is
classified (models/serving/*.yml → target/manifest.json).

A serving model is an enabled dbt model under models/serving/. Each column carries
``meta.sensitivity`` (public / internal / personal), optionally ``meta.identifier`` (enterprise /
loan: the keys the keyed pseudonymisation replaces) and ``meta.free_text`` (text that may quote a
raw value). Publication refuses a column that is personal or unclassified.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

SENSITIVITIES = ("public", "internal", "personal")
PUBLISHABLE = ("public", "internal")
SERVING_FOLDER = "serving"


@dataclass(frozen=True)
class ServingColumn:
    name: str
    description: str = ""
    data_type: str | None = None
    sensitivity: str | None = None
    identifier: str | None = None
    free_text: bool = False


@dataclass(frozen=True)
class ServingTable:
    model: str  # dbt model name (srv_<table>)
    name: str  # the relation name BI users see (serving.<name>)
    schema: str
    description: str = ""
    grain: str = ""
    columns: tuple[ServingColumn, ...] = field(default_factory=tuple)

    def column(self, name: str) -> ServingColumn | None:
        return next((c for c in self.columns if c.name == name), None)


def _column(entry: dict) -> ServingColumn:
    meta = {**entry.get("meta", {}), **entry.get("config", {}).get("meta", {})}
    return ServingColumn(
        name=entry["name"],
        description=entry.get("description") or "",
        data_type=entry.get("data_type"),
        sensitivity=meta.get("sensitivity"),
        identifier=meta.get("identifier"),
        free_text=bool(meta.get("free_text", False)),
    )


def serving_tables(manifest: dict) -> list[ServingTable]:
    """Every enabled serving model of a dbt manifest, sorted by relation name."""
    tables = []
    for node in manifest["nodes"].values():
        fqn = node.get("fqn", [])
        if node.get("resource_type") != "model" or len(fqn) < 3 or fqn[1] != SERVING_FOLDER:
            continue
        meta = {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}
        tables.append(ServingTable(
            model=node["name"],
            name=node.get("alias") or node["name"],
            schema=node["schema"],
            description=node.get("description") or "",
            grain=str(meta.get("grain", "")),
            columns=tuple(_column(c) for c in node.get("columns", {}).values()),
        ))
    return sorted(tables, key=lambda t: t.name)


def load_manifest(target_dir: Path) -> dict:
    path = Path(target_dir) / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"no dbt manifest at {path}: run `sme-credit build` first")
    return json.loads(path.read_text())


def classification_problems(tables: list[ServingTable]) -> list[str]:
    """Columns that may not be published: unclassified, not one of the levels, or personal."""
    problems = []
    for table in tables:
        for column in table.columns:
            where = f"serving.{table.name}.{column.name}"
            if column.sensitivity is None:
                problems.append(f"{where}: no meta.sensitivity (classify it public, internal or personal)")
            elif column.sensitivity not in SENSITIVITIES:
                problems.append(f"{where}: meta.sensitivity {column.sensitivity!r} is not one of {', '.join(SENSITIVITIES)}")
            elif column.sensitivity not in PUBLISHABLE:
                problems.append(f"{where}: classified {column.sensitivity}; personal data never reaches the serving layer")
    return problems
