"""Report pages: early warning (watchlist and its recall) and data quality (reconciliation,
quarantine, the gate's history)."""

from __future__ import annotations

from sme_credit.report import charts
from sme_credit.report.html import Page, Section, Serving, chart, note, table

EARLY_WARNING = "the early-warning work (issue 12)"
FORWARD_LABEL = "the monthly panel's 12-month forward label (issue 11)"


def watchlist_size(serving: Serving) -> str:
    serving.require("watchlist", ["as_of_date", "max_severity", "enterprise_id"], EARLY_WARNING)
    frame = serving.df("select as_of_date, max_severity, count(distinct enterprise_id) as enterprises "
                       "from watchlist group by all order by as_of_date, max_severity")
    if frame.empty:
        return note("Nobody is on the watchlist.")
    frame["month"] = frame["as_of_date"].map(lambda d: f"{d:%Y-%m}")
    svg = charts.grouped_bars(frame, "month", "max_severity", "enterprises", "Enterprises on the watchlist",
                              ylabel="enterprises", stacked=True)
    return chart(svg, "Per month and highest severity (serving.watchlist).", "watchlist_size")


def watchlist_recall(serving: Serving) -> str:
    serving.require("watchlist", ["as_of_date", "enterprise_id"], EARLY_WARNING)
    serving.require("enterprise_indicators", ["as_of_date", "enterprise_id", "default_next_12m"], FORWARD_LABEL)
    frame = serving.df("""
        select i.as_of_date, count(*) as defaulters, count(w.enterprise_id) as on_watchlist,
               count(w.enterprise_id) / count(*) as recall
        from enterprise_indicators as i
        left join (select distinct enterprise_id, as_of_date from watchlist) as w
            on w.enterprise_id = i.enterprise_id and w.as_of_date = i.as_of_date
        where i.default_next_12m = 1
        group by all order by i.as_of_date""")
    if frame.empty:
        return note("No enterprise defaulted within 12 months of any as-of date yet.")
    svg = charts.lines(frame, "as_of_date", None, "recall", "Watchlist recall: defaulters flagged in advance",
                       ylabel="share of next-12-month defaulters on the watchlist", percent=True)
    return chart(svg, "For each as-of date, the enterprises that defaulted within the next 12 months, and the share "
                      "of them that were on the watchlist that month (serving.watchlist, serving.enterprise_indicators).",
                 "watchlist_recall") + table(frame.tail(12))


def signal_backtest(serving: Serving) -> str:
    serving.require("early_warning_backtest", ["signal_id", "precision_12m", "recall_3m"], EARLY_WARNING)
    frame = serving.df("select signal_id, precision_12m, recall_3m, flags, median_lead_months "
                       "from early_warning_backtest order by signal_id = 'watchlist' desc, signal_id")
    svg = charts.bar_panels(frame, "signal_id", [("precision_12m", "precision (default within 12 months)"),
                                                 ("recall_3m", "recall (flagged ≥ 3 months ahead)")],
                            "Back-test of the signals", money=False, percent=True)
    return chart(svg, "Per signal and for the watchlist rule (serving.early_warning_backtest).", "signal_backtest") + \
        table(frame, percent=["precision_12m", "recall_3m"])


def high_risk_now(serving: Serving) -> str:
    serving.require("enterprise_pd", ["grade", "grade_label", "industry"])
    frame = serving.df("select industry, grade_label, count(*) as enterprises, min(grade) as g from enterprise_pd "
                       "where grade >= 8 group by all order by industry, g")
    if frame.empty:
        return note("No enterprise is graded CCC or worse.")
    svg = charts.grouped_bars(frame, "industry", "grade_label", "enterprises",
                              "Enterprises graded CCC or worse, by industry", ylabel="enterprises", stacked=True,
                              horizontal=True)
    return chart(svg, "Decision PD ≥ 8% today (grades 8–10 of serving.master_scale; serving.enterprise_pd).",
                 "high_risk_now")


