"""The Analytics page as one self-contained HTML file.

Works offline: plotly.js is embedded once, inline; no font, script, style or image is fetched
from anywhere (a Content-Security-Policy meta tag forbids it). Every panel and number carries a
stable id or data attribute, so a test (or a scraper) can read the page's DOM:

| element | id / attributes |
|---|---|
| page | `main#analytics-page[data-start][data-end][data-previous-start][data-previous-end]` |
| cards | `#card-lines`, `#card-accept-rate`, `#card-active-users`, `#card-sessions`, `#card-spend`, each with `data-value`, `data-previous`, `data-change` (empty when not defined) |
| Activity | `#panel-activity`, chart `#chart-activity`, daily values `#activity-table` rows `tr[data-date]` |
| Spend | `#panel-spend`, chart `#chart-spend`, daily values `#spend-table` rows `tr[data-date]` |
| Team insights | `#team-table`, rows `tr[data-member][data-member-key]`, cells `td[data-col]` with `data-sort-value` |
| breakdowns | `#breakdown-tool`, `#breakdown-language` (rows `tr[data-name]`), `#breakdown-model` (rows `tr[data-model]`) |
| notes | `#panel-notes`, items `li[data-note]` |

The team table sorts by a click on a header, or from the URL: `analytics.html#sort=lines:desc`.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from analytics.report import formatting as fmt
from analytics.report.data import Card, DecisionRow, PageData

ACCENT = "#c96442"
SECOND = "#3b6ea5"
FONT = '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)

STYLE = """
:root { --bg: #f7f6f2; --panel: #fff; --ink: #1f1e1b; --muted: #6b6862; --line: #e5e2da;
        --accent: @ACCENT@; --second: @SECOND@; --up: #2f7d4f; --down: #b3412f; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 @FONT@; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 28px 40px; }
header { display: flex; justify-content: space-between; align-items: baseline; gap: 16px;
         flex-wrap: wrap; margin-bottom: 18px; }
h1 { font-size: 22px; margin: 0; font-weight: 600; }
h2 { font-size: 15px; margin: 0 0 10px; font-weight: 600; }
h3 { font-size: 13px; margin: 0 0 8px; font-weight: 600; color: var(--muted); }
.period { color: var(--muted); }
.period strong { color: var(--ink); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 12px; margin-bottom: 16px; }
.card, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; }
.card { padding: 14px 16px; }
.card .label { color: var(--muted); font-size: 12.5px; }
.card .value { font-size: 26px; font-weight: 600; margin: 4px 0 2px; font-variant-numeric: tabular-nums; }
.card .change { font-size: 12.5px; color: var(--muted); }
.card .change[data-direction="up"] { color: var(--up); }
.card .change[data-direction="down"] { color: var(--down); }
.card[data-kind="usd"] .change { color: var(--muted); }
.card .note { font-size: 11.5px; color: var(--muted); margin-top: 6px; }
.row { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; margin-bottom: 16px; }
.row3 { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; margin-bottom: 16px;
        align-items: start; }
