"""fit_pd_models on a user's own table: labels, identifiers, declared categories, notes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sme_credit.modeling import fit_pd_models
from sme_credit.modeling.inputs import LABEL_TEXT, identifier_columns, label_to_flag, prepare_inputs


def test_text_labels_follow_the_documented_mapping():
    flag, notes = label_to_flag(pd.Series(["good", "BAD ", None, "Default", "performing"]))
    assert flag.tolist()[:2] == [0.0, 1.0] and np.isnan(flag[2]) and flag.tolist()[3:] == [1.0, 0.0]
    assert "text label mapped" in notes[0]
    assert LABEL_TEXT["bad"] == 1 and LABEL_TEXT["good"] == 0


def test_unknown_text_label_is_an_error_naming_the_values():
    with pytest.raises(ValueError, match=r"\['maybe'\].*not in the documented mapping"):
        label_to_flag(pd.Series(["good", "maybe"]))
    with pytest.raises(ValueError, match="label must be 0/1"):
        label_to_flag(pd.Series([0, 1, 2]))


def test_identifier_columns_are_detected_and_amounts_are_not():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "loan_number": np.arange(1000, 1040),                       # dense distinct integers
        "customer_ref": [f"C{i:04d}" for i in range(40)],            # distinct text
        "amount": rng.integers(10_000, 1_000_000, 40),               # distinct integers, sparse
        "ratio": rng.random(40),                                     # distinct floats
        "term": rng.integers(1, 4, 40),
    })
    assert identifier_columns(frame) == {
        "loan_number": "identifier-like: distinct consecutive integers",
        "customer_ref": "identifier-like: a distinct text value per row"}


def test_declared_categorical_codes_become_text_levels():
    frame = pd.DataFrame({"zip": [2139, 10001, 2139, None], "x": [1.0, 2.0, 3.0, 4.0]})
    out = prepare_inputs(frame, [0, 1, 0, 1], categorical=["zip"])
    assert out.X["zip"].tolist()[:3] == ["2139", "10001", "2139"] and out.X["zip"].isna().iloc[3]
    with pytest.raises(KeyError, match="not in features"):
        prepare_inputs(frame, [0, 1, 0, 1], categorical=["state"])


@pytest.fixture(scope="module")
def outside_table():
    """A bank table as a new user has it: loan number, text label, codes, a 60-level state."""
    rng = np.random.default_rng(7)
    n = 600
    risk = rng.normal(size=n)
    states = np.array([f"S{i:02d}" for i in range(60)])
    frame = pd.DataFrame({
        "loan_number": np.arange(50_000, 50_000 + n),
        "income": np.exp(rng.normal(10, 1, n)) * np.exp(-0.4 * risk),
        "utilisation": np.clip(0.5 + 0.2 * risk + rng.normal(0, 0.1, n), 0, None),
        "industry_code": rng.choice([11, 23, 44, 52, 72], n),
        "state": rng.choice(states, n),
    })
    frame.loc[rng.random(n) < 0.1, "income"] = np.nan
    label = np.where(rng.random(n) < 1 / (1 + np.exp(-(-2.2 + 1.3 * risk))), "bad", "good")
    return frame, label


def test_fit_on_an_outside_table_with_defaults(outside_table):
    frame, label = outside_table
    result = fit_pd_models(frame, label, categorical=["industry_code"], models=("logistic", "regularised_logistic"),
                           cv_repeats=1, cv_folds=3)
    assert (result.level, result.variant) == ("custom", "default")
    assert "loan_number" not in result.feature_columns and "state" in result.feature_columns
    notes = "\n".join(result.notes)
    assert "'loan_number' left out: identifier-like" in notes
    assert "text label mapped to 0/1" in notes and "'state': 60 levels" in notes
    coefficients = result.coefficients
    assert not coefficients["feature"].str.startswith("loan_number").any()
    assert coefficients["feature"].str.startswith("industry_code=").any()
    assert (result.scores["entity_id"].to_numpy()[:n_rows(frame)] == np.arange(len(frame))).all()
    # the same inputs give the same outputs, model ids included
    again = fit_pd_models(frame, label, categorical=["industry_code"], models=("logistic", "regularised_logistic"),
                          cv_repeats=1, cv_folds=3)
    pd.testing.assert_frame_equal(result.scores, again.scores)
    assert result.registry["model_id"].tolist() == again.registry["model_id"].tolist()


def n_rows(frame: pd.DataFrame) -> int:
    return len(frame)


def test_last_bit_noise_is_rounded_away_before_any_model_sees_it():
    """Two builds may sum the same invoices in a different order: their features must agree."""
    from sme_credit.modeling.preprocess import clean_features, round_last_bits

    first = np.array([0.3, 1.0, 0.0, 2.5e6, -0.125, np.nan, 123456.7890123456])
    again = np.array([0.1 + 0.2, 0.9999999999999998, 5.6e-18, 2.5e6 * (1 + 4e-16), -0.125, np.nan, 123456.7890123457])
    assert np.array_equal(round_last_bits(first), round_last_bits(again), equal_nan=True)
    # 12 significant digits: 123456.789012|3456 -> 123456.789012; real differences survive
    assert round_last_bits(np.array([123456.7890123456]))[0] == 123456.789012
    assert round_last_bits(np.array([0.3000001]))[0] != round_last_bits(np.array([0.3]))[0]
    frame = clean_features(pd.DataFrame({"growth": [5.6e-18, -3.7e-17, 0.25], "flag": [True, False, True],
                                         "ratio": [np.inf, 0.1 + 0.2, 1.0]}))
    assert frame["growth"].tolist() == [0.0, 0.0, 0.25]
    assert frame["flag"].tolist() == [1.0, 0.0, 1.0]
    assert np.isnan(frame["ratio"][0]) and frame["ratio"][1] == 0.3
