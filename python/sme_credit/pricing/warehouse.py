"""The pricing tables of the warehouse, built from the books of every scenario and question.

A *book* is one question's enterprises (q1: enterprises with a credit record, budget
total_budget_q1; q2: the others, budget total_budget — the CUMCM 2020 C questions) under one
scenario (base, or a stress scenario of the seed industry_stress_shocks). The dbt Python models
of models/marts/pricing call these functions; the SQL models join and aggregate their output.
"""

from __future__ import annotations

import pandas as pd

from ..warehouse import frame_from_relation
from .allocation import CREDIT_ALLOCATION_COLUMNS, allocate_credit
from .inputs import ENTERPRISE_COLUMNS
from .parameters import PricingParams, parameters_from_table
from .schemes import PRICING_SCHEMES_COLUMNS, pricing_schemes
from .stress import apply_stress
from .tiers import PRICING_TIERS_COLUMNS, price_enterprises
from .workflow import default_budgets

BASE = "base"
# as_of_date (enterprise_pd's one final as-of date) is a key, so every pricing mart carries the
# date its PDs are for and a warehouse mixing two months' marts can be told (a dbt singular test).
BOOK_KEYS = ["as_of_date", "scenario", "question"]
BOOK_COLUMNS = BOOK_KEYS + ENTERPRISE_COLUMNS


def params_from_relation(relation) -> PricingParams:
    """PricingParams from the seed pricing_parameters as the warehouse holds it."""
    return parameters_from_table(frame_from_relation(relation), source="reference.pricing_parameters")


def _groups(frame: pd.DataFrame, keys: list[str]):
    """(key values, rows) per book, in sorted order (a handful of books: scenarios × questions)."""
    for values, rows in frame.groupby(keys, sort=True, dropna=False):
        yield dict(zip(keys, values)), rows.drop(columns=keys).reset_index(drop=True)


def pricing_books(enterprises: pd.DataFrame, shocks: pd.DataFrame, params: PricingParams) -> pd.DataFrame:
    """The base books plus, for each stress scenario in ``shocks``, the same books stressed.

    ``enterprises``: one row per enterprise with ``as_of_date``, ``question`` and the pricing input columns.
    PDs are floored at ``pd_floor`` (Basel's 0.03%) first: a model PD of 0 (an isotonic or
    forest estimate) would otherwise price a loan with no expected loss.
    """
    enterprises = enterprises.assign(pd=enterprises["pd"].clip(lower=params.pd_floor))
    base = enterprises[["as_of_date", "question", *ENTERPRISE_COLUMNS]].assign(scenario=BASE)
    books = [base]
    for scenario in sorted(shocks["scenario"].unique()):
        stressed = apply_stress(enterprises[ENTERPRISE_COLUMNS], shocks, scenario, params)
        books.append(stressed.assign(as_of_date=enterprises["as_of_date"].to_numpy(),
                                     question=enterprises["question"].to_numpy(), scenario=scenario))
    return pd.concat(books, ignore_index=True)[BOOK_COLUMNS]


def pricing_tiers(books: pd.DataFrame, params: PricingParams, rate_churn: pd.DataFrame) -> pd.DataFrame:
    """Tier, optimal grid rate, term and per-yuan economics of every enterprise in every book."""
    frames = [price_enterprises(rows, params, rate_churn).assign(**key) for key, rows in _groups(books, BOOK_KEYS)]
    if not frames:
        return pd.DataFrame(columns=BOOK_KEYS + PRICING_TIERS_COLUMNS)
    return pd.concat(frames, ignore_index=True)[BOOK_KEYS + PRICING_TIERS_COLUMNS]


def credit_allocation(tiers: pd.DataFrame, books: pd.DataFrame, params: PricingParams) -> pd.DataFrame:
    """Amounts of every book under its question's budget (MILP, scipy HiGHS), with the economics."""
    budgets = default_budgets(params)
    frames = []
    for key, book_tiers in _groups(tiers, BOOK_KEYS):
        book = books[(books["scenario"] == key["scenario"]) & (books["question"] == key["question"])
                     & (books["as_of_date"] == key["as_of_date"])]
        frames.append(allocate_credit(book_tiers, budgets[key["question"]], book[ENTERPRISE_COLUMNS], params,
                                      key["scenario"], key["question"]).assign(as_of_date=key["as_of_date"]))
    if not frames:
        return pd.DataFrame(columns=["as_of_date", *CREDIT_ALLOCATION_COLUMNS])
    return pd.concat(frames, ignore_index=True)[["as_of_date", *CREDIT_ALLOCATION_COLUMNS]]


def scheme_search(books: pd.DataFrame, params: PricingParams, rate_churn: pd.DataFrame) -> pd.DataFrame:
    """Seed 002's grid of tier-rate schemes for each question's base book."""
    budgets = default_budgets(params)
    base = books[books["scenario"] == BASE].drop(columns="scenario")
    keys = ["as_of_date", "question"]
    frames = [pricing_schemes(rows, budgets[key["question"]], params, rate_churn).assign(**key)
              for key, rows in _groups(base, keys)]
    if not frames:
        return pd.DataFrame(columns=[*keys, *PRICING_SCHEMES_COLUMNS])
    return pd.concat(frames, ignore_index=True)[[*keys, *PRICING_SCHEMES_COLUMNS]]
