"""Charts of the risk report: matplotlib figures rendered to inline SVG (no files, no network).

SVG text stays text (svg.fonttype none: small, searchable, drawn in the browser's font) and
element ids are seeded (svg.hashsalt), so the same data give byte-identical pages.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#bf9000", "#a5a5a5"]
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "sme-credit-risk-report",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "figure.dpi": 100,
}


def figure(ncols: int = 1, nrows: int = 1, width: float = 9.0, height: float = 3.2, **kwargs):
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height * nrows), squeeze=False, **kwargs)
    return fig, axes.ravel()


def to_svg(fig) -> str:
    """The figure as an inline <svg> element (closes the figure)."""
    buffer = io.StringIO()
    with plt.rc_context(STYLE):
        fig.tight_layout()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def money_axis(ax, axis: str = "x") -> None:
    """Yuan amounts in thousands / millions."""
    def fmt(value, _):
        for div, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
            if abs(value) >= div:
                return f"{value / div:,.1f}{unit}"
        return f"{value:,.0f}"
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(matplotlib.ticker.FuncFormatter(fmt))


def percent_axis(ax, axis: str = "y") -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=None))


def bar_panels(frame: pd.DataFrame, category: str, panels: Sequence[tuple[str, str]], title: str,
               money: bool = True, height: float | None = None, percent: bool = False) -> str:
    """One horizontal bar panel per (column, label), categories shared on the y axis."""
    frame = frame.reset_index(drop=True)
    rows = max(len(frame), 1)
    fig, axes = figure(ncols=len(panels), height=height or max(2.2, 0.28 * rows + 1.0), sharey=True)
    labels = frame[category].astype(str).tolist()
    for i, (ax, (column, label)) in enumerate(zip(axes, panels)):
        ax.barh(labels, frame[column].fillna(0).astype(float), color=PALETTE[i % len(PALETTE)])
        ax.set_title(label)
        ax.invert_yaxis() if i == 0 else None
        if money:
            money_axis(ax)
        if percent:
            percent_axis(ax, "x")
    fig.suptitle(title, fontsize=11, fontweight="bold")
    return to_svg(fig)


def grouped_bars(frame: pd.DataFrame, category: str, series: str, value: str, title: str, ylabel: str = "",
                 stacked: bool = False, money: bool = False, percent: bool = False, horizontal: bool = False) -> str:
    """Bars of value per category (in the frame's order), one colour per series."""
    table = frame.pivot_table(index=category, columns=series, values=value, aggfunc="sum", fill_value=0)
    table = table.reindex(pd.unique(frame[category]))
    rows = len(table)
    fig, (ax,) = figure(height=max(2.4, 0.3 * rows + 1.2) if horizontal else 3.2)
    plot = table.plot.barh if horizontal else table.plot.bar
    plot(ax=ax, stacked=stacked, width=0.8, rot=0, color=PALETTE[: len(table.columns)])
    ax.set_title(title)
    if horizontal:
        ax.invert_yaxis()
        ax.set_ylabel("")
        ax.set_xlabel(ylabel)
    else:
        ax.set_xlabel("")
        ax.set_ylabel(ylabel)
    axis = "x" if horizontal else "y"
    if money:
        money_axis(ax, axis)
    if percent:
        percent_axis(ax, axis)
    ax.legend(title=series, fontsize=8, frameon=False)
    return to_svg(fig)


def lines(frame: pd.DataFrame, x: str, series: str | None, y: str, title: str, ylabel: str = "",
          percent: bool = False, bands: Sequence[tuple[float, str]] = ()) -> str:
    fig, (ax,) = figure()
    groups = [(None, frame)] if series is None else list(frame.groupby(series, sort=True))
    for name, group in groups:
        group = group.sort_values(x)
        ax.plot(group[x], group[y], marker="o", markersize=3, label=None if name is None else str(name))
    for level, label in bands:
        ax.axhline(level, color="#888888", linestyle="--", linewidth=0.8)
        ax.annotate(label, (1.0, level), xycoords=("axes fraction", "data"), fontsize=7, ha="right", va="bottom")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if percent:
        percent_axis(ax)
    if series is not None:
        ax.legend(fontsize=8, frameon=False)
    fig.autofmt_xdate()
    return to_svg(fig)


def heatmap(matrix: pd.DataFrame, title: str, xlabel: str, ylabel: str) -> str:
    """Shares in [0, 1] with the value in every cell (a migration matrix)."""
    fig, (ax,) = figure(width=6.0, height=5.0)
    values = matrix.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]), [str(i) for i in matrix.index])
    for (row, col), value in np.ndenumerate(values):
        if value > 0:
            ax.text(col, row, f"{value:.0%}", ha="center", va="center", fontsize=7,
                    color="white" if value > 0.5 else "black")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.colorbar(image, ax=ax, fraction=0.046, format=matplotlib.ticker.PercentFormatter(1.0))
    return to_svg(fig)


