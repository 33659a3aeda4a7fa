"""``generate_organization``: day-range workers, streaming writes, expected numbers."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import multiprocessing
import os
import shutil
import time
from collections import Counter
from pathlib import Path

from . import admin_api as report
from . import wire
from .behaviour import simulate_member_day
from .bookkeeping import Ledger, merge_monthly, write_expected
from .budgets import BUDGETS_FILE, write_budgets
from .faults import MALFORMED_KINDS
from .ids import rng_for
from .landing import apply_faults, build_sinks, write_sink
from .organization import ROUTES, build_members, write_roster

DAY_MS = 86_400_000
LATE_P = 0.04
COPY_P = 0.06


class DayContext:
    """What the behaviour and exporter code needs from the run (caches included)."""

    def __init__(self, seed: int, start: dt.date, days: int, ledger: Ledger):
        self.seed = seed
        self.start = start
        self.base_ms = calendar.timegm(start.timetuple()) * 1000
        self.horizon_ms = self.base_ms + days * DAY_MS - 1_000
        self.weekend = [(start + dt.timedelta(days=d)).weekday() >= 5 for d in range(days)]
        self.ledger = ledger
        self.report: report.ReportBook | None = None  # the Admin API report, when written
        self.outs: dict[str, list] | None = None
        self.processes = 0
        self._order = 0
        self._enc: dict = {}
        self._prefix: dict = {}
        self._res: dict = {}
        self._proj: dict = {}
        self._dates: dict[int, str] = {}

    # rendering helpers -------------------------------------------------------------------
    def out_for(self, route: str) -> list | None:
        return None if self.outs is None else self.outs[route]

    def next_order(self) -> int:
        self._order += 1
        return self._order

    def encoder(self, profile_key: str, style: int) -> wire.Encoder:
        enc = self._enc.get((profile_key, style))
        if enc is None:
            enc = self._enc[(profile_key, style)] = wire.Encoder(wire.PROFILES[profile_key], style)
        return enc

    def projections(self, profile: wire.Profile) -> dict:
        proj = self._proj.get(profile.key)
        if proj is None:
            proj = self._proj[profile.key] = profile.projections
        return proj

    def iso(self, ms: int) -> str:
        d, rem = divmod(ms - self.base_ms, DAY_MS)
        date = self._dates.get(d)
        if date is None:
            date = self._dates[d] = (self.start + dt.timedelta(days=d)).isoformat()
        h, rem = divmod(rem, 3_600_000)
        m, rem = divmod(rem, 60_000)
        s, milli = divmod(rem, 1000)
        return f"{date}T{h:02d}:{m:02d}:{s:02d}.{milli:03d}Z"

    def prefix(self, member, machine, profile: wire.Profile, session_id: str) -> str:
        """Attributes on every point and record: identity, terminal, resource keys."""
        key = (machine.user_id, profile.key)
        parts = self._prefix.get(key)
        if parts is None:
            items: list = [("user.id", machine.user_id), ("session.id", "@SID@")]
            if machine.oauth:
                items += [("organization.id", member.org_id), ("user.email", member.email),
                          ("user.account_uuid", member.account_uuid)]
                if profile.account_id:
                    items.append(("user.account_id", member.account_id))
            if profile.provider_attrs:
                items.append(("anthropic.provider", "firstParty"))
                if machine.custom_base_url:
                    items.append(("anthropic.custom_base_url", True))
            items.append(("terminal.type", machine.terminal))
            items += list(member.res_attrs)
            text = ",".join(wire.attr_json(k, v) for k, v in items)
            parts = self._prefix[key] = tuple(text.split("@SID@"))
        return parts[0] + session_id + parts[1]

    def resource(self, member, machine, version: str) -> str:
        key = (machine.user_id, version)
        res = self._res.get(key)
        if res is None:
            res = self._res[key] = wire.resource_attrs(
                version, machine.os_type, machine.os_version, machine.host_arch,
                member.res_attrs)
        return res

    def add_process(self, identity, per_day: dict, counts_as_session: bool) -> None:
        if self.outs is not None:  # not a replayed (book-only) day
            self.processes += 1
        self.ledger.add_process(identity, per_day, counts_as_session)


def _day_folder(start: dt.date, d: int) -> str:
    return "otlp/" + (start + dt.timedelta(days=d)).isoformat()


def run_days(task: tuple) -> dict:
    """Generate and write days ``[lo, hi)``; unit ``lo - 1`` is replayed for booking only."""
    root, members_n, days, start, seed, lo, hi, with_report = task
    root = Path(root)
    members = build_members(members_n, seed, days)
    blocks: dict[int, list] = {}
    for m in members:
        blocks.setdefault(m.block, []).append(m)
    ledger = Ledger(start, lo, hi)
    ctx = DayContext(seed, start, days, ledger)
    if with_report:
        ctx.report = report.ReportBook(lo, hi)
    counters: Counter = Counter()
    for u in range(max(0, lo - 1), hi):
        write = u >= lo
        folder = _day_folder(start, u)
        day_sinks = []
        for b in sorted(blocks):
            ctx.outs = {r: [] for r in ROUTES} if write else None
            for member in blocks[b]:
                simulate_member_day(ctx, member, u)
            if not write:
                continue
            frng = rng_for(seed, "faults", u, b)
            sinks = build_sinks(folder, b, ctx.outs, frng, counters)
            forced = MALFORMED_KINDS if (u == 0 and b == 0) else ()
            apply_faults(sinks, frng, counters, forced)
            lag = 2 if (u == 0 and b == 0) else 1 + frng.randrange(3)
            if sinks and u + lag < days and ((u == 0 and b == 0) or frng.random() < LATE_P):
                s = sinks[frng.randrange(len(sinks))]
                name = s.rel.rsplit("/", 1)[1]
                stem, ext = name.split(".", 1)
                s.rel = f"{_day_folder(start, u + lag)}/{stem}-from-{folder[5:]}.{ext}"
                s.late = True
                counters["late_files"] += 1
                counters["late_lines"] += len(s.lines)
            for s in sinks:
                write_sink(root, s, counters)
            day_sinks += sinks
        ctx.outs = None
        if write:
            _maybe_copy(root, day_sinks, rng_for(seed, "copy", u), counters, force=1 <= u <= 3)
        if write and ctx.report is not None:
            _write_report_day(root, ctx, members[0].org_id, days, u, counters)
        ledger.finalize(u)
    counters["processes"] = ctx.processes
    return {"rows": ledger.rows, "monthly": ledger.monthly, "spend_items": ledger.spend_items,
            "counters": counters}


def _write_report_day(root: Path, ctx: DayContext, org_id: str, days: int, u: int,
                      counters: Counter) -> None:
    """Day ``u``'s Admin API report; books its report-only member-days (before finalize)."""
    date = ctx.start + dt.timedelta(days=u)
    items = ctx.report.pop_items(u, date, org_id)
    for identity, member_items in report.report_only_items(ctx.seed, u, date, ctx.weekend[u],
                                                           days, org_id):
        ctx.ledger.add_report_member_day(u, identity, report.member_day_totals(member_items))
        items += member_items
        counters["admin_api_report_only_member_days"] += 1
    pages, size = report.write_day(root, date, items)
    counters["admin_api_pages"] += pages
    counters["admin_api_items"] += len(items)
    counters["admin_api_bytes"] += size


