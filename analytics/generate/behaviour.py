"""How members use Claude Code: day plans, sessions, prompts, requests, tool decisions.

Each member-day draws from its own seeded stream, so any day can be regenerated alone (the
day-range workers rely on that). Rendering never draws random numbers.
"""

from __future__ import annotations

from . import catalog, wire
from .exporter import ProcessExporter
from .ids import Weighted, geometric, request_id, rng_for, tool_use_id, uuid4
from .organization import Machine, Member

_P_ACTIVE = {  # (work day, weekend day)
    "daily": (0.88, 0.12), "regular": (0.5, 0.05), "weekly": (0.2, 0.02),
    "occasional": (0.06, 0.01), "once": (1.0, 1.0),
}
_EXTRA_SESSIONS = {"daily": 0.45, "regular": 0.3, "weekly": 0.25, "occasional": 0.0, "once": 0.0}
_START_HOUR = Weighted(((10.0, 45), (14.5, 43), (21.0, 12)))
_ACCEPT_USER = Weighted([s for s in catalog.ACCEPT_SOURCES if s[0] != "config"])
_REJECT = Weighted(catalog.REJECT_SOURCES)
_TOOLS = {k: Weighted(v) for k, v in catalog.TOOLS.items()}
_SUBAGENTS = ("Explore", "general-purpose", "code-reviewer")
_MCP_SERVERS = ("github", "linear", "sentry")
_STYLE = {"otelcol": wire.COLLECTOR, "gateway": wire.COLLECTOR_INT, "receiver": wire.NATIVE}
_EDIT = frozenset(catalog.EDIT_TOOLS)
MIN_MS = 60_000
DAY_MS = 86_400_000


def _cost(model: str, inp: int, out: int, cr: int, cc: int) -> float:
    pin, pcw, pcr, pout = catalog.PRICES[catalog.MODELS[model][0]]
    return inp * pin + out * pout + cr * pcr + cc * pcw


class _Proc:
    """Per-process state the simulation threads through prompts and requests."""

    __slots__ = (
        "ctx_tokens",
        "ex",
        "family",
        "hard",
        "limit",
        "member",
        "model",
        "perm_mode",
        "profile",
        "qs_event",
        "rng",
        "t",
        "tools",
        "warm_until",
    )


def plan_day(ctx, member: Member, day: int, rng) -> list[tuple]:
    """Processes starting on UTC day ``day``: (start_ms, machine, start_type, kind, prompts)."""
    if day < member.active_from:
        return []
    weekend = ctx.weekend[day]
    if member.usage == "once":
        if day != member.once_day:
            return []
    elif rng.random() >= _P_ACTIVE[member.usage][weekend]:
        return []
    base = ctx.base_ms + day * 86_400_000
    plans = []
    if member.bot:
        jobs = (2 + geometric(rng, 2.0, 8)) if not weekend else geometric(rng, 0.4, 3)
        for _ in range(jobs):
            start = base + rng.randrange(6 * 3_600_000, 20 * 3_600_000)
            plans.append((start, member.machines[0], "fresh", "ci", 1))
        return plans
    n = 1 + geometric(rng, _EXTRA_SESSIONS[member.usage] * member.intensity, 4)
    for _ in range(n):
        local_h = rng.gauss(_START_HOUR.pick(rng), 1.3)
        utc_s = int((local_h - member.tz_hours) * 3600) % 86_400
        start = base + utc_s * 1000 + rng.randrange(1000)
        machine = member.machines[0]
        if len(member.machines) > 1 and rng.random() < 0.25:
            machine = member.machines[1]
        prompts = 1 + geometric(rng, 1.2 * member.intensity, 14)
        if member.usage == "once":
            prompts = 1 + geometric(rng, 0.8, 3)
        plans.append((start, machine, "fresh", "work", prompts))
        if rng.random() < 0.1:  # claude --continue / --resume later: a new process
            gap = rng.randrange(5, 90) * MIN_MS + prompts * 4 * MIN_MS
            plans.append((start + gap, machine, "continue" if rng.random() < 0.7 else "resume",
                          "work", 1 + geometric(rng, 0.8, 5)))
    if rng.random() < 0.05:  # a late session (on call, a deadline) running past UTC midnight
        start = base + rng.randrange(82_800_000, 86_000_000)
        plans.append((start, member.machines[0], "fresh", "work", 3 + geometric(rng, 2.0, 8)))
    if rng.random() < 0.07:  # the `claude agents` UI: spend, no activity
        start = base + rng.randrange(7 * 3_600_000, 22 * 3_600_000)
        plans.append((start, member.machines[0], "agents_view", "agents", 0))
    return plans