.panel { padding: 14px 16px; margin-bottom: 16px; }
.row > .panel, .row3 > .panel { margin-bottom: 0; }
.chart { height: 320px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
#team-table th { cursor: pointer; user-select: none; }
#team-table th[aria-sort="ascending"]::after { content: " ▲"; font-size: 10px; }
#team-table th[aria-sort="descending"]::after { content: " ▼"; font-size: 10px; }
.member-type { font-size: 11px; color: var(--muted); margin-left: 6px; }
.bar { position: relative; }
.bar span.fill { position: absolute; left: 0; top: 20%; bottom: 20%; background: var(--accent);
                 opacity: .16; border-radius: 3px; }
.bar span.text { position: relative; }
details { margin-top: 8px; color: var(--muted); font-size: 12.5px; }
details table { margin-top: 6px; }
.empty { color: var(--muted); font-style: italic; }
p.note, .scope { font-size: 12px; color: var(--muted); }
td.status.over { color: #b42318; font-weight: 600; }
td.status.at_risk { color: #b54708; font-weight: 600; }
td.status.ok { color: #067647; }
ul.notes { margin: 0; padding-left: 18px; color: var(--muted); }
footer { color: var(--muted); font-size: 12px; margin-top: 8px; }
""".replace("@ACCENT@", ACCENT).replace("@SECOND@", SECOND).replace("@FONT@", FONT)

SORT_SCRIPT = """
(function () {
  var table = document.getElementById("team-table");
  if (!table) return;
  var body = table.tBodies[0], heads = table.tHead.rows[0].cells;
  function sortBy(key, dir) {
    var col = -1, numeric = false;
    for (var i = 0; i < heads.length; i++) {
      if (heads[i].dataset.sortKey === key) { col = i; numeric = heads[i].dataset.sortType === "number"; }
      heads[i].removeAttribute("aria-sort");
    }
    if (col < 0) return;
    var rows = Array.prototype.slice.call(body.rows), sign = dir === "asc" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.sortValue, y = b.cells[col].dataset.sortValue;
      if (numeric) {
        if (x === "" || y === "") return (x === "") - (y === "");  // empty last, either way
        return sign * (parseFloat(x) - parseFloat(y));
      }
      return sign * x.localeCompare(y);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    heads[col].setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
    table.dataset.sortKey = key; table.dataset.sortDir = dir;
  }
  Array.prototype.forEach.call(heads, function (th) {
    th.addEventListener("click", function () {
      var same = table.dataset.sortKey === th.dataset.sortKey;
      var dir = same ? (table.dataset.sortDir === "asc" ? "desc" : "asc")
                     : (th.dataset.sortType === "number" ? "desc" : "asc");
      sortBy(th.dataset.sortKey, dir);
    });
  });
  var m = /sort=([\\w-]+):(asc|desc)/.exec(window.location.hash);
  if (m) sortBy(m[1], m[2]);
})();
"""


def _attr(value: Any) -> str:
    """A data attribute value: numbers as Python writes them, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value), quote=True)


def _card(card: Card) -> str:
    return (
        f'<div class="card" id="card-{card.key}" data-kind="{card.kind}" '
        f'data-value="{_attr(card.value)}" data-previous="{_attr(card.previous)}" '
        f'data-change="{_attr(card.change)}" data-previous-days-in-data="{card.previous_days_in_data}" '
        f'data-previous-days="{card.previous_days}">'
        f'<div class="label">{escape(card.label)}</div>'
        f'<div class="value">{escape(fmt.card_value(card))}</div>'
        f'<div class="change" data-direction="{fmt.change_direction(card)}">'
        f"{escape(fmt.card_change(card))}</div>"
        f'<div class="note">{escape(card.note)}</div></div>'
    )


def _axis_range(page: PageData) -> list[str]:
    from datetime import datetime, time, timedelta

    start = datetime.combine(page.period.start, time()) - timedelta(hours=12)
    end = datetime.combine(page.period.end, time()) + timedelta(hours=12)
    return [start.isoformat(sep=" "), end.isoformat(sep=" ")]


def _plotly_file(*parts: str) -> Path:
    """A file of the installed plotly package (its plotly.js, its templates), found without
    importing plotly (importing it and building figures with its classes cost about 0.2 s of
    every run's page)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package is not installed (the page embeds its plotly.js)")
    return Path(next(iter(spec.submodule_search_locations)), "package_data", *parts)


@functools.cache
def _plotly_template() -> dict:
    """plotly's default template ("plotly"), which its figures carry in their layout."""
    return json.loads(_plotly_file("templates", "plotly.json").read_text(encoding="utf-8"))


def _finite(values: list) -> list:
    """Numbers for plotly.js as plotly's JSON encoder writes them: decimals (a DECIMAL column,
    as a mart read from another engine may have) as floats, NaN and infinities as null."""
    numbers = [float(v) if isinstance(v, Decimal) else v for v in values]
    return [None if isinstance(v, float) and not math.isfinite(v) else v for v in numbers]


def _dual_axis_figure(page: PageData, left: dict, right: dict) -> dict:
    """Two series on two labelled y-axes, `left` on y (a line), `right` on y2: the figure as
    plotly.js reads it (`data` and `layout`), with plotly's default template, as plotly's own
    Figure would give it (tests/test_report.py compares the two)."""
    x = [day.usage_date.isoformat() for day in page.days]
    right_style = (
        {"marker": {"color": right["color"], "opacity": 0.45}}
        if right.get("bar")
        else {"mode": "lines+markers", "line": {"color": right["color"], "width": 2}, "marker": {"size": 5},
              "cliponaxis": False}
    )
    right_trace = {"hovertemplate": right["hover"], "name": right["title"], "x": x, "y": _finite(right["y"]),
                   "yaxis": "y2", **right_style, "type": "bar" if right.get("bar") else "scatter"}
    left_trace = {"connectgaps": False, "cliponaxis": False, "hovertemplate": left["hover"],
                  "line": {"color": left["color"], "width": 2.5}, "marker": {"size": 6},
                  "mode": "lines+markers", "name": left["title"], "x": x, "y": _finite(left["y"]),
                  "yaxis": "y", "type": "scatter"}
    xaxis: dict[str, Any] = {"type": "date", "range": _axis_range(page), "tickformat": "%b %-d",
                             "showgrid": False, "fixedrange": True}
    if page.period.days <= 16:
        xaxis["dtick"] = 86_400_000
    layout = {
        "template": _plotly_template(),
        "font": {"family": FONT, "size": 12, "color": "#1f1e1b"},
        "margin": {"l": 64, "r": 64, "t": 8, "b": 36},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "x unified",
        "legend": {"orientation": "h", "x": 0, "y": 1.12, "font": {"size": 12}, "traceorder": "reversed"},
        "xaxis": xaxis,
        "yaxis": {"title": {"text": left["title"], "font": {"color": left["color"]}}, "side": "left",
                  "rangemode": "tozero", "gridcolor": "#ece9e1", "fixedrange": True,
                  "tickformat": left.get("tickformat", ",d")},
        "yaxis2": {"title": {"text": right["title"], "font": {"color": right["color"]}},
                   "side": "right", "overlaying": "y", "rangemode": "tozero", "showgrid": False,
                   "tickmode": "auto",  # round ticks of its own, not synced to the left axis
                   "fixedrange": True, "tickformat": right.get("tickformat", ",d"),
                   "tickprefix": right.get("tickprefix", "")},
        "bargap": 0.35,
    }
    return {"data": [right_trace, left_trace], "layout": layout}


# what plotly's HTML export sets before plotly.js loads
PLOTLY_CONFIG_SCRIPT = "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
CHART_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}


def _script_json(value) -> str:
    """JSON for inside a <script>: `</` escaped, as plotly's own HTML export does."""
    return json.dumps(value).replace("</", "<\\/")


def _figure_html(figure: dict, div_id: str, include_plotlyjs: bool) -> str:
    """A chart's div and the script that draws it, in the form of plotly's HTML export
    (`plotly.io.to_html` without the full page): plotly.js inline once per page
    (`include_plotlyjs`), no CDN."""
    load = (
        f"{PLOTLY_CONFIG_SCRIPT}<script>{_plotly_file('plotly.min.js').read_text(encoding='utf-8')}</script>"
        if include_plotlyjs else ""
    )
    return (
        f'<div style="height:320px; width:100%;">{load}'
        f'<div id="{div_id}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
        "<script>window.PLOTLYENV=window.PLOTLYENV || {};"
        f'if (document.getElementById("{div_id}")) {{Plotly.newPlot("{div_id}", '
        f"{_script_json(figure['data'])}, {_script_json(figure['layout'])}, {json.dumps(CHART_CONFIG)})}};"
        "</script></div>"
    )


def _daily_table(table_id: str, page: PageData, columns: list[tuple[str, str, Any]]) -> str:
    head = "".join(f'<th class="num">{escape(title)}</th>' for title, _, _ in columns)
    rows = []
    for day in page.days:
        attrs = f'data-date="{day.usage_date.isoformat()}" data-has-row="{_attr(day.has_row)}"'
        cells = ""
        for _, name, formatter in columns:
            value = getattr(day, name)
            attrs += f' data-{name.replace("_", "-")}="{_attr(value)}"'
            cells += f'<td class="num">{escape(formatter(value)) if day.has_row else "no data"}</td>'
        rows.append(f"<tr {attrs}><td>{day.usage_date.isoformat()}</td>{cells}</tr>")
    return (
        f'<details><summary>Daily values</summary><table id="{table_id}"><thead><tr><th>day ({escape(page.timezone)})</th>'
        f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></details>'
    )


def _team_table(page: PageData) -> str:
    if not page.team:
        return '<table id="team-table"><thead><tr></tr></thead><tbody></tbody></table>' \
               '<p class="empty">No member activity in this period.</p>'
    titles = fmt.team_titles(page)
    columns = [  # (key, title, type, numeric)
        ("member", "Member", "text"),
        ("team", "Team", "text"),
        ("spend", titles["spend"], "number"),
        ("lines", titles["lines"], "number"),
        ("accept-rate", "Accept rate", "number"),
        ("active-days", "Active days", "number"),
        ("sessions", titles["sessions"], "number"),
    ]
    num_class, sorted_desc = ' class="num"', ' aria-sort="descending"'
    head = "".join(
        f'<th data-sort-key="{key}" data-sort-type="{kind}"'
        f'{num_class if kind == "number" else ""}'
        f'{sorted_desc if key == "spend" else ""}>{escape(title)}</th>'
        for key, title, kind in columns
    )
    kinds = {"api_key": "API key", "unidentified": "unidentified", "unattributed": "no identity"}
    rows = []
    for m in page.team:
        badge = kinds.get(m.member_type or "")
        member_cell = escape(m.display_name) + (
            f'<span class="member-type">{escape(badge)}</span>' if badge else ""
        )
        cells = [
            ("member", m.display_name.lower(), member_cell, ""),
            ("team", (m.team or "").lower(), escape(m.team or "—"), ""),
            ("spend", m.spend_usd, escape(fmt.usd(m.spend_usd)), "num"),
            ("lines", m.lines_added, escape(fmt.count(m.lines_added)), "num"),
            ("accept-rate", m.accept_rate, escape(fmt.percent(m.accept_rate)), "num"),
            ("active-days", m.active_days, str(m.active_days), "num"),
            ("sessions", m.sessions, escape(fmt.count(m.sessions)), "num"),
        ]
        tds = "".join(
            f'<td data-col="{key}" data-sort-value="{_attr(sort)}"{num_class if cls else ""}>'
            f"{shown}</td>"
            for key, sort, shown, cls in cells
        )
        rows.append(
            f'<tr data-member="{_attr(m.display_name)}" data-member-key="{_attr(m.member_key)}" '
            f'data-member-type="{_attr(m.member_type)}">{tds}</tr>'
        )
    return (
        f'<table id="team-table" data-sort-key="spend" data-sort-dir="desc"><thead><tr>{head}</tr>'
        f'</thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _bar_cell(share: float | None, text: str) -> str:
    width = 0 if share is None else max(0.0, min(1.0, share)) * 100
    return (f'<td class="bar"><span class="fill" style="width:{width:.1f}%"></span>'
            f'<span class="text">{escape(text)}</span></td>')


def _decision_table(table_id: str, first: str, rows: list[DecisionRow]) -> str:
    if not rows:
        return f'<table id="{table_id}"></table><p class="empty">No code-edit decisions reported.</p>'
    body = "".join(
        f'<tr data-name="{_attr(r.name)}" data-accepts="{r.accepts}" data-rejects="{r.rejects}" '
        f'data-rate="{_attr(r.accept_rate)}"><td>{escape(r.name)}</td>'
        f"{_bar_cell(r.accept_rate, fmt.percent(r.accept_rate))}"
        f'<td class="num">{r.accepts:,}</td><td class="num">{r.rejects:,}</td></tr>'
        for r in rows
    )
    return (
        f'<table id="{table_id}"><thead><tr><th>{escape(first)}</th><th>Accept rate</th>'
        f'<th class="num">Accepted</th><th class="num">Rejected</th></tr></thead><tbody>{body}</tbody></table>'
    )


def _model_table(page: PageData) -> str:
    if not page.by_model:
        return '<table id="breakdown-model"></table><p class="empty">No spend in this period.</p>'
    body = "".join(
        f'<tr data-model="{_attr(r.model)}" data-spend="{_attr(r.spend_usd)}" data-share="{_attr(r.share)}" '
        f'data-tokens="{r.tokens}" data-api-requests="{r.api_requests}"><td>{escape(r.model)}</td>'
        f"{_bar_cell(r.share, fmt.usd(r.spend_usd))}"
        f'<td class="num">{fmt.percent(r.share)}</td><td class="num">{r.api_requests:,}</td></tr>'
        for r in page.by_model
    )
    return (
        '<table id="breakdown-model"><thead><tr><th>Model</th><th>Spend</th><th class="num">Share</th>'
        f'<th class="num">API requests</th></tr></thead><tbody>{body}</tbody></table>'
    )


def _change_cell(row, name: str, kind: str) -> str:
    change = row.change(name)
    if row.previous is None:
        text = "new"
    elif change is None:
        text = "—"
    elif kind == "rate":
        text = f"{'+' if change >= 0 else '−'}{abs(change) * 100:.1f} pts"
    else:
        text = f"{'+' if change >= 0 else '−'}{abs(change) * 100:.0f}%"
    return f'<td class="num change" data-change="{_attr(change)}">{escape(text)}</td>'


def _teams_table(page: PageData) -> str:
    """The Teams panel: each team over the period against the previous period."""
    if not page.teams:
        return '<table id="teams-table"></table><p class="empty">No team activity in this period.</p>'
    body = "".join(
        f'<tr data-team="{_attr(r.team)}" data-teams="{r.teams}" data-active-users="{r.active_users}" '
        f'data-sessions="{r.sessions}" data-lines="{r.lines_added}" data-accept-rate="{_attr(r.accept_rate)}" '
        f'data-spend="{_attr(r.spend_usd)}">'
        f"<td>{escape(r.team)}{f' ({r.teams} teams)' if r.teams > 1 else ''}</td>"
        f'<td class="num">{r.active_users:,}</td>{_change_cell(r, "active_users", "count")}'
        f'<td class="num">{r.sessions:,}</td>{_change_cell(r, "sessions", "count")}'
        f'<td class="num">{r.lines_added:,}</td>{_change_cell(r, "lines_added", "count")}'
        f'<td class="num">{fmt.percent(r.accept_rate)}</td>{_change_cell(r, "accept_rate", "rate")}'
        f'<td class="num">{fmt.usd(r.spend_usd)}</td>{_change_cell(r, "spend_usd", "count")}</tr>'
        for r in page.teams
    )
    head = "".join(
        f'<th class="num">{escape(title)}</th><th class="num">±</th>'
        for title in ("Active users", "Sessions (sum of days)", "Lines accepted", "Accept rate", "Spend")
    )
    note = (f'<p class="note">Teams with fewer than {page.min_group_size} active members in the '
            f'period are shown together as (small teams). ± is the change against '
            f'{escape(page.previous_period.label())}.</p>')
    return (f'<table id="teams-table"><thead><tr><th>Team</th>{head}</tr></thead>'
            f'<tbody>{body}</tbody></table>{note}')


def _budgets_table(page: PageData) -> str:
    if not page.budgets:
        return ""
    body = "".join(
        f'<tr data-scope="{_attr(b.scope)}" data-name="{_attr(b.name)}" data-status="{_attr(b.status)}" '
        f'data-budget="{_attr(b.budget_usd)}" data-spend="{_attr(b.spend_usd)}" '
        f'data-projected="{_attr(b.projected_usd)}">'
        f"<td>{escape(b.scope)}</td><td>{escape(b.name)}</td>"
        f'<td class="num">{fmt.usd(b.spend_usd)}</td><td class="num">{fmt.usd(b.projected_usd)}</td>'
        f'<td class="num">{fmt.usd(b.budget_usd)}</td>'
        f'<td class="status {b.status}">{escape(b.status.replace("_", " "))}</td></tr>'
        for b in page.budgets
    )
    first = page.budgets[0]
    return (
        f'<h3>Budgets, month to date ({first.elapsed_days} of {first.days_in_month} days)</h3>'
        '<table id="budgets-table"><thead><tr><th>Scope</th><th>Name</th><th class="num">Spent</th>'
        '<th class="num">Projected</th><th class="num">Budget</th><th>Status</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def render_html(page: PageData) -> str:
    """The whole page as one HTML document (about 5 MB: plotly.js is inline)."""
    period, previous = page.period, page.previous_period
    activity = _dual_axis_figure(
        page,
        left={"title": "Daily active users", "color": ACCENT,
              "y": [d.daily_active_users for d in page.days], "hover": "%{y:,d} active users<extra></extra>"},
        right={"title": "Sessions", "color": SECOND,
               "y": [d.sessions for d in page.days], "hover": "%{y:,d} sessions<extra></extra>"},
    )
    spend = _dual_axis_figure(
        page,
        left={"title": "Spending users", "color": SECOND,
              "y": [d.spending_users for d in page.days], "hover": "%{y:,d} spending users<extra></extra>"},
        right={"title": "Spend (USD)", "color": ACCENT, "bar": True, "tickformat": ",.2f", "tickprefix": "$",
               "y": [d.spend_usd for d in page.days], "hover": "$%{y:,.2f}<extra></extra>"},
    )
    activity_html = _figure_html(activity, "chart-activity", include_plotlyjs=True)
    spend_html = _figure_html(spend, "chart-spend", include_plotlyjs=False)

    title = f"Claude Code Analytics · {period.label()}"
    if page.team_name is not None:
        title = f"Claude Code Analytics · team {page.team_name} · {period.label()}"
    scope_line = (
        f'<div class="scope" id="team-scope" data-team="{_attr(page.team_name)}">Team '
        f"<strong>{escape(page.team_name)}</strong>: every panel counts this team's members only</div>"
        if page.team_name is not None else ""
    )
    teams_panel = (
        f'<section class="panel" id="panel-teams"><h2>Teams</h2>{_teams_table(page)}</section>'
        if page.team_name is None else ""
    )
    coverage = (
        f"{page.days_in_data} of {period.days} day(s) processed"
        if page.days_in_data != period.days else f"{period.days} day(s)"
    )
    notes = "".join(f'<li data-note="{key}">{escape(text)}</li>' for key, text in fmt.notes(page.timezone))
    page_attrs = {
        "data-start": period.start.isoformat(), "data-end": period.end.isoformat(),
        "data-previous-start": previous.start.isoformat(), "data-previous-end": previous.end.isoformat(),
        "data-days-in-data": str(page.days_in_data),
        "data-through": page.data_through.isoformat() if page.data_through else "",
        "data-team": page.team_name or "",
    }
    attrs = " ".join(f'{k}="{_attr(v)}"' for k, v in page_attrs.items())
    generated = page.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="analytics.report">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main id="analytics-page" {attrs}>
<header>
  <h1>Claude Code Analytics</h1>
  <div class="period" id="period"><strong>{escape(period.label())}</strong> ({escape(page.timezone)} days, {escape(coverage)})
    · compared with {escape(previous.label())}</div>
  {scope_line}
</header>
<section class="cards" id="cards">{"".join(_card(card) for card in page.cards)}</section>
<div class="row">
  <section class="panel" id="panel-activity"><h2>Activity</h2>
    <div class="chart">{activity_html}</div>
    {_daily_table("activity-table", page, [("Daily active users", "daily_active_users", fmt.count),
                                           ("Sessions", "sessions", fmt.count)])}
  </section>
  <section class="panel" id="panel-spend"><h2>Spend</h2>
    <div class="chart">{spend_html}</div>
    {_daily_table("spend-table", page, [("Spending users", "spending_users", fmt.count),
                                        ("Spend (USD)", "spend_usd", fmt.usd)])}
    {_budgets_table(page)}
  </section>
</div>
{teams_panel}
<section class="panel" id="panel-team"><h2>Team insights</h2>{_team_table(page)}</section>
<div class="row3" id="panel-breakdowns">
  <section class="panel" id="panel-by-tool"><h2>Accept rate by tool</h2>
    {_decision_table("breakdown-tool", "Tool", page.by_tool)}</section>
  <section class="panel" id="panel-by-language"><h2>Accept rate by language</h2>
    {_decision_table("breakdown-language", "Language", page.by_language)}</section>
  <section class="panel" id="panel-by-model"><h2>Spend by model</h2>{_model_table(page)}</section>
</div>
<section class="panel" id="panel-notes"><h2>What this page does not count</h2>
  <ul class="notes">{notes}</ul></section>
<footer id="footer">Generated {generated} from the marts of the analytics warehouse; data through
  {escape(page.data_through.isoformat() if page.data_through else "no data")}.</footer>
</main>
<script>{SORT_SCRIPT}</script>
</body>
</html>
"""