def _maybe_copy(root: Path, sinks: list, rng, counters: Counter, force: bool) -> None:
    """A whole file copied under another name (someone re-uploaded it)."""
    cands = [s for s in sinks if not s.late]
    if not cands or not (force or rng.random() < COPY_P):
        return
    cands.sort(key=lambda s: len(s.lines))
    s = cands[rng.randrange((len(cands) + 1) // 2)]
    stem, ext = s.rel.split(".", 1)
    dst = f"{stem}-copy.{ext}"
    shutil.copyfile(root / s.rel, root / dst)
    size = (root / dst).stat().st_size
    counters["copied_files"] += 1
    counters["copied_lines"] += len(s.lines)
    counters["files"] += 1
    counters["lines"] += len(s.lines)
    counters["bytes_otlp"] += size
    if s.gz:
        counters["gz_files"] += 1
    for kind in s.malformed:
        counters["malformed_lines"] += 1
        counters["malformed_" + kind] += 1


def _clear_previous_output(out_dir: Path) -> None:
    """Replace an earlier generated folder; never delete a landing folder we did not write."""
    held = [p for p in (out_dir / "otlp", out_dir / report.SUBDIR.parts[0])
            if p.is_dir() and any(p.iterdir())]
    if not held:
        return
    if not (out_dir / "expected" / "summary.json").is_file():
        raise FileExistsError(
            f"{held[0]} already holds data that was not generated here; use an empty OUT_DIR")
    for p in held:
        shutil.rmtree(p)
    shutil.rmtree(out_dir / "expected")
    (out_dir / "members.csv").unlink(missing_ok=True)
    (out_dir / BUDGETS_FILE).unlink(missing_ok=True)


def _chunks(days: int, workers: int) -> list[tuple[int, int]]:
    if workers <= 1:
        return [(0, days)]
    size = max(4, -(-days // (workers * 3)))
    return [(lo, min(days, lo + size)) for lo in range(0, days, size)]


def generate_organization(out_dir: Path, members: int, days: int, start: dt.date,
                          seed: int = 7, *, workers: int | None = None,
                          admin_api: bool = False) -> dict:
    """Write a landing folder for ``members`` over ``days`` UTC days from ``start``.

    Writes ``otlp/<day>/*.jsonl[.gz]``, ``members.csv``, ``budgets.csv`` and ``expected/{org_daily.csv,
    member_monthly.csv,summary.json}``; returns a summary (bytes, files, lines, faults, time).
    The same arguments give byte-identical files, whatever the number of workers.

    ``admin_api=True`` also writes the Claude Code Analytics Admin API report of every day
    (``admin_api/claude_code/<day>/page-N.json``, see admin_api.py) and adds people seen only
    in the report to the expected numbers; the OTLP files stay the same, and the roster names
    the API keys the report shows (OAuth members' keys, a report-only key).
    """
    t0 = time.perf_counter()
    if members < 1 or days < 1:
        raise ValueError("members and days must be at least 1")
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    elif isinstance(start, dt.datetime):
        start = start.date()
    out_dir = Path(out_dir)
    _clear_previous_output(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    people = build_members(members, seed, days)
    if admin_api:
        roster_bytes = write_roster(
            people, out_dir / "members.csv",
            key_names={m.index: report.personal_key_name(m) for m in people
                       if report.needs_personal_key(m)},
            extra_rows=report.roster_rows())
    else:
        roster_bytes = write_roster(people, out_dir / "members.csv")

    if workers is None:
        workers = 1 if members * days < 3_000 else min(2, os.cpu_count() or 1)
    tasks = [(str(out_dir), members, days, start, seed, lo, hi, admin_api)
             for lo, hi in _chunks(days, workers)]
    rows: list[tuple] = []
    monthly: dict = {}
    counters: Counter = Counter()
    if workers <= 1 or len(tasks) == 1:
        results = map(run_days, tasks)
        pool = None
    else:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        pool = multiprocessing.get_context(method).Pool(workers)
        results = pool.imap(run_days, tasks)
    try:
        for res in results:
            rows += res["rows"]
            merge_monthly(monthly, res["monthly"], res["spend_items"])
            counters.update(res["counters"])
    finally:
        if pool is not None:
            pool.close()
            pool.join()

    expected = out_dir / "expected"
    totals = write_expected(expected, rows, monthly)
    budgets_bytes = write_budgets(out_dir / BUDGETS_FILE, people, monthly,
                                  start + dt.timedelta(days=days - 1), "Example Inc")
    faults = {k: counters[k] for k in (
        "malformed_lines", *("malformed_" + k for k in MALFORMED_KINDS), "retried_lines",
        "cross_file_duplicate_lines", "duplicate_requests", "copied_files", "copied_lines",
        "late_files", "late_lines")}
    summary = {
        "members": members, "days": days, "start": start.isoformat(), "seed": seed,
        "end": (start + dt.timedelta(days=days - 1)).isoformat(),
        "files": counters["files"], "gz_files": counters["gz_files"],
        "lines": counters["lines"], "processes": counters["processes"],
        "bytes_otlp": counters["bytes_otlp"],
        "bytes_uncompressed": counters["bytes_uncompressed"],
        "totals": totals, "faults": faults,
    }
    if admin_api:
        summary["admin_api"] = {
            "days": days, "pages": counters["admin_api_pages"],
            "items": counters["admin_api_items"], "bytes": counters["admin_api_bytes"],
            "report_only_member_days": counters["admin_api_report_only_member_days"],
        }
    with (expected / "summary.json").open("w", encoding="utf-8") as fh:
        json.dump(summary, fh, indent=2, sort_keys=True)
        fh.write("\n")
    written = sum(p.stat().st_size for p in expected.iterdir()) + roster_bytes + budgets_bytes
    result = dict(summary)
    result.update(
        bytes_written=counters["bytes_otlp"] + written + counters["admin_api_bytes"],
        malformed_lines=counters["malformed_lines"],
        seconds=round(time.perf_counter() - t0, 3),
        workers=workers,
    )
    return result
