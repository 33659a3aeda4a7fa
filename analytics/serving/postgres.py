"""The PostgreSQL side of a publish: one transaction, row-level changes, readers never wait.

Locks are the point. A BI session reading a mart holds ACCESS SHARE on it until its
transaction ends; TRUNCATE, DROP and ALTER need ACCESS EXCLUSIVE, which waits for that session
(and, while waiting, makes every later reader wait behind it). DELETE, INSERT and COPY take
ROW EXCLUSIVE, which readers never block: so the normal path only deletes the run's window
and inserts its new rows (or, for a mart compared whole, the rows that changed), and MVCC
shows readers the previous committed state until the one COMMIT at the end.

DDL happens only where there is no other way, and never waits long:
- a mart PostgreSQL does not have yet is created (nobody can hold a lock on it);
- a mart that gained columns gets `ALTER TABLE ... ADD COLUMN` (metadata only, no rewrite;
  the column goes last) and all its rows replaced; any other change of columns (one removed,
  a type changed) drops and re-creates the table. Both need ACCESS EXCLUSIVE for an instant,
  so the transaction sets `lock_timeout` (ANALYTICS_SERVING_LOCK_TIMEOUT_S, 5 s): if a BI
  session holds the mart longer, the whole publish rolls back, says so, and the next run
  tries again; readers wait at most that long behind it. A view of your own on a mart stops
  a drop (PostgreSQL refuses; drop the view, or add the column yourself).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from analytics.errors import ServingError
from analytics.serving.marts import Mart, quote

COPY_CHUNK = 1 << 20



def scrub_url(url: str) -> str:
    """The URL with its password replaced by ***, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.scheme and parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    if not parts.scheme:  # a libpq keyword/value string
        return re.sub(r"(password\s*=\s*)(?:'[^']*'|\S+)", r"\1***", url)
    return url


