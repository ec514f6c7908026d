"""Report pages: the portfolio (exposure, expected loss and capital) and pricing / allocation."""

from __future__ import annotations

import pandas as pd

from sme_credit.report import charts
from sme_credit.report.html import Page, Section, Serving, chart, note, table

LIVE_BOOK = "marts.portfolio_exposure (early-warning work, issue 12)"
AMOUNTS = [("exposure", "exposure (yuan)"), ("expected_loss", "expected loss (yuan)"), ("capital", "capital (yuan)")]


def _allocation_by(serving: Serving, dimension: str, order: str) -> pd.DataFrame:
    serving.require("credit_allocation", [dimension, "amount", "expected_loss", "capital"])
    return serving.df(f"""
        select coalesce(cast({dimension} as varchar), 'none') as {dimension}, sum(amount) as exposure,
               sum(expected_loss) as expected_loss, sum(capital) as capital
        from credit_allocation where scenario = 'base' and amount > 0
        group by all order by {order}""")


def books_overview(serving: Serving) -> str:
    serving.require("portfolio_summary")
    frame = serving.df("""
        select book, scenario, n_enterprises as enterprises, total_lent, expected_loss, capital, raroc
        from portfolio_summary order by book, scenario <> 'base', scenario""")
    return table(frame, money=["total_lent", "expected_loss", "capital"], percent=["raroc"]) + note(
        "Each scenario is the whole book priced and allocated again: compare scenarios, never add them.")


def by_dimension(dimension: str, label: str, order: str):
    def build(serving: Serving) -> str:
        frame = _allocation_by(serving, dimension, order)
        if frame.empty:
            return note("No loan is granted in the base case.")
        svg = charts.bar_panels(frame, dimension, AMOUNTS, f"Pricing books, base case, by {label}")
        return chart(svg, f"Exposure, expected loss and IRB capital of the loans granted, by {label} "
                          "(serving.credit_allocation, base scenario, both books).", f"allocation_by_{dimension}")
    return build


def live_book(serving: Serving) -> str:
    serving.require("portfolio_exposure", ["exposure", "expected_loss", "capital", "industry", "grade", "status"],
                    LIVE_BOOK)
    parts = []
    for dimension in ("industry", "grade", "status"):
        frame = serving.df(f"""
            select coalesce(cast({dimension} as varchar), 'none') as {dimension}, sum(exposure) as exposure,
                   sum(expected_loss) as expected_loss, sum(capital) as capital
            from portfolio_exposure group by all order by {'min(grade)' if dimension == 'grade' else 'exposure desc'}""")
        parts.append(chart(charts.bar_panels(frame, dimension, AMOUNTS, f"Live loan book by {dimension}"),
                           f"Live loans at the latest month by {dimension} (serving.portfolio_exposure).",
                           f"live_book_by_{dimension}"))
    return "".join(parts)


def tiers_per_book(serving: Serving) -> str:
    serving.require("pricing_tiers", ["book", "tier"])
    frame = serving.df("select book, tier, count(*) as enterprises from pricing_tiers where scenario = 'base' "
                       "group by all order by book, tier")
    svg = charts.grouped_bars(frame, "tier", "book", "enterprises", "Enterprises per tier, base case",
                              ylabel="enterprises")
    return chart(svg, "Pricing tier of every enterprise of each book (serving.pricing_tiers).", "tiers_per_book")


def rate_against_pd(serving: Serving) -> str:
    serving.require("pricing_tiers", ["pd", "rate", "tier", "raroc"])
    frame = serving.df("select pd, rate, raroc, tier from pricing_tiers where scenario = 'base' and rate is not null "
                       "order by tier, pd")
    if frame.empty:
        return note("Every enterprise is declined in the base case.")
    fig, (left, right) = charts.figure(ncols=2)
    for name, group in frame.groupby("tier", sort=True):
        left.scatter(group["pd"], group["rate"], s=8, label=name, alpha=0.7)
        right.scatter(group["pd"], group["raroc"], s=8, label=name, alpha=0.7)
    left.set(xscale="log", title="RAROC-optimal rate against PD", xlabel="PD", ylabel="annual rate")
    right.set(xscale="log", title="RAROC against PD", xlabel="PD", ylabel="annual RAROC")
    charts.percent_axis(left)
    charts.percent_axis(right)
    left.legend(fontsize=8, frameon=False)
    return chart(charts.to_svg(fig), "Every priced enterprise, base case (serving.pricing_tiers).", "rate_against_pd")


