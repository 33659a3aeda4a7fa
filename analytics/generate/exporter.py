"""One Claude Code process's OpenTelemetry SDK: log batching, metric readers, bookkeeping.

The behaviour simulation calls ``event`` and ``measure`` in time order; this class does what
the client's SDK would do with them:

* logs: a batch processor that flushes every 5 s (and at shutdown); one POST per flush;
* metrics: a periodic reader collecting every 60 s (and at shutdown), DELTA (only series
  recorded since the last collection, ``startTimeUnixNano`` = previous collection, or the first
  record for a new series) or CUMULATIVE (every series seen so far, running totals, a fixed
  ``startTimeUnixNano``);

and books every increment it puts on the wire into per-day slots (see bookkeeping.py). When the
run also writes the Admin API report (``ctx.report``), it books the increments the report breaks
down (cost and tokens per model, decisions per tool, commits, pull requests) into ``detail``:
``{day: {key: total}}``, keys as in admin_api.detail_key.
Rendered requests are appended to ``out`` as ``(send_ms, order, kind, entry)``.
"""

from __future__ import annotations

from . import wire
from .admin_api import detail_key
from .bookkeeping import ACC, ACTIVE, LA, LR, REJ, SPEND, TCC, TCR, TIN, TOUT, new_day_slot

DAY_MS = 86_400_000
LOG_INTERVAL_MS = 5_000

_TOKEN_SLOT = {"input": TIN, "output": TOUT, "cacheRead": TCR, "cacheCreation": TCC}


def _slot(metric: int, canon: tuple) -> int:
    if metric == wire.COST:
        return SPEND
    if metric == wire.TOKEN:
        return _TOKEN_SLOT[canon[2]]
    if metric == wire.LINES:
        return LA if canon[0] == "added" else LR
    if metric == wire.DECISION:
        return ACC if canon[0] == "accept" else REJ
    return -1


class _Series:
    __slots__ = (
        "canon",
        "dkey",
        "exported",
        "first_ms",
        "head",
        "last_total",
        "metric",
        "pending",
        "slot",
        "total",
        "touched",
    )

    def __init__(self, metric: int, canon: tuple, first_ms: int):
        self.metric = metric
        self.canon = canon
        self.head = None
        self.first_ms = first_ms
        self.pending = 0
        self.total = 0
        self.last_total = 0
        self.touched = False
        self.exported = False
        self.slot = _slot(metric, canon)
        self.dkey = None  # key in ProcessExporter.detail (Admin API report only)


