"""Deterministic synthetic landing data for an organization's Claude Code telemetry.

``generate_organization(out_dir, members, days, start, seed=7)`` writes OTLP JSON lines as
Claude Code and OpenTelemetry Collectors deliver them (several client versions, DELTA and
CUMULATIVE, retries, copies, late files, malformed lines), a roster (``members.csv``) and the
numbers the warehouse must reproduce (``expected/``), booked while generating. With
``admin_api=True`` it also writes the Claude Code Analytics Admin API report of every day
(``admin_api/claude_code/<day>/page-N.json``), people seen only in the report included.
"""

from .runner import generate_organization

__all__ = ["generate_organization"]
