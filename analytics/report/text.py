"""The Analytics page for a terminal: the cards and the Team insights table.

Member names are data anyone can set (an API key name, a roster line): they pass through
`formatting.printable`, so an escape sequence in a name cannot clear the screen or forge rows.
"""

from __future__ import annotations

from analytics.report import formatting as fmt
from analytics.report.data import PageData


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(cells)
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def render_text(page: PageData, max_members: int | None = None) -> str:
    """Plain text, no colours; one screen for the cards, then one line per member."""
    period, previous = page.period, page.previous_period
    scope = f"  team {page.team_name}" if page.team_name is not None else ""
    out = [
        f"Claude Code Analytics{scope}  {period.label()} ({period.days} day(s), {page.timezone})",
        f"compared with {previous.label()}; data through {page.data_through or 'no data'}",
        "",
    ]
    label_width = max(len(card.label) for card in page.cards)
    values = [fmt.card_value(card) for card in page.cards]
    value_width = max(len(v) for v in values)
    for card, value in zip(page.cards, values):
        out.append(f"  {card.label.ljust(label_width)}  {value.rjust(value_width)}  {fmt.card_change(card)}")

    members = page.team if max_members is None else page.team[:max_members]
    out += ["", f"Team insights: {len(page.team)} member(s), by spend", ""]
    if page.team:
        rows = [
            [fmt.printable(m.display_name), fmt.usd(m.spend_usd), fmt.count(m.lines_added),
             fmt.percent(m.accept_rate), str(m.active_days), fmt.count(m.sessions)]
            for m in members
        ]
        titles = fmt.team_titles(page)
        header = ["member", titles["spend"], titles["lines"], "accept rate", "active days",
                  titles["sessions"]]
        out += ["  " + line for line in _table([h.lower() for h in header], rows, {1, 2, 3, 4, 5})]
        if len(members) < len(page.team):
            out.append(f"  … and {len(page.team) - len(members)} more")
    else:
        out.append("  no member activity in this period")
    if page.teams:
        out += ["", f"Teams (fewer than {page.min_group_size} active members: (small teams))", ""]
        rows = [
            [r.team, fmt.count(r.active_users), fmt.count(r.sessions), fmt.count(r.lines_added),
             fmt.percent(r.accept_rate), fmt.usd(r.spend_usd)]
            for r in page.teams
        ]
        header = ["team", "active users", "sessions", "lines", "accept rate", "spend"]
        out += ["  " + line for line in _table(header, rows, {1, 2, 3, 4, 5})]
    if page.budgets:
        out += ["", "Budgets this month", ""]
        rows = [
            [b.scope, b.name, fmt.usd(b.spend_usd), fmt.usd(b.projected_usd), fmt.usd(b.budget_usd),
             b.status.replace("_", " ")]
            for b in page.budgets
        ]
        header = ["scope", "name", "spent", "projected", "budget", "status"]
        out += ["  " + line for line in _table(header, rows, {2, 3, 4})]
    out += ["", "What these numbers do not count:"] + [f"  - {text}" for _, text in fmt.notes(page.timezone)]
    return "\n".join(out) + "\n"
