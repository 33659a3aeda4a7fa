"""The Claude Code Analytics Admin API report of the simulated organization (opt-in).

``GET /v1/organizations/usage_report/claude_code`` (sources.md §3) as the pipeline keeps it:
``admin_api/claude_code/YYYY-MM-DD/page-N.json``, each page ``{"data": [items], "has_more",
"next_page"}`` with at most ``PAGE_SIZE`` items, and the ``_complete.json`` marker the pipeline
writes after fetching a settled day whole (so a run with a key never fetches these days again).
A day without usage is one page with no items.

Who is in the report (it names actors, never anonymous installs, and covers first-party API
usage only):

* an OAuth member's machine logged in with OAuth: ``user_actor`` with the member's email (as the
  account has it, capitals included);
* an OAuth member's machine not logged in (an API key of their own): ``api_actor`` with that
  key's name, which the roster maps to the member (its ``api_key_name`` column);
* an API-key member on the roster: ``api_actor`` with the key name;
* an API-key install nobody mapped (an ``unidentified`` member in the marts): no row;
* ``REPORT_ONLY`` actors: people using Claude Code on machines that send no telemetry, only in
  the report. Their member-days enter the expected numbers as the marts take them (sessions =
  num_sessions, spend = cents / 100, ...); see bookkeeping.Ledger.add_report_member_day.

Numbers of members with telemetry are the increments the exporter put on the wire (dated by
export time, as the ledger books them), so a member-day in both sources agrees with telemetry:
the same lines, decisions, commits and pull requests, tokens per model, and each item's model
cost rounded to whole cents (``estimated_cost.amount``). ``num_sessions`` counts the sessions
whose first activity falls on that day (``claude agents`` processes are not sessions). An
actor-day is one item per terminal type and remote/local: a member with two machines, or with
some sessions in a remote environment (``is_remote``; a deterministic fifth of the sessions of
people, never of bots), gets several items that the pipeline sums per actor.

Nothing here draws from the behaviour streams: turning the report on leaves the OTLP files
byte-identical.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from . import catalog, wire
from .bookkeeping import ACTIVE, LA, LR, N_MEASURES
from .ids import Weighted, geometric, rng_for

SUBDIR = Path("admin_api") / "claude_code"
PAGE_SIZE = 10  # items per page (the API's `limit`; the pipeline asks for 1000)
ENDPOINT = "/v1/organizations/usage_report/claude_code"
CUSTOMER_TYPE = "api"
# OTLP tool name -> the report's tool_actions key (the four documented keys)
TOOL_KEYS = {"Edit": "edit_tool", "MultiEdit": "multi_edit_tool", "Write": "write_tool",
             "NotebookEdit": "notebook_edit_tool"}
# token.usage `type` -> the report's token field, in models[m] slot order (see make_item)
_TOKEN_FIELDS = (("input", "input"), ("output", "output"), ("cacheRead", "cache_read"),
                 ("cacheCreation", "cache_creation"))
_TOKEN_SLOT = {otlp: i for i, (otlp, _) in enumerate(_TOKEN_FIELDS)}


# -- members with telemetry ---------------------------------------------------------------------

def detail_key(metric: int, canon: tuple) -> tuple | None:
    """What the exporter books for the report, per series: ``None`` for the rest."""
    if metric == wire.COST:
        return ("cost", canon[0])
    if metric == wire.TOKEN:
        return ("tok", canon[0], canon[2])
    if metric == wire.DECISION:
        return ("dec", canon[2], canon[0])
    if metric == wire.COMMIT:
        return ("commit",)
    if metric == wire.PR:
        return ("pr",)
    return None


def personal_key_name(member) -> str:
    """The API key an OAuth member uses on a machine where they did not log in."""
    return member.email.split("@", 1)[0].lower() + " key"


def needs_personal_key(member) -> bool:
    return member.auth == "oauth" and any(not mc.oauth for mc in member.machines)


def machine_actor(member, machine) -> tuple[str, str] | None:
    """(actor type, email or key name) of a machine's usage in the report; None: no row."""
    if machine.oauth:
        return ("user_actor", member.email)
    if not member.in_roster:
        return None
    if member.auth == "oauth":
        return ("api_actor", personal_key_name(member))
    return ("api_actor", member.api_key_name)


def report_model(model: str) -> str:
    """The model id the API reports ([1m] is a client-side context setting)."""
    return model.replace("[1m]", "")


