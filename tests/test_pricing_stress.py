"""Industry stress: shocked PDs and sales, re-pricing and re-allocation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sme_credit.pricing import (
    SCENARIO_ALLOCATION_COLUMNS,
    PricingParams,
    apply_stress,
    load_rate_churn,
    load_stress_shocks,
    run_pricing,
    stress_test,
)
from sme_credit.pricing.synthetic import synthetic_enterprises

PARAMS = PricingParams()
HIT = ["catering", "tourism_hospitality", "transport_logistics"]


@pytest.fixture(scope="module")
def shocks() -> pd.DataFrame:
    return load_stress_shocks()


def test_apply_stress_by_hand(shocks: pd.DataFrame) -> None:
    e = pd.DataFrame(
        {
            "enterprise_id": list("abcdef"),
            "pd": [0.02, 0.5, 1.0, 0.03, 0.04, 0.05],
            "industry": ["catering", "catering", "tourism_hospitality", "medical_pharma", None, "not_a_code"],
            "annual_sales": [1e6, np.nan, 2e6, 1e6, 1e6, 1e6],
        }
    )
    s = apply_stress(e, shocks, "epidemic", PARAMS)
    # catering ×2.5 and −40% sales; capped at 0.999; a defaulted PD stays 1; medical ×0.9 and +10% sales;
    # missing or unknown industry → the 'unknown' row (×1.5, −15%)
    np.testing.assert_allclose(s["pd"], [0.05, 0.999, 1.0, 0.027, 0.06, 0.075])
    np.testing.assert_allclose(s["annual_sales"], [6e5, np.nan, 1.1e6, 1.1e6, 8.5e5, 8.5e5])
    assert list(s.columns) == list(e.columns)
    with pytest.raises(ValueError):
        apply_stress(e, shocks, "no_such_scenario", PARAMS)


@pytest.fixture(scope="module")
def result(shocks: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return stress_test(synthetic_enterprises(300, seed=4), PARAMS.total_budget, "q2", "epidemic", PARAMS, load_rate_churn(), shocks)


def test_scenario_allocation(result: dict[str, pd.DataFrame]) -> None:
    sa = result["scenario_allocation"]
    assert list(sa.columns) == SCENARIO_ALLOCATION_COLUMNS
    assert len(sa) == 300
    np.testing.assert_allclose(sa["amount_change"], sa["stressed_amount"] - sa["base_amount"])
    hit = sa["industry"].isin(HIT)
    assert hit.sum() > 0
    assert (sa.loc[hit, "stressed_pd"] > sa.loc[hit, "base_pd"]).all()
    assert (sa["stressed_pd"] < 1).all() or (sa.loc[sa["stressed_pd"] >= 1, "base_pd"] >= 1).all()
    # declined under stress → nothing; declined in the base and hit by the shock → still nothing
    assert (sa.loc[sa["stressed_tier"] == "declined", "stressed_amount"] == 0).all()
    worse = sa["stressed_pd"] >= sa["base_pd"]
    assert (sa.loc[(sa["base_tier"] == "declined") & worse, "stressed_amount"] == 0).all()
    # a hit industry never moves to a better tier
    order = {"premium": 0, "ordinary": 1, "adjusted": 2, "declined": 3}
    assert (sa.loc[hit, "stressed_tier"].map(order) >= sa.loc[hit, "base_tier"].map(order)).all()
    assert sa["stressed_amount"].sum() <= PARAMS.total_budget
    # the hardest-hit industries lose credit in total
    assert sa.loc[hit, "amount_change"].sum() < 0


def test_summary_and_difference(result: dict[str, pd.DataFrame]) -> None:
    s = result["portfolio_summary"]
    assert set(s["scenario"]) == {"base", "epidemic"}
    overall = s[s["breakdown"] == "overall"].set_index("scenario")
    # same book, riskier: expected loss per yuan lent goes up and RAROC goes down
    el_rate = overall["expected_loss"] / overall["total_lent"]
    assert el_rate["epidemic"] > el_rate["base"]
    assert overall.loc["epidemic", "raroc"] < overall.loc["base", "raroc"]
    d = result["scenario_difference"]
    row = d[(d["breakdown"] == "overall")].iloc[0]
    assert row["change_total_lent"] == pytest.approx(overall.loc["epidemic", "total_lent"] - overall.loc["base", "total_lent"])
    assert row["change_raroc"] == pytest.approx(overall.loc["epidemic", "raroc"] - overall.loc["base", "raroc"])


def test_run_pricing_two_questions() -> None:
    q1 = synthetic_enterprises(123, seed=8, rated_share=1.0)
    q2 = synthetic_enterprises(302, seed=9, rated_share=0.0)
    q2["enterprise_id"] = "U" + q2["enterprise_id"]
    out = run_pricing({"q1": q1, "q2": q2}, PARAMS, with_schemes=False)
    a = out["credit_allocation"]
    assert set(a["question"]) == {"q1", "q2"} and set(a["scenario"]) == {"base", "epidemic"}
    totals = a.groupby(["scenario", "question"])["amount"].sum()
    assert (totals.xs("q1", level="question") <= PARAMS.total_budget_q1).all()
    assert (totals.xs("q2", level="question") <= PARAMS.total_budget).all()
    assert len(out["pricing_tiers"]) == 425 and len(out["scenario_allocation"]) == 425
    assert (a.loc[a["tier"] == "declined", "amount"] == 0).all()
    # rated D in Q1 are declined whatever their PD
    d_ids = q1.loc[q1["credit_rating"] == "D", "enterprise_id"]
    assert (out["pricing_tiers"].set_index("enterprise_id").loc[d_ids, "tier"] == "declined").all()
    with pytest.raises(ValueError):
        run_pricing({"q1": q1, "q2": q1}, PARAMS, with_schemes=False)


def test_minimal_input_columns() -> None:
    """Only enterprise_id and pd are required: no industry → 'unknown' shock and summary group."""
    e = pd.DataFrame({"enterprise_id": ["x", "y", "z"], "pd": [0.01, 0.04, 0.3]})
    out = run_pricing({"q1": e}, PARAMS, with_schemes=False)
    s = out["portfolio_summary"]
    assert set(s.loc[s["breakdown"] == "industry", "breakdown_value"]) == {"unknown"}
    sa = out["scenario_allocation"].set_index("enterprise_id")
    np.testing.assert_allclose(sa["stressed_pd"], [0.015, 0.06, 0.45])  # 'unknown' row: ×1.5
    assert sa.loc["z", "stressed_amount"] == 0
