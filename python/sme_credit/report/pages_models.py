"""Report pages: PD models (discrimination and calibration per champion) and stability over time."""

from __future__ import annotations

from sme_credit.report import charts
from sme_credit.report.html import Page, Section, Serving, chart, note, table

PANEL = "the point-in-time PD work (issue 11)"
_CHAMPION_JOIN = """inner join model_registry as r
    on r.level = t.level and r.variant = t.variant and r.model = t.model and r.is_champion"""


def metrics_table(serving: Serving) -> str:
    serving.require("model_metrics", ["evaluation", "metric", "value", "is_champion"])
    frame = serving.df("""
        select level, variant, model, case when bool_or(is_champion) then 'yes' else '' end as champion,
               max(value) filter (where metric = 'auc') as auc, max(value) filter (where metric = 'ks') as ks,
               max(value) filter (where metric = 'brier') as brier,
               cast(max(value) filter (where metric = 'n') as bigint) as labelled_rows
        from model_metrics where evaluation = 'cv' and cutoff is null
        group by all order by level, variant, auc desc nulls last, model""")
    return table(frame) + note("Cross-validated (repeated stratified k-fold, mean over repeats; serving.model_metrics). "
                               "The champion rule is in serving.model_registry.")


def champion_curves(serving: Serving) -> str:
    serving.require("model_calibration", ["decile", "n", "defaults", "mean_pd", "observed_rate", "is_champion"])
    champions = serving.df("select level, variant, model from model_calibration where is_champion "
                           "group by all order by level, variant")
    if champions.empty:
        return note("No model was fitted in this build (see serving.model_registry).")
    parts = []
    for level, variant, model in champions.itertuples(index=False):
        deciles = serving.df("select * from model_calibration where level = ? and variant = ? and model = ? "
                             "order by decile", [level, variant, model])
        auc = serving.df("select value from model_metrics where level = ? and variant = ? and model = ? and "
                         "evaluation = 'cv' and metric = 'auc' and cutoff is null", [level, variant, model])
        scores_table = "loan_scores" if level == "loan" else "enterprise_scores"
        scores = None
        if scores_table in serving.tables:
            scores = serving.df(f"select score, observed_default from {scores_table} where variant = ? and model = ? "
                                "and observed_default is not null", [variant, model])
        if deciles["defaults"].sum() == 0 or deciles["defaults"].sum() == deciles["n"].sum():
            parts.append(note(f"{level} / {variant}: one outcome class only, no curves."))
            continue
        svg = charts.discrimination_panels(deciles, scores, f"{level} / {variant}: champion {model}",
                                           None if auc.empty else float(auc["value"].iloc[0]))
        parts.append(chart(svg, f"Champion of {level} / {variant}. ROC, KS, gains and calibration from the out-of-fold "
                                "PD deciles (serving.model_calibration), so out of sample; the score distribution is "
                                f"the final model's on its labelled rows (serving.{scores_table}), in sample.",
                           f"champion_{level}_{variant}"))
    return "".join(parts)


def grade_distribution(serving: Serving) -> str:
    serving.require("enterprise_pd", ["grade", "grade_label"])
    frame = serving.df("select coalesce(grade_label, 'unscored') as grade, count(*) as enterprises, "
                       "coalesce(min(grade), 99) as g from enterprise_pd group by all order by g")
    fig, (ax,) = charts.figure()
    ax.bar(frame["grade"], frame["enterprises"], color=charts.PALETTE[0])
    ax.set(title="Enterprises per grade, latest as-of date", ylabel="enterprises")
    return chart(charts.to_svg(fig), "Decision PDs on the master scale (serving.enterprise_pd).", "grade_distribution")


def psi_over_time(serving: Serving) -> str:
    serving.require("pd_stability", ["as_of_date", "psi"], PANEL)
    frame = serving.df(f"select t.level || ' / ' || t.variant || ' / ' || t.model as model, t.as_of_date, t.psi "
                       f"from pd_stability as t {_CHAMPION_JOIN} order by model, as_of_date")
    if frame.empty:
        return note("No stability figures for the champions yet.")
    svg = charts.lines(frame, "as_of_date", "model", "psi", "Population stability of the champions' scores",
                       ylabel="PSI", bands=[(0.10, "monitor"), (0.25, "unstable")])
    return chart(svg, "PSI against the development sample (serving.pd_stability).", "psi_over_time")