class ReportBook:
    """Per day and item key (actor, terminal, is_remote): what processes put on the wire.

    Owns days ``[lo, hi)`` like the ledger: contributions dated outside are dropped, so the
    processes a worker replays from the day before its range count only on its own days.
    """

    def __init__(self, lo: int, hi: int):
        self.lo, self.hi = lo, hi
        self._days: dict[int, dict[tuple, dict]] = {}

    def add_process(self, member, machine, session_id: str, counts_as_session: bool,
                    ex) -> None:
        actor = machine_actor(member, machine)
        if actor is None:
            return
        remote = not member.bot and int(session_id[-2:], 16) % 5 == 0
        key = (actor, machine.terminal, remote)
        first = None
        if counts_as_session:
            first = min((d for d, v in ex.days.items() if v[ACTIVE]), default=None)
        for d in sorted(set(ex.days) | set(ex.detail)):
            if not (self.lo <= d < self.hi):
                continue
            v = ex.days.get(d)
            det = ex.detail.get(d)
            measured = v is not None and any(v[:N_MEASURES])
            if not (d == first or measured or det):
                continue
            items = self._days.get(d)
            if items is None:
                items = self._days[d] = {}
            acc = items.get(key)
            if acc is None:
                acc = items[key] = {"sessions": 0, "added": 0, "removed": 0}
            if d == first:
                acc["sessions"] += 1
            if v is not None:
                acc["added"] += v[LA]
                acc["removed"] += v[LR]
            if det:
                for k, x in det.items():
                    acc[k] = acc.get(k, 0) + x

    def pop_items(self, d: int, date: dt.date, org_id: str) -> list[dict]:
        """The report items of day ``d`` (and forget the day)."""
        out = []
        for (actor, terminal, remote), acc in self._days.pop(d, {}).items():
            tools: dict[str, list[int]] = {}
            models: dict[str, list] = {}
            commits = prs = 0
            for k, x in acc.items():
                if not isinstance(k, tuple):
                    continue
                if k[0] == "dec":
                    t = tools.setdefault(k[1], [0, 0])
                    t[0 if k[2] == "accept" else 1] += x
                elif k[0] == "cost":
                    models.setdefault(report_model(k[1]), [0, 0, 0, 0, 0.0])[4] += x
                elif k[0] == "tok":
                    models.setdefault(report_model(k[1]), [0, 0, 0, 0, 0.0])[_TOKEN_SLOT[k[2]]] += x
                elif k[0] == "commit":
                    commits += x
                elif k[0] == "pr":
                    prs += x
            item = make_item(date, org_id, actor, terminal, remote, acc["sessions"],
                             acc["added"], acc["removed"], commits, prs, tools, models)
            if item is not None:
                out.append(item)
        return out


# -- the report's items and pages ---------------------------------------------------------------

def make_item(date: dt.date, org_id: str, actor: tuple[str, str], terminal: str, remote: bool,
              sessions: int, added, removed, commits, prs, tools: dict[str, list],
              models: dict[str, list]) -> dict | None:
    """One ClaudeCodeUsageReportItem; ``models[m] = [input, output, cache_read,
    cache_creation, cost_usd]`` (the cost is rounded to whole cents here). None when empty."""
    kind, name = actor
    tool_actions = {}
    for tool, key in TOOL_KEYS.items():
        acc, rej = tools.get(tool, (0, 0))
        if acc or rej:
            tool_actions[key] = {"accepted": round(acc), "rejected": round(rej)}
    breakdown = []
    for model in sorted(models):
        inp, out, cr, cc, cost = models[model]
        tokens = {"input": round(inp), "output": round(out), "cache_read": round(cr),
                  "cache_creation": round(cc)}
        cents = int(cost * 100 + 0.5)
        if cents or any(tokens.values()):
            breakdown.append({"model": model, "tokens": tokens,
                              "estimated_cost": {"currency": "USD", "amount": cents}})
    core = {
        "num_sessions": sessions,
        "lines_of_code": {"added": round(added), "removed": round(removed)},
        "commits_by_claude_code": round(commits),
        "pull_requests_by_claude_code": round(prs),
    }
    if not (sessions or core["lines_of_code"]["added"] or core["lines_of_code"]["removed"]
            or core["commits_by_claude_code"] or core["pull_requests_by_claude_code"]
            or tool_actions or breakdown):
        return None
    return {
        "date": f"{date.isoformat()}T00:00:00Z",
        "actor": ({"type": "user_actor", "email_address": name} if kind == "user_actor"
                  else {"type": "api_actor", "api_key_name": name}),
        "organization_id": org_id,
        "customer_type": CUSTOMER_TYPE,
        "terminal_type": terminal,
        "is_remote": remote,
        "core_metrics": core,
        "tool_actions": tool_actions,
        "model_breakdown": breakdown,
    }


