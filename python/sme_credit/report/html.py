"""The page frame of the risk report: one self-contained HTML file per page, inline CSS and SVG,
no script and no external request (it opens from a file system, offline)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from sme_credit.warehouse import frame_from_relation

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0; color: #1d1d1d; background: #fafafa; }
header { background: #1f4e79; color: white; padding: 12px 24px; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; font-size: 12px; opacity: .85; }
nav { background: #e7eef6; padding: 8px 24px; font-size: 14px; }
nav a { margin-right: 18px; color: #1f4e79; text-decoration: none; }
nav a.current { font-weight: bold; text-decoration: underline; }
main { padding: 8px 24px 40px; max-width: 1500px; }
section { background: white; border: 1px solid #e0e0e0; border-radius: 4px; margin: 16px 0; padding: 8px 16px 16px; }
section h2 { font-size: 16px; color: #1f4e79; }
figure.chart { margin: 8px 0; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: #555; }
div.missing { border-left: 4px solid #c55a11; background: #fbe5d6; padding: 8px 12px; font-size: 13px; }
div.note { font-size: 13px; color: #444; }
table.data { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
table.data th, table.data td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
table.data th { background: #f0f3f7; }
table.data td:first-child, table.data th:first-child { text-align: left; }
"""


class MissingData(Exception):
    """A chart cannot be drawn because the serving file lacks a table or column."""

    def __init__(self, what: str, comes_with: str = ""):
        super().__init__(what)
        self.what = what
        self.comes_with = comes_with


@dataclass
class Serving:
    """Read-only access to the published serving file (tables in its default schema)."""

    con: duckdb.DuckDBPyConnection
    tables: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def open(cls, path) -> Serving:
        con = duckdb.connect(str(path), read_only=True)
        rows = con.execute("select table_name, column_name from duckdb_columns() where schema_name = 'main'").fetchall()
        tables: dict[str, set[str]] = {}
        for table, column in rows:
            tables.setdefault(table, set()).add(column)
        return cls(con, tables)

    def require(self, table: str, columns: Sequence[str] = (), comes_with: str = "") -> None:
        if table not in self.tables:
            raise MissingData(f"serving.{table}", comes_with)
        absent = [c for c in columns if c not in self.tables[table]]
        if absent:
            raise MissingData(f"column(s) {', '.join(absent)} of serving.{table}", comes_with)

    def df(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        return frame_from_relation(self.con.sql(sql, params=list(params or [])))

    def close(self) -> None:
        self.con.close()


@dataclass
class Section:
    title: str
    build: Callable[[Serving], str]  # returns HTML (charts, tables, notes); raises MissingData
    intro: str = ""


@dataclass
class Page:
    slug: str
    title: str
    intro: str
    sections: list[Section]


def chart(svg: str, caption: str, name: str) -> str:
    return (f'<figure class="chart" data-chart="{html.escape(name)}">{svg}'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def note(text: str) -> str:
    return f'<div class="note">{html.escape(text)}</div>'


def missing(error: MissingData) -> str:
    comes = f" It comes with {error.comes_with}." if error.comes_with else ""
    return (f'<div class="missing" data-missing="{html.escape(error.what)}">Not in this publication yet: '
            f"<b>{html.escape(error.what)}</b>.{html.escape(comes)} This section is drawn as soon as a build "
            "publishes it.</div>")


def table(frame: pd.DataFrame, digits: int = 3, percent: Sequence[str] = (), money: Sequence[str] = ()) -> str:
    def cell(column: str, value) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "–"
        if column in percent:
            return f"{value:.1%}"
        if column in money:
            return f"{value:,.0f}"
        if isinstance(value, float):
            return f"{value:,.{digits}f}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return html.escape(str(value))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{cell(c, v)}</td>" for c, v in zip(frame.columns, row)) + "</tr>"
                   for row in frame.astype(object).itertuples(index=False))
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def render_page(page: Page, pages: Sequence[Page], serving: Serving, subtitle: str) -> tuple[str, dict]:
    """The page's HTML and what it shows (charts per section, missing tables) for the manifest."""
    nav = "".join(f'<a href="{p.slug}.html"{" class=current" if p.slug == page.slug else ""}>{html.escape(p.title)}</a>'
                  for p in pages)
    body, shown = [], {"charts": 0, "missing": []}
    for section in page.sections:
        try:
            content = section.build(serving)
        except MissingData as error:
            content = missing(error)
            shown["missing"].append(error.what)
        shown["charts"] += content.count('<figure class="chart"')
        intro = f"<p>{html.escape(section.intro)}</p>" if section.intro else ""
        body.append(f"<section><h2>{html.escape(section.title)}</h2>{intro}{content}</section>")
    document = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(page.title)} – SME credit risk'
        f"</title><style>{CSS}</style></head><body><header><h1>SME credit risk report: {html.escape(page.title)}</h1>"
        f"<p>{html.escape(subtitle)}</p></header><nav>{nav}</nav><main><p>{html.escape(page.intro)}</p>"
        f"{''.join(body)}</main></body></html>\n")
    return document, shown