def _password_of(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def one_line(exc: BaseException, url: str) -> str:
    """The first line of a database error, without the password (libpq may echo options)."""
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    password = _password_of(url)
    if password:
        text = text.replace(password, "***")
    return text


def connect(url: str):
    import psycopg

    try:
        return psycopg.connect(url, connect_timeout=10, application_name="analytics publish")
    except psycopg.Error as exc:
        raise ServingError(
            f"cannot connect to the serving database {scrub_url(url)}: {one_line(exc, url)}; "
            "the DuckDB marts are built, and the next run publishes them"
        ) from None
    except (ValueError, TypeError) as exc:  # a malformed URL
        raise ServingError(
            f"ANALYTICS_SERVING_URL is not a usable PostgreSQL URL ({scrub_url(url)}): "
            f"{one_line(exc, url)}"
        ) from None


def read_catalog(con) -> dict[str, dict[str, str]]:
    """The tables PostgreSQL's schema `marts` holds: name -> {column: format_type}."""
    rows = con.execute(
        "select c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
        "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "join pg_attribute a on a.attrelid = c.oid "
        "where n.nspname = 'marts' and c.relkind in ('r', 'p') and a.attnum > 0 "
        "and not a.attisdropped order by c.relname, a.attnum"
    ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        tables.setdefault(table, {})[column] = kind
    return tables


def action_for(mart: Mart, existing: dict[str, str] | None) -> str:
    """create, add_columns, recreate, window (the run's days or months) or whole (compare)."""
    if existing is None:
        return "create"
    wanted = mart.postgres_columns
    if wanted != existing:
        same_kept = all(wanted.get(column) == kind for column, kind in existing.items())
        return "add_columns" if same_kept else "recreate"
    return "whole" if mart.grain == "whole" else "window"


def count_where(con, mart: Mart, predicate: str | None) -> int:
    where = f" where {predicate}" if predicate else ""
    return con.execute(f"select count(*) from marts.{quote(mart.name)}{where}").fetchone()[0]


@dataclass
class Change:
    """What one mart's publish does: the action, the rows' CSV, and the window's condition."""

    mart: Mart
    action: str
    csv: Path
    rows: int  # rows in the CSV
    duckdb_total: int  # rows DuckDB's mart holds: PostgreSQL must hold as many after
    predicate: str | None = None  # the rows replaced, for action "window"
    result: dict[str, int] = field(default_factory=dict)


def ensure_reader_role(con, role: str) -> None:
    """The NOLOGIN reader role, USAGE on schema marts, and SELECT on tables created later."""
    if not con.execute("select 1 from pg_roles where rolname = %s", [role]).fetchall():
        con.execute(f"create role {quote(role)} nologin")
    if not con.execute("select 1 from pg_namespace where nspname = 'marts'").fetchall():
        con.execute("create schema marts")
    if not con.execute("select has_schema_privilege(%s, 'marts', 'USAGE')", [role]).fetchone()[0]:
        con.execute(f"grant usage on schema marts to {quote(role)}")
    has_default = con.execute(
        "select exists (select 1 from pg_default_acl d "
        "join pg_namespace n on n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a "
        "where n.nspname = 'marts' and d.defaclobjtype = 'r' "
        "and d.defaclrole = (select oid from pg_roles where rolname = current_user) "
        "and a.grantee = (select oid from pg_roles where rolname = %s) "
        "and a.privilege_type = 'SELECT')",
        [role],
    ).fetchone()[0]
    if not has_default:
        con.execute(f"alter default privileges in schema marts grant select on tables to {quote(role)}")


def _grant_select(con, mart: Mart, role: str) -> None:
    table = f"marts.{quote(mart.name)}"
    if not con.execute("select has_table_privilege(%s, %s, 'SELECT')", [role, table]).fetchone()[0]:
        con.execute(f"grant select on {table} to {quote(role)}")


def _columns_ddl(mart: Mart) -> str:
    return ", ".join(f"{quote(c)} {kind}" for c, kind in mart.postgres_columns.items())


def _column_list(mart: Mart, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + quote(c) for c, _ in mart.columns)


def _copy_in(con, table: str, mart: Mart, csv: Path) -> None:
    with con.cursor() as cur, cur.copy(
        f"copy {table} ({_column_list(mart)}) from stdin (format csv)"
    ) as copy, csv.open("rb") as source:
        while chunk := source.read(COPY_CHUNK):
            copy.write(chunk)


def _create(con, mart: Mart, role: str) -> None:
    table = f"marts.{quote(mart.name)}"
    con.execute(f"create table {table} ({_columns_ddl(mart)})")
    key = {"day": "usage_date", "month": "usage_month"}.get(mart.grain)
    if key:
        con.execute(f"create index on {table} ({quote(key)})")
    _grant_select(con, mart, role)


def apply_change(con, change: Change, role: str) -> None:
    """One mart's part of the publish transaction."""
    mart = change.mart
    table = f"marts.{quote(mart.name)}"
    if change.action == "recreate":
        con.execute(f"drop table {table}")
    if change.action in ("create", "recreate"):
        _create(con, mart, role)
        _copy_in(con, table, mart, change.csv)
        change.result = {"deleted": 0, "inserted": change.rows}
        return
    if change.action == "add_columns":
        existing = read_catalog(con).get(mart.name, {})
        for column, kind in mart.postgres_columns.items():
            if column not in existing:
                con.execute(f"alter table {table} add column {quote(column)} {kind}")
    staged = quote(f"new_{mart.name}")
    con.execute(f"create temp table {staged} ({_columns_ddl(mart)}) on commit drop")
    _copy_in(con, staged, mart, change.csv)
    columns = _column_list(mart)
    if change.action == "whole":
        # rows compared by their text form, so NULLs compare equal and the lookup is hashed
        old_row = f"md5(row({_column_list(mart, 't')})::text)"
        new_row = f"md5(row({_column_list(mart, 's')})::text)"
        deleted = con.execute(
            f"delete from {table} t where {old_row} not in (select {new_row} from {staged} s)"
        ).rowcount
        inserted = con.execute(
            f"insert into {table} ({columns}) select {columns} from {staged} s "
            f"where {new_row} not in (select {old_row} from {table} t)"
        ).rowcount
    else:
        where = f" where {change.predicate}" if change.action == "window" else ""
        deleted = con.execute(f"delete from {table}{where}").rowcount
        inserted = con.execute(f"insert into {table} ({columns}) select {columns} from {staged}").rowcount
    change.result = {"deleted": deleted, "inserted": inserted}
    _grant_select(con, mart, role)


def publish_transaction(con, changes: list[Change], role: str, lock_timeout_s: float) -> None:
    """Every mart's change in one transaction; the counts must match DuckDB's before COMMIT."""
    con.execute(f"set local lock_timeout = '{int(lock_timeout_s * 1000)}ms'")
    con.execute("set local timezone = 'UTC'")
    ensure_reader_role(con, role)
    for change in changes:
        apply_change(con, change, role)
    for change in changes:
        total = count_where(con, change.mart, None)
        if total != change.duckdb_total:
            raise ServingError(
                f"marts.{change.mart.name} would hold {total} rows in PostgreSQL but DuckDB has "
                f"{change.duckdb_total}; nothing was published"
            )