class ProcessExporter:
    def __init__(self, ctx, encoder: wire.Encoder, prefix: str, resource: str, version: str,
                 start_ms: int, temporality: int, logs: bool, agents_view: bool,
                 metric_interval_ms: int, out: list | None):
        self.ctx = ctx
        self.enc = encoder
        self.profile = encoder.profile
        self.prefix = prefix
        self.resource = resource
        self.version = version
        self.start_ms = start_ms
        self.cumulative = temporality == 2
        self.temporality = temporality
        self.logs = logs
        self.agents_view = agents_view
        self.out = out  # None: book only, render nothing
        self.seq = 0
        self.batch: list[str] = []
        self.batch_deadline = 0
        self.interval = metric_interval_ms
        self.next_collect = start_ms + metric_interval_ms
        self.prev_collect = start_ms
        self.series: dict[tuple, _Series] = {}
        self.order: list[_Series] = []
        self.days: dict[int, list] = {}
        self.detail: dict[int, dict] | None = {} if ctx.report is not None else None
        self.base_ms = ctx.base_ms
        self.proj = ctx.projections(self.profile)

    # -- bookkeeping ----------------------------------------------------------------------
    def _day(self, ms: int) -> list:
        d = (ms - self.base_ms) // DAY_MS
        slot = self.days.get(d)
        if slot is None:
            slot = self.days[d] = new_day_slot()
        return slot

    # -- time -------------------------------------------------------------------------------
    def _advance(self, ms: int) -> None:
        if self.batch and ms >= self.batch_deadline:
            self._flush_logs(self.batch_deadline)
        while ms >= self.next_collect:
            t = self.next_collect
            if not self.cumulative and not any(s.touched for s in self.order):
                # idle delta reader: nothing to export; jump to the last tick before ms
                k = (ms - t) // self.interval
                t += k * self.interval
                self.prev_collect = t
                self.next_collect = t + self.interval
                continue
            self._collect(t)
            self.next_collect = t + self.interval

    # -- logs -------------------------------------------------------------------------------
    def event(self, ms: int, etype: str, vals: tuple, prompt_id: str | None = None) -> None:
        if not self.logs or etype not in self.profile.events:
            return
        self._advance(ms)
        if not self.agents_view:
            self._day(ms)[ACTIVE] = 1
        if self.out is not None:
            self.batch.append(self.enc.event(etype, ms, self.ctx.iso(ms), self.seq, prompt_id,
                                             self.prefix, vals))
            if len(self.batch) == 1:
                k = (ms - self.start_ms) // LOG_INTERVAL_MS + 1
                self.batch_deadline = self.start_ms + k * LOG_INTERVAL_MS
        self.seq += 1

    def _flush_logs(self, at_ms: int) -> None:
        entry = self.enc.logs_entry(self.resource, self.version, self.batch)
        self.out.append((at_ms + 3 + (at_ms % 7), self.ctx.next_order(), "l", entry))
        self.batch = []

    # -- metrics ----------------------------------------------------------------------------
    def measure(self, ms: int, metric: int, canon: tuple, value) -> None:
        if metric not in self.profile.metrics:
            return
        self._advance(ms)
        proj = self.proj.get(metric)
        if proj is not None:
            canon = tuple(c if i in proj else None for i, c in enumerate(canon))
        key = (metric, canon)
        s = self.series.get(key)
        if s is None:
            s = self.series[key] = _Series(metric, canon, ms)
            if self.detail is not None:
                s.dkey = detail_key(metric, canon)
            self.order.append(s)
        s.pending += value
        s.total += value
        s.touched = True

    def _collect(self, t: int) -> None:
        day = self._day(t)
        active = False
        render = self.out is not None
        by_metric: dict[int, list[str]] = {}
        cumulative = self.cumulative
        detail = None
        if self.detail is not None:
            d = (t - self.base_ms) // DAY_MS
            detail = self.detail.get(d)
            if detail is None:
                detail = self.detail[d] = {}
        for s in self.order:
            if cumulative:
                value = s.total
                inc = s.total - s.last_total
                s.last_total = s.total
                start = s.first_ms
            else:
                if not s.touched:
                    continue
                value = inc = s.pending
                start = self.prev_collect if s.exported else s.first_ms
            s.pending = 0
            s.touched = False
            s.exported = True
            if inc:
                active = True
                if s.slot >= 0:
                    day[s.slot] += inc
                if s.dkey is not None:
                    detail[s.dkey] = detail.get(s.dkey, 0) + inc
            if render:
                if s.head is None:
                    s.head = self.enc.series_head(self.prefix, s.metric, s.canon)
                pts = by_metric.get(s.metric)
                if pts is None:
                    pts = by_metric[s.metric] = []
                pts.append(self.enc.point(s.head, s.metric, start, t, value))
        if active and not self.agents_view:
            day[ACTIVE] = 1
        self.prev_collect = t
        if render and by_metric:
            blocks = [self.enc.metric_block(m, self.temporality, by_metric[m])
                      for m in wire.METRIC_ORDER if m in by_metric]
            entry = self.enc.metrics_entry(self.resource, self.version, blocks)
            self.out.append((t + 11 + (t % 13), self.ctx.next_order(), "m", entry))

    # -- shutdown ---------------------------------------------------------------------------
    def close(self, end_ms: int) -> dict[int, list]:
        self._advance(end_ms)
        if self.batch:
            self._flush_logs(end_ms)
        if self.prev_collect < end_ms and (self.cumulative or any(s.touched for s in self.order)):
            self._collect(end_ms)
        return self.days