def reconciliation(serving: Serving) -> str:
    serving.require("dq_source_reconciliation")
    frame = serving.df("""
        select source_table, count(*) as files, cast(sum(raw_rows) as bigint) as raw_rows,
               cast(sum(staged_rows) as bigint) as staged, cast(sum(duplicate_rows) as bigint) as duplicates,
               cast(sum(quarantined_rows) as bigint) as quarantined, bool_and(is_reconciled) as reconciled
        from dq_source_reconciliation group by all order by source_table""")
    long = frame.melt(id_vars=["source_table"], value_vars=["staged", "duplicates", "quarantined"], var_name="outcome")
    long["share"] = long["value"] / long["source_table"].map(frame.set_index("source_table")["raw_rows"]).clip(lower=1)
    svg = charts.grouped_bars(long, "source_table", "outcome", "share", "Share of each table's raw rows by outcome",
                              ylabel="share of raw rows", stacked=True, percent=True, horizontal=True)
    svg_chart = chart(svg, "Every raw row is staged, collapsed as an exact duplicate or quarantined "
                           "(serving.dq_source_reconciliation).", "reconciliation")
    return svg_chart + table(frame.astype({"reconciled": str}))


def quarantine_reasons(serving: Serving) -> str:
    serving.require("dq_quarantine_summary")
    frame = serving.df("select source_table || ': ' || quarantine_reason as reason, sum(n_rows) as n_rows "
                       "from dq_quarantine_summary group by all order by n_rows desc, reason limit 15")
    if frame.empty:
        return note("No row was quarantined in this build.")
    frame["reason"] = frame["reason"].str.slice(0, 90)
    svg = charts.bar_panels(frame, "reason", [("n_rows", "rows quarantined")], "Quarantine reasons", money=False)
    return chart(svg, "The 15 most frequent reasons (serving.dq_quarantine_summary).", "quarantine_reasons")


def gate_history(serving: Serving) -> str:
    serving.require("dq_validation_results", ["run_id", "run_at", "severity", "success"])
    frame = serving.df("""
        with results as (
            select run_id, run_at, case when success then 'passed' else 'failed ' || severity end as outcome
            from dq_validation_results
        )
        select strftime(min(run_at), '%Y-%m-%d %H:%M') || ' ' || right(run_id, 4) as run, outcome,
               count(*) as expectations, min(run_at) as first_at
        from results group by run_id, outcome order by first_at, outcome""")
    runs = frame.drop_duplicates("run").tail(20)["run"]
    frame = frame[frame["run"].isin(runs)]
    svg = charts.grouped_bars(frame, "run", "outcome", "expectations", "Expectations per gate run (last 20 runs)",
                              ylabel="expectations", stacked=True)
    failed = serving.df("""
        select suite, expectation_type, column_name, severity, observed_value from dq_validation_results
        where is_latest_run and not success order by severity, suite, expectation_type, column_name""")
    detail = table(failed) if len(failed) else note("Every expectation of the latest run passed.")
    return chart(svg, "Critical failures stop the PD models; warnings are recorded (serving.dq_validation_results).",
                 "gate_history") + "<h3>Failed in the latest run</h3>" + detail


EARLY_WARNING_PAGE = Page("early_warning", "Early warning", "Who is on the watchlist, and how many of the later "
                          "defaulters it caught in advance.", [
                              Section("Watchlist size", watchlist_size),
                              Section("Watchlist recall over time", watchlist_recall),
                              Section("Signal back-test", signal_backtest),
                              Section("High-risk enterprises today", high_risk_now),
                          ])

DATA_QUALITY = Page("data_quality", "Data quality", "Reconciliation of the raw files, what went to quarantine, "
                    "and the history of the Great Expectations gate.", [
                        Section("Reconciliation", reconciliation),
                        Section("Quarantine reasons", quarantine_reasons),
                        Section("Gate history", gate_history),
                    ])