def backtest_by_cohort(serving: Serving) -> str:
    serving.require("pd_backtest", ["as_of_date", "n", "defaults", "mean_pd", "jeffreys_p_value"], PANEL)
    frame = serving.df(f"""
        select t.level || ' / ' || t.variant as task, t.as_of_date, sum(t.n * t.mean_pd) / sum(t.n) as predicted,
               sum(t.defaults) / sum(t.n) as observed, count(*) filter (where t.jeffreys_p_value < 0.05) as grades_rejected
        from pd_backtest as t where t.is_champion group by all order by task, as_of_date""")
    if frame.empty:
        return note("No back-test cohort has a closed 12-month window yet.")
    long = frame.melt(id_vars=["task", "as_of_date"], value_vars=["predicted", "observed"], var_name="rate")
    long["series"] = long["task"] + ": " + long["rate"]
    svg = charts.lines(long, "as_of_date", "series", "value", "Predicted PD against observed 12-month default rate",
                       percent=True)
    rejected = frame[frame["grades_rejected"] > 0][["task", "as_of_date", "grades_rejected"]]
    extra = table(rejected) if len(rejected) else note("No grade of any cohort fails the Jeffreys test at 5%.")
    return chart(svg, "Champions, per cohort (serving.pd_backtest).", "backtest_by_cohort") + extra


def discrimination_by_cohort(serving: Serving) -> str:
    serving.require("pd_discrimination_by_cohort", ["as_of_date", "auc"], PANEL)
    frame = serving.df("select level || ' / ' || variant || ' / ' || model as model, as_of_date, auc "
                       "from pd_discrimination_by_cohort where is_champion order by model, as_of_date")
    if frame.empty:
        return note("No cohort has labelled outcomes yet.")
    svg = charts.lines(frame, "as_of_date", "model", "auc", "AUC of the champions by cohort", ylabel="AUC")
    return chart(svg, "Out-of-time discrimination per cohort (serving.pd_discrimination_by_cohort).",
                 "discrimination_by_cohort")


def migration_heatmap(serving: Serving) -> str:
    serving.require("rating_migration", ["as_of_date", "horizon_months", "from_grade", "to_grade", "share"], PANEL)
    latest = serving.df(f"""
        select t.level, t.variant, t.model, t.horizon_months, max(t.as_of_date) as as_of_date
        from rating_migration as t {_CHAMPION_JOIN}
        group by all order by t.level, t.variant, t.horizon_months desc""")
    if latest.empty:
        return note("No migration of a champion's grades yet.")
    parts = []
    for (level, variant), group in latest.groupby(["level", "variant"], sort=True):
        row = group.iloc[0]  # the longest horizon
        cells = serving.df("select from_grade, to_grade, share from rating_migration where level = ? and variant = ? "
                           "and model = ? and horizon_months = ? and as_of_date = ?",
                           [level, variant, row["model"], int(row["horizon_months"]), row["as_of_date"]])
        grades = list(range(1, 11))
        matrix = cells.pivot_table(index="from_grade", columns="to_grade", values="share", aggfunc="sum") \
            .reindex(index=grades, columns=grades).fillna(0.0)
        svg = charts.heatmap(matrix, f"{level} / {variant}: {int(row['horizon_months'])}-month migration from "
                                     f"{row['as_of_date']:%Y-%m}", "to grade", "from grade")
        parts.append(chart(svg, "Share of each grade's entities in every grade after the horizon "
                                "(serving.rating_migration).", f"migration_{level}_{variant}"))
    return "".join(parts)


PD_MODELS = Page("pd_models", "PD models", "Discrimination and calibration of the PD models, per task champion.", [
    Section("Cross-validated performance", metrics_table),
    Section("Champions: ROC, KS, gains, calibration and score distribution", champion_curves),
])

STABILITY = Page("stability", "Stability over time", "Whether the PDs stay discriminating, calibrated and stable "
                 "from one monthly as-of date to the next.", [
                     Section("Grades today", grade_distribution),
                     Section("Population stability (PSI)", psi_over_time),
                     Section("Back-testing by cohort", backtest_by_cohort),
                     Section("Discrimination by cohort", discrimination_by_cohort),
                     Section("Rating migration", migration_heatmap),
                 ])
