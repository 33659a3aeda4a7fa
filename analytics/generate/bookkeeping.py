"""The expected numbers, booked while generating (never by parsing the output).

Every simulated process keeps, per UTC day, the increments it put on the wire (metric points
dated by their export ``timeUnixNano``, events by theirs) and whether it was active. The
ledger folds processes into org days and member months following docs/metrics.md:

* a day's active members / sessions come from events and non-zero metric increments, except
  for ``agents_view`` processes (their spend still counts);
* a session crossing midnight counts on both days, and once per month (booked on its first
  active day of that month);
* faults (retries, copies, late files, malformed lines) are written after booking, so
  duplicated data counts once and malformed lines count nothing.

With the Admin API report, member-days only the report has (members on machines without
telemetry) are booked as the marts take them (``add_report_member_day``); member-days in both
sources keep the telemetry numbers.

A ledger owns the day range ``[lo, hi)``: contributions dated outside it are ignored, so
day ranges generated in different processes can be merged by plain addition.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

LA, LR, ACC, REJ, SPEND, TIN, TOUT, TCR, TCC, ACTIVE = range(10)
N_MEASURES = 9

ORG_DAILY_COLUMNS = (
    "usage_date", "daily_active_users", "sessions", "lines_added", "lines_removed",
    "edit_accepts", "edit_rejects", "accept_rate", "spend_usd", "spending_users",
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens",
)
MEMBER_MONTHLY_COLUMNS = (
    "usage_month", "member_type", "member_identifier", "spend_usd", "lines_added",
    "lines_removed", "sessions", "active_days", "edit_accepts", "edit_rejects",
)
# member-month slots
M_SPEND, M_LA, M_LR, M_SESSIONS, M_DAYS, M_ACC, M_REJ = range(7)


def new_day_slot() -> list:
    return [0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0]


class _Day:
    __slots__ = ("active", "sessions", "spend_by", "spending", "sums")

    def __init__(self):
        self.sums = [0, 0, 0, 0, 0.0, 0, 0, 0, 0]
        self.sessions = 0
        self.active: set = set()
        self.spend_by: dict = {}


class Ledger:
    def __init__(self, start: dt.date, lo: int, hi: int):
        self.start = start
        self.lo, self.hi = lo, hi
        self._days: dict[int, _Day] = {}
        self.rows: list[tuple] = []
        self.monthly: dict[tuple[str, str, str], list] = {}
        # (month key, spend) per member and finalized day, in day order: the caller folds
        # them so that float sums do not depend on how days were split between workers
        self.spend_items: list[tuple[tuple[str, str, str], float]] = []
        self._month_cache: dict[int, str] = {}

    def month(self, d: int) -> str:
        m = self._month_cache.get(d)
        if m is None:
            day = self.start + dt.timedelta(days=d)
            m = self._month_cache[d] = f"{day.year:04d}-{day.month:02d}-01"
        return m

    def _mm(self, month: str, identity: tuple[str, str]) -> list:
        key = (month, identity[0], identity[1])
        slot = self.monthly.get(key)
        if slot is None:
            slot = self.monthly[key] = [0.0, 0, 0, 0, 0, 0, 0]
        return slot

    def add_process(self, identity: tuple[str, str], per_day: dict[int, list],
                    counts_as_session: bool) -> None:
        """Fold one process (one session.id): ``per_day[d]`` is a ``new_day_slot()`` list."""
        months_seen: set[str] = set()
        lo, hi = self.lo, self.hi
        for d in sorted(per_day):
            v = per_day[d]
            active = bool(v[ACTIVE]) and counts_as_session
            month = self.month(d)
            first_in_month = active and month not in months_seen
            if active:
                months_seen.add(month)
            if not (lo <= d < hi):
                continue
            day = self._days.get(d)
            if day is None:
                day = self._days[d] = _Day()
            s = day.sums
            for i in range(N_MEASURES):
                if v[i]:
                    s[i] += v[i]
            if v[SPEND]:
                day.spend_by[identity] = day.spend_by.get(identity, 0.0) + v[SPEND]
            if active:
                day.sessions += 1
                day.active.add(identity)
            if active or any(v[:N_MEASURES]):
                mm = self._mm(month, identity)
                mm[M_LA] += v[LA]
                mm[M_LR] += v[LR]
                mm[M_ACC] += v[ACC]
                mm[M_REJ] += v[REJ]
                if first_in_month:
                    mm[M_SESSIONS] += 1

    def add_report_member_day(self, d: int, identity: tuple[str, str], totals: dict) -> None:
        """Book a member-day only the Admin API report has, as the marts take it
        (fct_daily_activity source 'admin_api'): an active member, the report's num_sessions
        as sessions, lines and edit decisions as reported, spend the cents / 100 and the tokens
        of its model breakdown. ``totals`` comes from admin_api.member_day_totals."""
        if not (self.lo <= d < self.hi):
            return
        day = self._days.get(d)
        if day is None:
            day = self._days[d] = _Day()
        s = day.sums
        s[LA] += totals["lines_added"]
        s[LR] += totals["lines_removed"]
        s[ACC] += totals["edit_accepts"]
        s[REJ] += totals["edit_rejects"]
        s[SPEND] += totals["spend_usd"]
        s[TIN] += totals["input_tokens"]
        s[TOUT] += totals["output_tokens"]
        s[TCR] += totals["cache_read_tokens"]
        s[TCC] += totals["cache_creation_tokens"]
        day.sessions += totals["sessions"]
        day.active.add(identity)
        if totals["spend_usd"]:
            day.spend_by[identity] = day.spend_by.get(identity, 0.0) + totals["spend_usd"]
        mm = self._mm(self.month(d), identity)
        mm[M_LA] += totals["lines_added"]
        mm[M_LR] += totals["lines_removed"]
        mm[M_ACC] += totals["edit_accepts"]
        mm[M_REJ] += totals["edit_rejects"]
        mm[M_SESSIONS] += totals["sessions"]

    def finalize(self, d: int) -> None:
        """Close day ``d`` (all processes that can touch it have been added)."""
        if not (self.lo <= d < self.hi):
            return
        day = self._days.pop(d, None) or _Day()
        month = self.month(d)
        for identity in day.active:
            self._mm(month, identity)[M_DAYS] += 1
        for identity, spend in day.spend_by.items():
            self.spend_items.append(((month, identity[0], identity[1]), spend))
        s = day.sums
        decided = s[ACC] + s[REJ]
        spending = sum(1 for v in day.spend_by.values() if v > 0)
        self.rows.append((
            (self.start + dt.timedelta(days=d)).isoformat(), len(day.active), day.sessions,
            s[LA], s[LR], s[ACC], s[REJ], (s[ACC] / decided) if decided else None, s[SPEND],
            spending, s[TIN], s[TOUT], s[TCR], s[TCC],
        ))


def merge_monthly(into: dict, other: dict, spend_items: list) -> None:
    """Add a day range's member months (integers) and fold its spend, in day order."""
    for key, slot in other.items():
        cur = into.get(key)
        if cur is None:
            into[key] = list(slot)
        else:
            for i, v in enumerate(slot):
                cur[i] += v
    for key, spend in spend_items:
        into[key][M_SPEND] += spend


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def write_expected(out_dir: Path, rows: list[tuple], monthly: dict) -> dict:
    """expected/org_daily.csv and expected/member_monthly.csv; returns totals."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "org_daily.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ORG_DAILY_COLUMNS)
        for row in rows:
            w.writerow([_fmt(v) for v in row])
    with (out_dir / "member_monthly.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(MEMBER_MONTHLY_COLUMNS)
        for (month, mtype, ident) in sorted(monthly):
            s = monthly[(month, mtype, ident)]
            w.writerow([month, mtype, ident, repr(float(s[M_SPEND])), s[M_LA], s[M_LR],
                        s[M_SESSIONS], s[M_DAYS], s[M_ACC], s[M_REJ]])
    acc = sum(r[5] for r in rows)
    rej = sum(r[6] for r in rows)
    return {
        "spend_usd": sum(r[8] for r in rows),
        "lines_added": sum(r[3] for r in rows),
        "lines_removed": sum(r[4] for r in rows),
        "edit_accepts": acc,
        "edit_rejects": rej,
        "accept_rate": (acc / (acc + rej)) if acc + rej else None,
        "sessions": sum(r[2] for r in rows),
        "input_tokens": sum(r[10] for r in rows),
        "output_tokens": sum(r[11] for r in rows),
        "cache_read_tokens": sum(r[12] for r in rows),
        "cache_creation_tokens": sum(r[13] for r in rows),
        "members_seen": len({(k[1], k[2]) for k in monthly}),
        "max_daily_active_users": max((r[1] for r in rows), default=0),
    }