def item_member(item: dict) -> tuple[str, str]:
    """The report's own member of an item (before any roster mapping of key names)."""
    actor = item["actor"]
    if actor["type"] == "user_actor":
        return ("oauth_user", actor["email_address"].lower())
    return ("api_key", actor["api_key_name"])


def member_day_totals(items: list[dict]) -> dict:
    """A member-day's items summed as int_admin_api_member_days does."""
    t = {"sessions": 0, "lines_added": 0, "lines_removed": 0, "edit_accepts": 0,
         "edit_rejects": 0, "spend_usd": 0.0, "input_tokens": 0, "output_tokens": 0,
         "cache_read_tokens": 0, "cache_creation_tokens": 0}
    edit_keys = set(TOOL_KEYS.values())
    for item in items:
        core = item["core_metrics"]
        t["sessions"] += core["num_sessions"]
        t["lines_added"] += core["lines_of_code"]["added"]
        t["lines_removed"] += core["lines_of_code"]["removed"]
        for key, v in item["tool_actions"].items():
            if key in edit_keys:
                t["edit_accepts"] += v["accepted"]
                t["edit_rejects"] += v["rejected"]
        for m in item["model_breakdown"]:
            t["spend_usd"] += m["estimated_cost"]["amount"] / 100
            for _, field in _TOKEN_FIELDS:
                t[field + "_tokens"] += m["tokens"][field]
    return t


def _sort_key(item: dict) -> tuple:
    actor = item["actor"]
    name = actor.get("email_address") or actor.get("api_key_name")
    return (actor["type"], name.lower(), name, item["terminal_type"], item["is_remote"])


def _cursor(date: dt.date, offset: int) -> str:
    raw = f"{date.isoformat()}T00:00:00Z|{offset}".encode()
    return "page_" + base64.b64encode(raw).decode("ascii")


def write_day(root: Path, date: dt.date, items: list[dict]) -> tuple[int, int]:
    """Write a day's pages and marker; returns (pages, bytes)."""
    folder = Path(root) / SUBDIR / date.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    items = sorted(items, key=_sort_key)
    chunks = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
    written = 0
    for n, chunk in enumerate(chunks, 1):
        more = n < len(chunks)
        body = {"data": chunk, "has_more": more,
                "next_page": _cursor(date, n * PAGE_SIZE) if more else None}
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        (folder / f"page-{n}.json").write_bytes(data)
        written += len(data)
    # the pipeline's record of a whole fetch after the day settled (pages.py)
    fetched = date + dt.timedelta(days=1)
    marker = {"day": date.isoformat(), "pages": len(chunks), "items": len(items),
              "fetched_at": f"{fetched.isoformat()}T06:00:00Z", "endpoint": ENDPOINT}
    data = (json.dumps(marker, indent=2) + "\n").encode("utf-8")
    (folder / "_complete.json").write_bytes(data)
    return len(chunks), written + len(data)


# -- people only the report knows -----------------------------------------------------------------

@dataclass(frozen=True)
class ReportOnlyActor:
    index: int
    kind: str  # user_actor | api_actor
    name: str  # email as the account has it, or the API key's name
    roster: tuple[str, str] | None  # (team, role) when the roster names the key
    p_active: tuple[float, float]  # (work day, weekend day)
    terminals: tuple[str, ...]
    models: tuple[tuple[str, int], ...]
    bot: bool = False

    @property
    def identity(self) -> tuple[str, str]:
        if self.kind == "user_actor":
            return ("oauth_user", self.name.lower())
        return ("api_key", self.name)


REPORT_ONLY = (
    # a contractor on a locked-down laptop (no OTEL settings), logged in with OAuth
    ReportOnlyActor(0, "user_actor", f"Marta.Quispe@{catalog.ORG_DOMAIN}", None, (0.75, 0.1),
                    ("vscode", "iTerm.app"),
                    (("claude-sonnet-4-5", 3), ("claude-opus-4-6", 1))),
    # a build farm on an API key the roster names, its runners export no telemetry
    ReportOnlyActor(1, "api_actor", "build-farm", ("infra", "developer"), (0.9, 0.4),
                    ("non-interactive",), (("claude-sonnet-4-5-20250929", 1),), bot=True),
    # a shared sandbox VM on a key nobody put on the roster
    ReportOnlyActor(2, "api_actor", "sandbox-vm key", None, (0.45, 0.05),
                    ("tmux", "xterm-256color"), (("claude-opus-5", 2), ("claude-sonnet-4-5", 1))),
)
_EDITS = Weighted((("Edit", 60), ("Write", 18), ("MultiEdit", 14), ("NotebookEdit", 8)))