def simulate_member_day(ctx, member: Member, day: int) -> None:
    rng = rng_for(ctx.seed, "day", member.index, day)
    for start, machine, start_type, kind, prompts in plan_day(ctx, member, day, rng):
        _run_process(ctx, member, machine, day, start, start_type, kind, prompts, rng)


def _run_process(ctx, member: Member, machine: Machine, day: int, start: int, start_type: str,
                 kind: str, prompts: int, rng) -> None:
    prof_key, version = machine.client(day)
    profile = wire.PROFILES[prof_key]
    if kind == "agents" and prof_key != "v2_1_new":
        return
    session_id = uuid4(rng)
    interval = 60_000 + rng.randrange(4)
    limit = ctx.horizon_ms
    if start > limit - 30 * MIN_MS:
        return
    enc = ctx.encoder(prof_key, _STYLE[machine.route])
    prefix = ctx.prefix(member, machine, profile, session_id)
    resource = ctx.resource(member, machine, version)
    ex = ProcessExporter(ctx, enc, prefix, resource, version, start, machine.temporality,
                         machine.logs, kind == "agents", interval, ctx.out_for(machine.route))
    p = _Proc()
    p.ex, p.rng, p.member, p.profile = ex, rng, member, profile
    p.family = prof_key
    p.model = member.models[prof_key].pick(rng)
    p.t = start
    p.ctx_tokens = 28_000 + rng.randrange(20_000)
    p.warm_until = 0
    p.qs_event = "sdk" if member.bot else "repl_main_thread"
    p.perm_mode = "acceptEdits" if member.accept_edits_p > 0.5 else "default"
    # no prompt after 14 h (a process never reaches the day after next: the day-range
    # workers replay only the previous day) nor too close to the end of the generated range
    p.limit = min(limit - 20 * MIN_MS, start + 840 * MIN_MS)
    p.hard = min(limit - 10 * MIN_MS, start + 900 * MIN_MS)
    p.tools = _TOOLS[prof_key]

    if profile.startup_events:
        ex.event(p.t, "managed_settings_resolved", ())
        p.t += 30 + rng.randrange(20)
        for name, h in catalog.PLUGINS:
            ex.event(p.t, "plugin_loaded", (name, h))
            p.t += rng.randrange(2)
    p.t += 5 + rng.randrange(30)
    ex.measure(p.t, wire.SESSION, (start_type,), 1)

    if kind == "agents":
        for _ in range(1 + rng.randrange(3)):
            p.t += rng.randrange(2_000, 90_000)
            inp, out = 400 + rng.randrange(3_000), 20 + rng.randrange(400)
            _request(p, catalog.SMALL_MODEL, "auxiliary", "agents_view", inp, out, 0, 0, None)
        ex.close(p.t + rng.randrange(5_000, 300_000))
        ctx.add_process(machine.identity, ex.days, False)
        if ctx.report is not None:
            ctx.report.add_process(member, machine, session_id, False, ex)
        return

    for n in range(prompts):
        if n == 0:
            p.t += rng.randrange(2_000, 40_000)
        elif rng.random() < 0.8:  # reading the diff, testing, thinking
            p.t += int(rng.lognormvariate(5.3, 0.9) * 1000)
        else:  # back from a meeting: the terminal stayed open
            p.t += min(int(rng.lognormvariate(7.4, 0.7) * 1000), 180 * MIN_MS)
        if p.t > p.limit:
            break
        _prompt(p, first=n == 0, ci=kind == "ci")
    # most processes exit soon after the last answer; some terminals stay open (idle)
    long_tail = 10 * MIN_MS if machine.temporality == 2 else 120 * MIN_MS
    tail = rng.randrange(1_000, 8 * MIN_MS) if rng.random() < 0.75 else rng.randrange(long_tail)
    end = max(p.t + 1, min(p.t + tail, limit - 1_000))
    if end - start >= DAY_MS:
        raise AssertionError("a process must not outlive the next UTC day")
    ctx.add_process(machine.identity, ex.close(end), True)
    if ctx.report is not None:
        ctx.report.add_process(member, machine, session_id, True, ex)


