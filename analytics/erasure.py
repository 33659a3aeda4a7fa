"""Deleting one person's data on request (`analytics forget IDENTITY`).

The identity is an email (case-insensitive) or an API key name. Removed from raw: every OTLP
record carrying it, or carrying a user.id the roster or the person's own records tie to it;
the Admin API report rows of that actor; roster and budget lines naming them; quarantined
excerpts that mention them; alerts sent about them. The manifest's record counts are lowered
to match, so the reconciliation check still holds. The caller then rebuilds the days the
records covered, which replaces every mart row built from them.

The landing files are not touched: they are the source of record and may belong to another
system. The result lists those that held the person's records; delete or redact them too, or
a later `--reload` of those days loads the records again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from analytics.ingest.raw_schema import create_raw_tables
from analytics.warehouse.bulk import insert_rows

OTLP_TABLES = ("otlp_metric_points", "otlp_log_records")


@dataclass
class Erasure:
    identity: str
    rows_deleted: dict[str, int] = field(default_factory=dict)
    first_day: date | None = None
    last_day: date | None = None
    landing_files: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.rows_deleted.values())


def _user_ids(con, identity: str) -> list[str]:
    """The anonymous user.ids tied to the identity: the roster's, and those its own records carry."""
    ids: set[str] = set()
    for (user_ids,) in con.execute(
        "select user_ids from raw.roster where lower(email) = ? or api_key_name = ?",
        [identity.lower(), identity],
    ).fetchall():
        ids.update(part.strip() for part in (user_ids or "").split(";") if part.strip())
    for table in OTLP_TABLES:
        ids.update(
            user_id
            for (user_id,) in con.execute(
                f"select distinct user_id from raw.{table} "
                "where user_id is not null and (user_email = ? or api_key_name = ?)",
                [identity.lower(), identity],
            ).fetchall()
        )
    return sorted(ids)


def _run(con, sql: str, params: dict):
    """Execute with the named parameters the statement uses (DuckDB refuses extra ones)."""
    return con.execute(sql, {name: value for name, value in params.items() if f"${name}" in sql})


def forget(con, identity: str) -> Erasure:
    """Delete the identity's rows from raw (one transaction); say which days to rebuild."""
    create_raw_tables(con)
    identity = identity.strip()
    result = Erasure(identity)
    con.execute("begin transaction")
    try:
        con.execute("create or replace temp table _forget_ids (user_id varchar)")
        insert_rows(con, "_forget_ids", [[u] for u in _user_ids(con, identity)])
        match = (
            "(user_email = $email or api_key_name = $key "
            "or user_id in (select user_id from _forget_ids))"
        )
        params = {"email": identity.lower(), "key": identity}
        for table in OTLP_TABLES:
            rows = _run(
                con,
                f"select source_file, coalesce(source_generation, 1), count(*), min(usage_date), "
                f"max(usage_date) from raw.{table} where {match} group by all",
                params,
            ).fetchall()
            column = "metric_points" if table == "otlp_metric_points" else "log_records"
            for source_file, generation, count, first, last in rows:
                con.execute(
                    f"update raw.landed_files set {column} = {column} - ? "
                    "where source_file = ? and generation = ?",
                    [count, source_file, generation],
                )
                result.first_day = min(filter(None, [result.first_day, first]))
                result.last_day = max(filter(None, [result.last_day, last]))
            result.landing_files.extend(name for name, *_ in rows)
            _run(con, f"delete from raw.{table} where {match}", params)
            result.rows_deleted[table] = sum(row[2] for row in rows)
        actor = "(lower(email_address) = $email or api_key_name = $key)"
        items = _run(
            con, f"select source_file, item_index, usage_date from raw.admin_api_usage where {actor}", params
        ).fetchall()
        for source_file, item_index, day in items:
            for table in ("admin_api_tool_actions", "admin_api_model_usage"):
                con.execute(
                    f"delete from raw.{table} where source_file = ? and item_index = ?",
                    [source_file, item_index],
                )
            result.first_day = min(filter(None, [result.first_day, day]))
            result.last_day = max(filter(None, [result.last_day, day]))
        _run(con, f"delete from raw.admin_api_usage where {actor}", params)
        result.rows_deleted["admin_api_usage"] = len(items)
        result.landing_files.extend(sorted({name for name, *_ in items}))
        result.rows_deleted["roster"] = _run(
            con, "delete from raw.roster where lower(email) = $email or api_key_name = $key", params
        ).fetchall()[0][0]
        result.rows_deleted["budgets"] = _run(
            con,
            "delete from raw.budgets where scope = 'member' and (lower(name) = $email or name = $key)",
            params,
        ).fetchall()[0][0]
        _run(con, "update raw.quarantine set excerpt = null where contains(lower(excerpt), $email)", params)
        _run(con, "delete from raw.member_pseudonyms where member_identifier in ($email, $key)", params)
        _run(con, "delete from meta.budget_alerts where lower(name) = $email or name = $key", params)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    result.landing_files = sorted(set(result.landing_files))
    return result
