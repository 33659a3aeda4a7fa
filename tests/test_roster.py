"""The roster (members.csv) read as strict RFC 4180 into raw.roster (analytics/ingest/roster.py).

The cases of the issue: one extra trailing field (it used to fail the run with DuckDB's
BinderException), a team `'growth` on one line and `ops'` on the next (DuckDB's sniffer took `'`
as the quote character and merged the two lines, so a User became Primary Owner), and malformed
lines, which are quarantined with their line number while the rest loads.
"""

from __future__ import annotations

import os

import duckdb
import pytest

from analytics.ingest.raw_schema import create_raw_tables
from analytics.ingest.roster import RosterError, load_roster, parse_line

HEADER = "email,api_key_name,user_ids,team,role\n"


@pytest.fixture
def con():
    connection = duckdb.connect()
    create_raw_tables(connection)
    yield connection
    connection.close()


def rows(con, sql):
    return con.execute(sql).fetchall()


def roster(con):
    return rows(con, "select email, api_key_name, user_ids, team, role, source_line "
                     "from raw.roster order by source_line")


def quarantine(con):
    return rows(con, "select source_file, source_line, record_index, signal, reason, excerpt "
                     "from raw.quarantine order by source_line")


def test_roster_is_loaded_and_checked(con, tmp_path):
    # (moved here from test_otlp_ingestion.py with the roster code)
    (tmp_path / "members.csv").write_text(
        HEADER + "ann@example.com,,u1;u2,core,Admin\n,ci-bot,u3,infra,developer\n"
    )
    assert load_roster(con, tmp_path).rows == 2
    assert rows(con, "select email, api_key_name, user_ids, role, source_line from raw.roster order by source_line") == [
        ("ann@example.com", None, "u1;u2", "Admin", 2),
        (None, "ci-bot", "u3", "developer", 3),
    ]
    (tmp_path / "members.csv").write_text("name,team\nx,y\n")
    with pytest.raises(RosterError, match="lacks column"):
        load_roster(con, tmp_path)


def test_an_extra_trailing_field_is_ignored_with_a_warning_naming_the_line(con, tmp_path):
    (tmp_path / "members.csv").write_text(
        HEADER
        + "ann@example.com,,u1,core,admin\n"
        + "bob@example.com,,u2,core,user,left the company\n"
        + "cy@example.com,,u3,ops,developer\n"
    )
    summary = load_roster(con, tmp_path)
    assert (summary.rows, summary.quarantined) == (3, 0)
    assert summary.warnings == [
        "members.csv line 3: 6 fields, the header names 5; the 1 extra field(s) are ignored"
    ]
    assert roster(con) == [
        ("ann@example.com", None, "u1", "core", "admin", 2),
        ("bob@example.com", None, "u2", "core", "user", 3),
        ("cy@example.com", None, "u3", "ops", "developer", 4),
    ]
    assert quarantine(con) == []


def test_apostrophes_are_not_quotes_so_two_lines_stay_two_members(con, tmp_path):
    (tmp_path / "members.csv").write_text(
        HEADER
        + "user.one@example.com,,u1,'growth,User\n"
        + "owner@example.com,,u2,ops',Primary Owner\n"
    )
    summary = load_roster(con, tmp_path)
    assert (summary.rows, summary.quarantined, summary.warnings) == (2, 0, [])
    assert roster(con) == [
        ("user.one@example.com", None, "u1", "'growth", "User", 2),
        ("owner@example.com", None, "u2", "ops'", "Primary Owner", 3),
    ]


