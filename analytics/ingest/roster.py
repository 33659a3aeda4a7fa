"""The roster, `members.csv` in the landing folder, into raw.roster: RFC 4180, read strictly.

A person edits this file, so it is read with one explicit dialect and nothing guessed: comma
separated, `"` the only quote character (a `"` inside a quoted field doubled), a header line
first (the first line that is not blank) naming at least the columns email, api_key_name, user_ids, team, role (any order, case
and surrounding spaces ignored; other columns are ignored), UTF-8 with or without a BOM. Each
line is one member: a field may not span lines, so one stray quote can only spoil its own line.
(DuckDB's sniffer used to guess `'` as the quote character, and merged a team `'growth` with a
later `ops'` into one row that took the next member's role.)

- a line with more fields than the header: the extra fields are ignored, with a warning that
  names the line;
- a line that is not valid CSV (an unclosed quote, text after a closing quote, a quote inside an
  unquoted field) or has fewer fields than the header: quarantined in raw.quarantine (signal
  `roster`) with its line number and the reason, never its text; the other lines load;
- no header, or a header without the required columns: RosterError (nothing can be trusted).

Values are trimmed, an empty one is NULL; nothing else is changed (roles are matched exactly by
the dbt staging model). raw.roster keeps each member's line number. An unchanged roster (same
bytes) is not loaded again, so a rerun leaves raw.roster as it was.

The raw tables are created by the caller (raw_schema.create_raw_tables).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from analytics.errors import RosterError
from analytics.ingest.walk import open_regular

ROSTER_FILE = "members.csv"
ROSTER_HEADER = ("email", "api_key_name", "user_ids", "team", "role")
SIGNAL = "roster"


class RosterDialect(csv.Dialect):
    """RFC 4180: comma, `"` quotes (doubled inside), no escape character, strict."""

    delimiter = ","
    quotechar = '"'
    doublequote = True
    escapechar = None
    skipinitialspace = False
    strict = True
    quoting = csv.QUOTE_MINIMAL
    lineterminator = "\r\n"


# One line of RFC 4180 fields: quoted (`""` inside) or unquoted without any `"`.
_FIELD = r'(?:"(?:[^"]|"")*"|[^",]*)'
_LINE = re.compile(rf"{_FIELD}(?:,{_FIELD})*")




@dataclass
class RosterSummary:
    rows: int = 0
    quarantined: int = 0
    warnings: list[str] = field(default_factory=list)
    found: bool = False
    unchanged: bool = False


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def parse_line(line: str) -> list[str]:
    """The fields of one line; ValueError saying why it is not valid CSV."""
    if not _LINE.fullmatch(line):
        raise ValueError("not valid CSV: a quote that is not closed, text after a closing quote, "
                         'or a " inside an unquoted field')
    try:
        rows = list(csv.reader([line], dialect=RosterDialect))
    except csv.Error as exc:
        raise ValueError(f"not valid CSV: {exc}") from None
    return rows[0] if rows else [""]


def _lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of each line, CRLF or LF, blank lines left out."""
    numbered = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.strip():
            numbered.append((number, line))
    return numbered


def read_roster(data: bytes, name: str = ROSTER_FILE) -> tuple[list[dict], list[tuple[int, str]], list[str]]:
    """The members (dicts with `source_line`), the quarantined lines (number, reason) and the
    warnings of a roster's bytes."""
    text = data.decode("utf-8-sig", errors="replace")
    lines = _lines(text)
    if not lines:
        raise RosterError(f"{name}: no header line (the first line must name the columns "
                          f"{', '.join(ROSTER_HEADER)})")
    try:
        header = [column.strip().lower() for column in parse_line(lines[0][1])]
    except ValueError as exc:
        raise RosterError(f"{name}: the header line is {exc}") from None
    missing = [c for c in ROSTER_HEADER if c not in header]
    if missing:
        raise RosterError(f"{name}: roster header lacks column(s) {', '.join(missing)}")
    position = {c: header.index(c) for c in ROSTER_HEADER}
    members, quarantined, warnings = [], [], []
    for number, line in lines[1:]:
        try:
            fields = parse_line(line)
        except ValueError as exc:
            quarantined.append((number, f"roster line {number} is {exc}"))
            continue
        if len(fields) < len(header):
            quarantined.append(
                (number, f"roster line {number} has {len(fields)} field(s), the header {len(header)}")
            )
            continue
        if len(fields) > len(header):
            warnings.append(
                f"{name} line {number}: {len(fields)} fields, the header names {len(header)}; "
                f"the {len(fields) - len(header)} extra field(s) are ignored"
            )
        member = {c: (fields[i].strip() or None) for c, i in position.items()}
        member["source_line"] = number
        members.append(member)
    return members, quarantined, warnings


def load_roster(con, landing_dir: Path) -> RosterSummary:
    """Replace raw.roster (and the roster's quarantine rows) with the landing folder's
    members.csv: empty when there is none."""
    path = Path(landing_dir) / ROSTER_FILE
    data, refused = read_landed_file(path)
    digest = content_hash(data) if data is not None else None
    summary = RosterSummary(found=data is not None)
    if refused:
        # a link (to anywhere: nothing outside the landing folder is read), a FIFO, a device
        summary.warnings.append(f"{ROSTER_FILE}: {refused}; the roster is read as absent")
    loaded, loaded_hash = con.execute("select count(*), min(content_hash) from raw.roster").fetchall()[0]
    if (loaded == 0 and digest is None) or (loaded > 0 and loaded_hash == digest):
        summary.rows, summary.unchanged = loaded, True
        return summary
    members, quarantined, warnings = read_roster(data, path.name) if data is not None else ([], [], [])
    summary.warnings.extend(warnings)
    now = datetime.now(UTC).replace(tzinfo=None)
    table = pa.table(
        {
            **{c: pa.array([m[c] for m in members], pa.string()) for c in ROSTER_HEADER},
            "source_line": pa.array([m["source_line"] for m in members], pa.int32()),
        }
    )
    bad = pa.table(
        {
            "source_line": pa.array([n for n, _ in quarantined], pa.int32()),
            "reason": pa.array([r for _, r in quarantined], pa.string()),
        }
    )
    con.register("_roster_rows", table)
    con.register("_roster_bad", bad)
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.roster")
        con.execute("delete from raw.quarantine where signal = ?", [SIGNAL])
        con.execute(
            "insert into raw.roster by name select *, ? as content_hash, ? as loaded_at "
            "from _roster_rows",
            [digest, now],
        )
        con.execute(
            "insert into raw.quarantine (source_file, source_line, record_index, signal, reason, "
            "excerpt, quarantined_at) select ?, source_line, null, ?, reason, null, ? from _roster_bad",
            [ROSTER_FILE, SIGNAL, now],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_roster_rows")
        con.unregister("_roster_bad")
    summary.rows, summary.quarantined = len(members), len(quarantined)
    return summary


def read_landed_file(path: Path) -> tuple[bytes | None, str | None]:
    """A small file of the landing folder (a roster): its bytes, or None and why it was not
    read. Only a regular file is read: not a symbolic link, which could point outside the
    landing folder, nor a FIFO or a device, which could block."""
    if not os.path.lexists(path):
        return None, None
    try:
        with open_regular(path) as handle:
            return handle.read(), None
    except OSError as exc:
        reason = "a symbolic link, not read" if os.path.islink(path) else (exc.strerror or str(exc))
        return None, reason