def _prompt(p: _Proc, first: bool, ci: bool) -> None:
    rng, ex = p.rng, p.ex
    pid = uuid4(rng)
    ex.event(p.t, "user_prompt", (20 + int(rng.lognormvariate(4.0, 1.0)), uuid4(rng)), pid)
    if not ci:
        ex.measure(p.t, wire.ACTIVE, ("user",), round(rng.uniform(2.0, 45.0), 3))
    if rng.random() < 0.04:
        p.t += 1 + rng.randrange(200)
        _housekeeping(p, pid)
    if first and p.profile.query_source_metric and rng.random() < 0.8:
        p.t += 200 + rng.randrange(800)
        _request(p, catalog.SMALL_MODEL, "auxiliary", "generate_session_title",
                 300 + rng.randrange(600), 8 + rng.randrange(24), 0, 0, pid)
    n_req = 1 + geometric(rng, 1.5 if ci else 3.5, 20)
    for r in range(n_req):
        latency = int(rng.lognormvariate(1.8, 0.6) * 1000) + 300
        p.t += latency
        if p.t > p.hard:
            return
        if rng.random() < 0.008:  # retries exhausted: one api_error, the turn ends
            err, status = catalog.API_ERRORS[rng.randrange(len(catalog.API_ERRORS))]
            ex.event(p.t, "api_error", (p.model, err, status or 504, latency * 11, 11,
                                        p.qs_event), pid)
            return
        if p.profile.query_source_metric and rng.random() < 0.05:
            sub_model = catalog.SMALL_MODEL if rng.random() < 0.6 else p.model
            _request(p, sub_model, "subagent", rng.choice(_SUBAGENTS), 3 + rng.randrange(40),
                     100 + int(rng.lognormvariate(6.0, 0.8)), 15_000 + rng.randrange(30_000),
                     1_000 + rng.randrange(6_000), pid)
            p.t += 500 + rng.randrange(3_000)
        # main-thread request: the cache expires after 5 minutes idle
        out = 40 + int(rng.lognormvariate(6.0, 0.9))
        if p.t > p.warm_until:
            cr, cc = 0, p.ctx_tokens
        else:
            cr, cc = p.ctx_tokens, 300 + int(rng.lognormvariate(8.0, 0.9))
        rid = _request(p, p.model, "main", p.qs_event, 2 + rng.randrange(40), out, cr, cc, pid)
        p.ctx_tokens += (cc if cr else 0) + out
        p.warm_until = p.t + 5 * MIN_MS
        if not ci:
            ex.measure(p.t, wire.ACTIVE, ("cli",), round(latency / 1000.0, 3))
        if r == n_req - 1:
            break
        for _ in range(1 if rng.random() < 0.8 else 2 + rng.randrange(2)):
            if not _tool(p, rid, pid):
                return
        if p.ctx_tokens > catalog.MODELS[p.model][1]:
            _compact(p, pid)


def _request(p: _Proc, model: str, qs_metric: str, qs_event: str, inp: int, out: int,
             cr: int, cc: int, pid) -> str:
    rng, ex = p.rng, p.ex
    cost = _cost(model, inp, out, cr, cc)
    rid = request_id(rng)
    dur = 400 + int(out * rng.uniform(8.0, 20.0))
    ex.event(p.t, "api_request", (model, inp, out, cr, cc, wire.js_num(cost),
                                  int(cost * 1e6 + 0.5), dur, 150 + rng.randrange(900), rid,
                                  qs_event), pid)
    ex.event(p.t + 1, "assistant_response", (out * 3 + rng.randrange(50), rid, uuid4(rng),
                                             model, qs_event), pid)
    p.t += 2
    ex.measure(p.t, wire.COST, (model, qs_metric), cost)
    ex.measure(p.t, wire.TOKEN, (model, qs_metric, "input"), inp)
    ex.measure(p.t, wire.TOKEN, (model, qs_metric, "output"), out)
    ex.measure(p.t, wire.TOKEN, (model, qs_metric, "cacheRead"), cr)
    ex.measure(p.t, wire.TOKEN, (model, qs_metric, "cacheCreation"), cc)
    return rid