def curves_from_deciles(deciles: pd.DataFrame) -> dict[str, np.ndarray | float]:
    """ROC, gains (CAP) and KS from grouped outcomes (n, defaults per PD group).

    Groups are taken from the riskiest (highest mean PD) down; the curves are exact for the
    grouped data (ties within a group lie on the straight segment, as in the trapezoid AUC).
    Returns population share, share of defaults captured (= TPR), FPR, AUC, KS and where KS is.
    """
    ordered = deciles.sort_values("mean_pd", ascending=False)
    n = ordered["n"].to_numpy(dtype=float)
    bad = ordered["defaults"].to_numpy(dtype=float)
    good = n - bad
    if bad.sum() <= 0 or good.sum() <= 0:
        raise ValueError("curves need both defaults and non-defaults")
    population = np.concatenate([[0.0], np.cumsum(n) / n.sum()])
    tpr = np.concatenate([[0.0], np.cumsum(bad) / bad.sum()])
    fpr = np.concatenate([[0.0], np.cumsum(good) / good.sum()])
    gap = tpr - fpr
    return {"population": population, "tpr": tpr, "fpr": fpr,
            "auc": float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2)),
            "ks": float(gap.max()), "ks_at": float(population[int(gap.argmax())])}


def discrimination_panels(deciles: pd.DataFrame, scores: pd.DataFrame | None, title: str,
                          cv_auc: float | None = None) -> str:
    """ROC, KS, gains and calibration from the out-of-fold deciles; score distribution by outcome."""
    curves = curves_from_deciles(deciles)
    fig, axes = figure(ncols=5, width=15.0, height=3.0)
    roc, ks, gains, calibration, distribution = axes
    auc_text = f"AUC {curves['auc']:.3f} (deciles)" + (f", {cv_auc:.3f} (CV)" if cv_auc is not None else "")
    roc.plot(curves["fpr"], curves["tpr"], marker="o", markersize=3, label=auc_text)
    roc.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=0.8)
    roc.set(title="ROC", xlabel="false positive rate", ylabel="true positive rate")
    roc.legend(fontsize=7, frameon=False, loc="lower right")
    ks.plot(curves["population"], curves["tpr"], label="defaults")
    ks.plot(curves["population"], curves["fpr"], label="non-defaults")
    ks.axvline(curves["ks_at"], color="#999999", linestyle=":", linewidth=0.8)
    ks.set(title=f"KS {curves['ks']:.3f}", xlabel="population (riskiest first)", ylabel="cumulative share")
    ks.legend(fontsize=7, frameon=False, loc="lower right")
    gains.plot(curves["population"], curves["tpr"], marker="o", markersize=3, label="model")
    base = deciles["defaults"].sum() / deciles["n"].sum()
    gains.plot([0, base, 1], [0, 1, 1], color="#548235", linestyle="--", linewidth=0.8, label="perfect")
    gains.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=0.8, label="random")
    gains.set(title="Gains (CAP)", xlabel="population (riskiest first)", ylabel="defaults captured")
    gains.legend(fontsize=7, frameon=False, loc="lower right")
    top = max(float(deciles["mean_pd"].max()), float(deciles["observed_rate"].max()), 0.01) * 1.05
    calibration.plot([0, top], [0, top], color="#999999", linestyle="--", linewidth=0.8)
    calibration.plot(deciles["mean_pd"], deciles["observed_rate"], marker="o", linestyle="-")
    calibration.set(title="Calibration by decile", xlabel="mean PD (out of fold)", ylabel="observed default rate")
    percent_axis(calibration, "x")
    percent_axis(calibration)
    if scores is not None and len(scores):
        bins = np.linspace(scores["score"].min(), scores["score"].max(), 25)
        for outcome, label in ((0, "no default"), (1, "default")):
            values = scores.loc[scores["observed_default"] == outcome, "score"]
            distribution.hist(values, bins=bins, alpha=0.6, density=True, label=f"{label} (n={len(values):,})")
        distribution.set(title="Score by outcome (in-sample)", xlabel="score", ylabel="density")
        distribution.legend(fontsize=7, frameon=False)
    else:
        distribution.text(0.5, 0.5, "no labelled scores", ha="center", va="center", transform=distribution.transAxes)
        distribution.set_axis_off()
    fig.suptitle(title, fontsize=11, fontweight="bold")
    return to_svg(fig)
