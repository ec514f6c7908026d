"""The bench's peer: invoice indicators the way most published CUMCM 2020 C solutions compute
them, pandas groupby over the whole invoice table in memory, one row per enterprise over its whole
history (the latest as-of date of the mart, is_latest). Vectorised; same rules as floor.sql."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sme_credit.benchmarks.floor import build_vars

# the columns of marts.enterprise_indicators the peer computes (at the latest as-of date)
PEER_COLUMNS = [
    "first_invoice_date", "last_invoice_date", "active_span_days", "net_sales", "net_purchases", "gross_profit",
    "gross_margin", "avg_daily_sales", "avg_daily_cost", "order_count", "transaction_efficiency", "void_ratio_count",
    "void_ratio_amount", "red_letter_ratio_count", "red_letter_ratio_amount", "distinct_customers",
    "distinct_suppliers", "customer_hhi", "supplier_hhi", "top_customer_share", "top_supplier_share",
    "avg_sales_invoice_amount", "avg_purchase_invoice_amount", "sales_tax_rate", "vat_burden",
]


def _div(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den != 0)


def usable_invoices(raw_dir: Path) -> tuple[pd.DataFrame, pd.Index]:
    """Usable invoices (with their month) and the enterprise ids."""
    v = build_vars()
    inv = pd.read_parquet(Path(raw_dir) / "invoices")
    ent = pd.read_parquet(Path(raw_dir) / "enterprises.parquet", columns=["enterprise_id", "founded_on"])
    inv = inv.drop_duplicates()
    inv["seller"] = inv["counterparty_id"].where(inv["direction"] == "purchase")
    key = ["enterprise_id", "direction", "invoice_number", "seller"]
    inv = inv[~inv.duplicated(key, keep=False)]  # a key left with two rows has two contents: dropped
    inv = inv.merge(ent, on="enterprise_id")
    date = pd.to_datetime(inv["issue_date"])
    tax = inv["tax"].fillna(0)
    ok = (inv["direction"].isin(["sales", "purchase"]) & inv["status"].isin(["valid", "voided"])
          & inv["invoice_number"].notna() & (date >= pd.Timestamp(v["earliest_plausible_date"]))
          & (inv["founded_on"].isna() | (date >= pd.to_datetime(inv["founded_on"])))
          & ((inv["total"] - inv["amount"] - tax).abs() <= v["invoice_total_tolerance"])
          & (inv[["amount", "total"]].abs().max(axis=1) <= float(v["max_abs_amount"])))
    inv = inv[ok].assign(issue_date=date[ok], month=date[ok].dt.to_period("M").dt.to_timestamp())
    return inv, pd.Index(ent["enterprise_id"].unique(), name="enterprise_id")


def peer_indicators(raw_dir: Path, out: Path) -> dict:
    inv, enterprise_ids = usable_invoices(raw_dir)
    valid = inv["status"] == "valid"
    per_month = inv[valid].groupby("month")["enterprise_id"].nunique()
    last_month = per_month[per_month >= build_vars()["data_month_min_share"] * per_month.max()].index.max()
    as_of = last_month + pd.DateOffset(months=1)
    inv = inv[inv["issue_date"] < as_of]
    # months before an enterprise's first valid invoice month are not in the panel
    first_valid = inv[inv["status"] == "valid"].groupby("enterprise_id")["month"].min().rename("first_valid")
    inv = inv.merge(first_valid, on="enterprise_id")
    inv = inv[inv["month"] >= inv["first_valid"]]

    sale, valid = inv["direction"] == "sales", inv["status"] == "valid"
    amt = inv["amount"]
    cols = {
        "s_net": amt.where(sale & valid), "s_tax": inv["tax"].where(sale & valid),
        "p_net": amt.where(~sale & valid), "p_tax": inv["tax"].where(~sale & valid),
        "s_gross": amt.where(sale & valid & (amt > 0)), "s_red": -amt.where(sale & valid & (amt < 0)),
        "s_orders": (sale & valid & (amt > 0)).astype(int), "s_red_n": (sale & valid & (amt < 0)).astype(int),
        "s_n": sale.astype(int), "s_void": (sale & ~valid).astype(int),
        "s_abs": amt.abs().where(sale), "s_void_abs": amt.abs().where(sale & ~valid),
        "p_gross": amt.where(~sale & valid & (amt > 0)), "p_orders": (~sale & valid & (amt > 0)).astype(int),
        "p_n": (~sale).astype(int), "p_void": (~sale & ~valid).astype(int),
        "d_valid": inv["issue_date"].where(valid),
    }
    g = pd.DataFrame(cols).assign(enterprise_id=inv["enterprise_id"]).groupby("enterprise_id")
    e = g.sum(numeric_only=True, min_count=0)
    first, last = g["d_valid"].min(), g["d_valid"].max()
    span = (last - first).dt.days + 1
    r = pd.DataFrame(index=e.index)
    r["first_invoice_date"], r["last_invoice_date"], r["active_span_days"] = first.dt.date, last.dt.date, span
    r["net_sales"], r["net_purchases"] = e["s_net"], e["p_net"]
    r["gross_profit"] = e["s_net"] - e["p_net"]
    r["gross_margin"] = _div(r["gross_profit"], e["s_net"])
    r["avg_daily_sales"], r["avg_daily_cost"] = _div(e["s_net"], span), _div(e["p_net"], span)
    r["order_count"] = e["s_orders"]
    r["transaction_efficiency"] = _div(e["s_n"] - e["s_void"], e["s_n"])
    r["void_ratio_count"] = _div(e["s_void"] + e["p_void"], e["s_n"] + e["p_n"])
    r["void_ratio_amount"] = _div(e["s_void_abs"], e["s_abs"])
    r["red_letter_ratio_count"] = _div(e["s_red_n"], e["s_orders"] + e["s_red_n"])
    r["red_letter_ratio_amount"] = _div(e["s_red"], e["s_gross"])
    # concentration: each counterparty's gross valid amount, HHI and top share per enterprise
    flows = inv[valid & (amt > 0) & inv["counterparty_id"].notna()]
    per_cp = flows.groupby(["enterprise_id", "direction", "counterparty_id"])["amount"].sum().rename("s").reset_index()
    per_cp["s2"] = per_cp["s"] ** 2
    conc = per_cp.groupby(["enterprise_id", "direction"]).agg(n=("s", "size"), total=("s", "sum"),
                                                             top=("s", "max"), ss=("s2", "sum"))
    for direction, who in (("sales", "customer"), ("purchase", "supplier")):
        c = conc.xs(direction, level="direction").reindex(r.index)
        r[f"distinct_{who}s"] = c["n"].fillna(0).astype("Int64")
        r[f"{who}_hhi"] = _div(c["ss"], c["total"] ** 2).clip(upper=1.0)
        r[f"top_{who}_share"] = _div(c["top"], c["total"]).clip(upper=1.0)
    r["avg_sales_invoice_amount"] = _div(e["s_gross"], e["s_orders"])
    r["avg_purchase_invoice_amount"] = _div(e["p_gross"], e["p_orders"])
    r["sales_tax_rate"] = _div(e["s_tax"], e["s_net"])
    r["vat_burden"] = _div(e["s_tax"] - e["p_tax"], e["s_net"])
    # every enterprise has a row in the mart (NULL indicators without invoices)
    r = r.replace([np.inf, -np.inf], np.nan).reindex(enterprise_ids).reset_index()
    r.insert(1, "as_of_date", as_of.date())
    r[["enterprise_id", "as_of_date", *PEER_COLUMNS]].to_parquet(out, index=False)
    return {"rows": len(r), "as_of_date": str(as_of.date())}