def schemes(serving: Serving) -> str:
    serving.require("pricing_schemes", ["book", "scheme", "rate_premium", "portfolio_raroc", "total_lent"])
    frame = serving.df("select book, scheme, rate_premium, rate_ordinary, rate_adjusted, total_lent, portfolio_raroc "
                       "from pricing_schemes order by book, scheme")
    fig, (raroc, lent) = charts.figure(ncols=2)
    for book, group in frame.groupby("book", sort=True):
        raroc.plot(group["rate_premium"], group["portfolio_raroc"], marker="o", markersize=3, label=book)
        lent.plot(group["rate_premium"], group["total_lent"], marker="o", markersize=3, label=book)
        best = group.loc[group["portfolio_raroc"].idxmax()]
        raroc.annotate(f"best: scheme {int(best['scheme'])}", (best["rate_premium"], best["portfolio_raroc"]),
                       fontsize=7, xytext=(0, 6), textcoords="offset points", ha="center")
    raroc.set(title="Portfolio RAROC", xlabel="premium-tier rate of the scheme", ylabel="annual RAROC")
    lent.set(title="Amount lent", xlabel="premium-tier rate of the scheme")
    for ax in (raroc, lent):
        charts.percent_axis(ax, "x")
        ax.legend(fontsize=8, frameon=False)
    charts.percent_axis(raroc)
    charts.money_axis(lent, "y")
    return chart(charts.to_svg(fig), "Seed 002's grid of tier-rate schemes (the ordinary and adjusted rates rise with "
                                     "the premium rate; serving.pricing_schemes).", "pricing_schemes")


def allocation_by_grade(serving: Serving) -> str:
    serving.require("credit_allocation", ["book", "grade", "amount"])
    frame = serving.df("select book, grade_label as grade, sum(amount) as lent from credit_allocation "
                       "where scenario = 'base' and grade is not null group by all order by min(grade), book")
    svg = charts.grouped_bars(frame, "grade", "book", "lent", "Amount lent per grade, base case", money=True)
    return chart(svg, "The budgeted MILP's allocation by master-scale grade (serving.credit_allocation).",
                 "allocation_by_grade")


def stress_by_industry(serving: Serving) -> str:
    serving.require("scenario_by_industry", ["scenario", "book", "industry", "change_total_lent"])
    frame = serving.df("select scenario || ' / ' || book as comparison, industry, coalesce(change_total_lent, 0) as change "
                       "from scenario_by_industry order by comparison, industry")
    if frame.empty:
        return note("No stress scenario in this build.")
    svg = charts.grouped_bars(frame, "industry", "comparison", "change", "Change in lending under stress, by industry",
                              money=True, horizontal=True)
    return chart(svg, "Stressed minus base amount lent per industry (serving.scenario_by_industry).",
                 "stress_by_industry")


PORTFOLIO = Page("portfolio", "Portfolio", "Exposure, expected loss and Basel IRB capital of the pricing books "
                 "(the CUMCM questions: with and without a credit record) and, once it is published, of the live "
                 "loan book.", [
                     Section("The books", books_overview),
                     Section("By industry", by_dimension("industry", "industry", "exposure desc")),
                     Section("By grade", by_dimension("grade_label", "grade", "min(grade)")),
                     Section("By tier", by_dimension("tier", "tier", "tier")),
                     Section("Live loan book", live_book),
                 ])

PRICING = Page("pricing", "Pricing and allocation", "RAROC pricing of every enterprise, the budgeted allocation and "
               "the stress scenarios.", [
                   Section("Tiers", tiers_per_book),
                   Section("Rates and RAROC", rate_against_pd),
                   Section("Tier-rate schemes", schemes),
                   Section("Allocation", allocation_by_grade),
                   Section("Stress", stress_by_industry),
               ])