def _lines(rng, tool: str) -> tuple[int, int]:
    lv = rng.lognormvariate
    if tool == "Write":
        added = 5 + int(lv(3.4, 0.8))
        removed = 0 if rng.random() < 0.7 else int(lv(2.5, 1.0))
    elif tool == "MultiEdit":
        added, removed = 2 + int(lv(2.4, 0.8)), int(lv(2.0, 0.9))
    elif tool == "NotebookEdit":
        added, removed = 1 + int(lv(1.8, 0.7)), int(lv(1.0, 1.0))
    else:
        added, removed = 1 + int(lv(1.6, 0.9)), int(lv(1.2, 1.0))
    return min(added, 900), min(removed, 600)


def _tool(p: _Proc, rid: str, pid) -> bool:
    """One tool call; returns False when the user interrupted the turn."""
    rng, ex, member, profile = p.rng, p.ex, p.member, p.profile
    tool = p.tools.pick(rng)
    p.t += 15 + rng.randrange(300)
    tuid = tool_use_id(rng)
    edit = tool in _EDIT
    accept = rng.random() < (member.accept_p if edit else 0.985)
    if accept:
        auto = member.accept_edits_p if edit else 0.85
        source = "config" if rng.random() < auto else _ACCEPT_USER.pick(rng)
    else:
        source = _REJECT.pick(rng)
    decision = "accept" if accept else "reject"
    ex.event(p.t, "tool_decision", (decision, source, tool, tuid,
                                    "mcp" if tool == "mcp_tool" else "builtin", p.perm_mode,
                                    rid), pid)
    if edit and not (not accept and source in profile.decision_omits):
        langs = member.languages
        lang = "Python" if tool == "NotebookEdit" else langs[0 if rng.random() < 0.7 else
                                                             rng.randrange(len(langs))]
        ex.measure(p.t, wire.DECISION, (decision, source, tool, lang), 1)
    if not accept:
        return source != "user_abort"
    dur = 5 + int(rng.lognormvariate(7.0, 1.3)) if tool == "Bash" else 3 + rng.randrange(120)
    dur = min(dur, 120_000)
    p.t += dur + 1
    success = "false" if tool == "Bash" and rng.random() < 0.06 else "true"
    out_size = 80 + int(rng.lognormvariate(7.0, 1.2))
    ex.event(p.t, "tool_result", (tool, tuid, success, dur, 100 + rng.randrange(2_000), out_size,
                                  rid, decision, source), pid)
    if edit:
        added, removed = _lines(rng, tool)
        ex.measure(p.t, wire.LINES, ("added", p.model), added)
        ex.measure(p.t, wire.LINES, ("removed", p.model), removed)
    elif tool == "Bash" and rng.random() < 0.06:
        ex.measure(p.t, wire.COMMIT, (), 1)
        if rng.random() < 0.3:
            ex.measure(p.t, wire.PR, (), 1)
    elif tool == "mcp_tool":
        ex.measure(p.t, wire.UNKNOWN, (rng.choice(_MCP_SERVERS),), 1)
    if not member.bot:
        ex.measure(p.t, wire.ACTIVE, ("cli",), round(dur / 1000.0, 3))
    return True


def _housekeeping(p: _Proc, pid) -> None:
    rng = p.rng
    name = rng.choice(catalog.HOUSEKEEPING_EVENTS)
    vals = {"permission_mode_changed": ("acceptEdits",), "hook_execution_complete":
            ("PostToolUse", 10 + rng.randrange(900)), "compaction": ("manual", p.ctx_tokens),
            "skill_activated": ("pdf",), "experiment_exposure": ("tengu_flag", rng.randrange(3))}
    p.ex.event(p.t, name, vals[name], pid)


def _compact(p: _Proc, pid) -> None:
    rng = p.rng
    p.t += 500 + rng.randrange(2_000)
    p.ex.event(p.t, "compaction", ("auto", p.ctx_tokens), pid)
    p.t += 1
    _request(p, p.model, "main", "compact", 10 + rng.randrange(40),
             1_500 + rng.randrange(3_000), p.ctx_tokens, 200 + rng.randrange(800), pid)
    p.ctx_tokens = 25_000 + rng.randrange(15_000)
    p.warm_until = 0
