"""Pricing seeds: in sync with the code, complete, and documented."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sme_credit.pricing import PricingParams, load_parameters, load_stress_shocks
from sme_credit.pricing.parameters import seeds_dir

SEEDS = seeds_dir()


def test_parameters_seed_equals_dataclass_defaults() -> None:
    table = pd.read_csv(SEEDS / "pricing_parameters.csv")
    assert list(table.columns) == ["parameter", "value", "unit", "description"]
    assert dict(zip(table["parameter"], table["value"])) == {k: float(v) for k, v in asdict(PricingParams()).items()}
    assert table["unit"].notna().all() and table["description"].str.len().gt(10).all()
    assert load_parameters() == PricingParams()


def test_unknown_parameter_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    pd.DataFrame({"parameter": ["hurdle_rate", "hurdel_rate"], "value": [0.1, 0.2], "unit": "", "description": ""}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="hurdel_rate"):
        load_parameters(path)
    pd.DataFrame({"parameter": ["hurdle_rate"], "value": [0.12], "unit": "", "description": ""}).to_csv(path, index=False)
    assert load_parameters(path) == PricingParams(hurdle_rate=0.12)


def test_shocks_cover_every_industry() -> None:
    shocks = load_stress_shocks()
    industries = set(pd.read_csv(SEEDS / "industries.csv")["industry"])
    epidemic = shocks[shocks["scenario"] == "epidemic"].set_index("industry")
    assert set(epidemic.index) == industries
    assert epidemic["rationale"].str.len().gt(20).all()
    hardest = epidemic.loc[["catering", "tourism_hospitality", "transport_logistics"], "pd_multiplier"]
    others = epidemic.drop(index=hardest.index)["pd_multiplier"]
    assert hardest.min() > others.max()
    assert (epidemic.loc[["medical_pharma", "online_services"], "pd_multiplier"] <= 1).all()
    assert (epidemic.loc[["medical_pharma", "online_services"], "sales_shock"] <= 0).all()
    assert (epidemic.loc[["trade", "manufacturing", "construction"], "pd_multiplier"].between(1.2, 1.6)).all()


def test_seed_properties_document_every_column() -> None:
    spec = yaml.safe_load((SEEDS / "_pricing_seeds.yml").read_text(encoding="utf-8"))
    seeds = {s["name"]: s for s in spec["seeds"]}
    assert set(seeds) == {"rate_churn", "industry_stress_shocks", "pricing_parameters"}
    for name, seed in seeds.items():
        header = list(pd.read_csv(SEEDS / f"{name}.csv", nrows=0).columns)
        assert [c["name"] for c in seed["columns"]] == header
        assert all(c.get("description") for c in seed["columns"])
        assert list(seed["config"]["column_types"]) == header
        assert seed["description"]