def roster_rows() -> list[list[str]]:
    """members.csv lines (email, api_key_name, user_ids, team, role) of report-only actors."""
    return [["", a.name, "", a.roster[0], a.roster[1]] for a in REPORT_ONLY
            if a.roster is not None and a.kind == "api_actor"]


def _edit_lines(rng, tool: str) -> tuple[int, int]:
    lv = rng.lognormvariate
    if tool == "Write":
        return 5 + int(lv(3.2, 0.8)), 0 if rng.random() < 0.7 else int(lv(2.3, 1.0))
    if tool == "MultiEdit":
        return 2 + int(lv(2.3, 0.8)), int(lv(1.9, 0.9))
    return 1 + int(lv(1.6, 0.9)), int(lv(1.1, 1.0))


def _cost(model: str, inp: int, out: int, cr: int, cc: int) -> float:
    pin, pcw, pcr, pout = catalog.PRICES[catalog.MODELS[model][0]]
    return inp * pin + out * pout + cr * pcr + cc * pcw


def report_only_items(seed: int, d: int, date: dt.date, weekend: bool, days: int,
                      org_id: str) -> list[tuple[tuple[str, str], list[dict]]]:
    """Day ``d``'s items of REPORT_ONLY actors, per member: [(identity, items)].

    Every actor is active on day ``min(index, days - 1)`` (so any generated range shows them)
    and otherwise by chance; some days are split over two terminals or remote and local.
    """
    out = []
    for a in REPORT_ONLY:
        rng = rng_for(seed, "admin_api", "report_only", a.index, d)
        forced = d == min(a.index, days - 1)
        if not (rng.random() < a.p_active[weekend] or forced):
            continue
        models = Weighted(a.models)
        split = rng.random() < (0.0 if a.bot else 0.4)
        parts = [(rng.choice(a.terminals), False)]
        if split:
            if len(a.terminals) > 1 and rng.random() < 0.5:
                other = next(t for t in a.terminals if t != parts[0][0])
                parts.append((other, False))
            else:
                parts.append((parts[0][0], True))
        items = []
        for terminal, remote in parts:
            sessions = (2 + geometric(rng, 2.0, 8)) if a.bot else 1 + geometric(rng, 0.7, 3)
            tools: dict[str, list[int]] = {}
            added = removed = requests = 0
            for _ in range(sessions):
                requests += 4 + rng.randrange(30)
                for _ in range(2 + rng.randrange(16)):
                    tool = _EDITS.pick(rng)
                    accept = rng.random() < (0.97 if a.bot else 0.88)
                    tools.setdefault(tool, [0, 0])[0 if accept else 1] += 1
                    if accept:
                        plus, minus = _edit_lines(rng, tool)
                        added += plus
                        removed += minus
            main = models.pick(rng)
            inp = sum(2 + rng.randrange(40) for _ in range(requests))
            out_t = sum(40 + int(rng.lognormvariate(6.0, 0.9)) for _ in range(requests))
            cr = requests * (15_000 + rng.randrange(40_000))
            cc = requests * (300 + rng.randrange(4_000))
            by_model = {main: [inp, out_t, cr, cc, _cost(main, inp, out_t, cr, cc)]}
            if not a.bot:
                calls = 1 + requests // 4
                h_in = sum(300 + rng.randrange(600) for _ in range(calls))
                h_out = sum(8 + rng.randrange(24) for _ in range(calls))
                by_model[catalog.SMALL_MODEL] = [h_in, h_out, 0, 0,
                                                 _cost(catalog.SMALL_MODEL, h_in, h_out, 0, 0)]
            commits = geometric(rng, 0.4 * sessions, 6)
            prs = 1 if commits and rng.random() < 0.3 else 0
            item = make_item(date, org_id, (a.kind, a.name), terminal, remote, sessions, added,
                             removed, commits, prs, tools, by_model)
            items.append(item)
        out.append((a.identity, items))
    return out