def test_malformed_lines_are_quarantined_with_their_number_and_the_rest_loads(con, tmp_path):
    (tmp_path / "members.csv").write_bytes(
        (
            "\ufeffEmail , Role,team,api_key_name,user_ids,notes\r\n"   # BOM, CRLF, any order
            "ann@example.com,admin,core,,u1,\r\n"
            'bad.one@example.com,user,"growth,,u2,\r\n'                # quote never closed
            "\r\n"                                                      # blank: skipped
            'bad.two@example.com,user,"growth"x,,u3,\r\n'              # text after the closing quote
            'bad.three@example.com,user,gro"wth,,u4,\r\n'              # quote in an unquoted field
            "bad.four@example.com,user,core\r\n"                       # fewer fields than the header
            '"dee@example.com",developer,"Platform, ""Core""",,u5,\r\n'  # quoted, comma, doubled quote
            ',user,ops,"=HYPERLINK(""http://x"")",u6;u7,'               # no final newline
        ).encode()
    )
    summary = load_roster(con, tmp_path)
    assert (summary.rows, summary.quarantined, summary.warnings) == (3, 4, [])
    assert roster(con) == [
        ("ann@example.com", None, "u1", "core", "admin", 2),
        ("dee@example.com", None, "u5", 'Platform, "Core"', "developer", 8),
        (None, '=HYPERLINK("http://x")', "u6;u7", "ops", "user", 9),
    ]
    not_csv = "is not valid CSV: a quote that is not closed, text after a closing quote, or a \" inside an unquoted field"
    assert quarantine(con) == [
        ("members.csv", 3, None, "roster", f"roster line 3 {not_csv}", None),
        ("members.csv", 5, None, "roster", f"roster line 5 {not_csv}", None),
        ("members.csv", 6, None, "roster", f"roster line 6 {not_csv}", None),
        ("members.csv", 7, None, "roster", "roster line 7 has 3 field(s), the header 6", None),
    ]

    # a rerun of the same bytes changes nothing; a fixed file replaces rows and quarantine
    assert load_roster(con, tmp_path).unchanged
    assert len(roster(con)) == 3 and len(quarantine(con)) == 4
    (tmp_path / "members.csv").write_text(HEADER + "ann@example.com,,u1,core,admin\n")
    summary = load_roster(con, tmp_path)
    assert (summary.rows, summary.quarantined) == (1, 0)
    assert quarantine(con) == []
    (tmp_path / "members.csv").unlink()
    assert load_roster(con, tmp_path).rows == 0 and roster(con) == []


def test_the_dialect_is_rfc_4180_with_double_quotes_only():
    assert parse_line('a,"b,c",d') == ["a", "b,c", "d"]
    assert parse_line('"a ""quoted"" b",') == ['a "quoted" b', ""]
    assert parse_line("'a,b'") == ["'a", "b'"]
    assert parse_line("a\tb;c|d") == ["a\tb;c|d"]  # no other delimiter is guessed
    for bad in ('"a', 'a,"b"c', 'a"b', ' "a"'):
        with pytest.raises(ValueError, match="not valid CSV"):
            parse_line(bad)


def test_a_roster_without_a_header_is_an_error(con, tmp_path):
    (tmp_path / "members.csv").write_text("\n\n")
    with pytest.raises(RosterError, match="no header line"):
        load_roster(con, tmp_path)
    (tmp_path / "members.csv").write_text('"email,api_key_name,user_ids,team,role\n')
    with pytest.raises(RosterError, match="header line is not valid CSV"):
        load_roster(con, tmp_path)


def test_a_roster_that_is_a_link_or_a_fifo_is_not_read(con, tmp_path):
    """Nothing outside the landing folder is read: a members.csv that links elsewhere (here to
    a roster of its own outside the folder) is left unread, with a warning; a FIFO never blocks."""
    outside = tmp_path / "outside.csv"
    outside.write_text(HEADER + "secret@example.com,,,,Admin\n")
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "members.csv").symlink_to(outside)
    summary = load_roster(con, landing)
    assert roster(con) == [] and not summary.found
    assert summary.warnings == ["members.csv: a symbolic link, not read; the roster is read as absent"]
    (landing / "members.csv").unlink()
    os.mkfifo(landing / "members.csv")
    summary = load_roster(con, landing)
    assert roster(con) == [] and len(summary.warnings) == 1
