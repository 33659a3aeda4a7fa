"""Budget alerts: one chat message per run naming each budget that became at risk or over.

After every run (`analytics run` and the schedule alike) the latest month's rows of
marts.fct_budget_status whose status is `at_risk` or `over` and was not posted yet are sent
as one JSON message `{"text": "..."}` to ANALYTICS_ALERT_WEBHOOK_URL: Slack's incoming-webhook
shape, which Mattermost, Teams workflows and most chat tools accept. What was sent is
remembered in meta.budget_alerts (month, scope, name, status), so a rerun with nothing new
posts nothing, and a budget that goes from at_risk to over is posted again. A webhook that
fails or times out is not remembered: the next run tries again. The failure is returned for
the caller to show as a warning; it never fails the run, since the numbers are built by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics.ingest.raw_schema import META_SCHEMA, META_TABLES, create_tables
from analytics.webhook import WebhookError, post_text

PENDING_SQL = """
select s.usage_month, s.scope, s.name, s.status, s.spend_usd, s.projected_usd, s.budget_usd,
    s.data_through
from marts.fct_budget_status as s
left join meta.budget_alerts as sent
    on sent.usage_month = s.usage_month and sent.scope = s.scope and sent.name = s.name
    and sent.status = s.status
where s.status in ('at_risk', 'over')
    and s.usage_month = (select max(usage_month) from marts.fct_budget_status)
    and sent.usage_month is null
order by case s.status when 'over' then 0 else 1 end, s.scope, s.name
"""


@dataclass(frozen=True)
class Alert:
    usage_month: date
    scope: str
    name: str
    status: str
    spend_usd: float
    projected_usd: float
    budget_usd: float
    data_through: date


@dataclass(frozen=True)
class AlertOutcome:
    posted: int  # budgets named in the message that was posted (0 when none was due)
    pending: int  # budgets due
    error: str | None = None  # why posting failed (the next run retries)


def pending_alerts(con) -> list[Alert]:
    create_tables(con, {"budget_alerts": META_TABLES["budget_alerts"]}, META_SCHEMA)
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'fct_budget_status'"
    ).fetchall()[0][0]
    if not exists:
        return []
    return [Alert(*row) for row in con.execute(PENDING_SQL).fetchall()]


def _money(value: float) -> str:
    return f"${value:,.2f}"


def message_text(alerts: list[Alert]) -> str:
    month = alerts[0].usage_month.strftime("%Y-%m")
    lines = [f"Claude Code budgets, {month} (data through {alerts[0].data_through}):"]
    for alert in alerts:
        what = "over budget" if alert.status == "over" else "at risk"
        label = "organization" if alert.scope == "org" else f"{alert.scope} {alert.name}"
        lines.append(
            f"- {label} is {what}: spent {_money(alert.spend_usd)}, projected "
            f"{_money(alert.projected_usd)} for the month, budget {_money(alert.budget_usd)}"
        )
    return "\n".join(lines)


def send_budget_alerts(con, url: str | None, timeout: float) -> AlertOutcome:
    """Post the budgets due (if any) and remember them; never raises for a failing webhook."""
    alerts = pending_alerts(con)
    if not alerts or url is None:
        return AlertOutcome(0, len(alerts))
    try:
        post_text(url, message_text(alerts), timeout)
    except WebhookError as exc:
        return AlertOutcome(0, len(alerts), str(exc))
    con.executemany(
        "insert or replace into meta.budget_alerts values (?, ?, ?, ?, ?, ?, ?, current_timestamp::timestamp)",
        [
            [a.usage_month, a.scope, a.name, a.status, a.spend_usd, a.projected_usd, a.budget_usd]
            for a in alerts
        ],
    )
    return AlertOutcome(len(alerts), len(alerts))
