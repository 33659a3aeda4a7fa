"""Which day windows dbt has already built from the current raw data, so a rerun with nothing
new can skip dbt (an unchanged day costs a few queries, not a rebuild).

A build is identified by a fingerprint of everything the models read: each raw table's row
count and latest load time, the dbt target (engine), the time zone whose days the marts count
in, the settings dbt reads (the smallest team shown), and the dbt project's files (the models' code and config). A window is up to date when a
successful build with the same fingerprint covered it.

The zone is also kept in meta.settings with the first and last day built, because a mart's
days are that zone's calendar days: a run in another zone that rebuilt only some days would
leave days of two calendars side by side. Such a run is refused (check_zone); a change of zone
is a full rebuild, `--reload` over the whole range.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

from analytics import settings
from analytics.errors import TimezoneChangedError
from analytics.ingest.raw_schema import (
    BUILD_SETTINGS_COLUMNS,
    DBT_BUILDS_COLUMNS,
    META_SCHEMA,
    create_tables,
)

DBT_SOURCE_FOLDERS = ("models", "macros", "tests", "seeds")


def code_fingerprint(con, dbt_project_dir: Path) -> str:
    """What dbt compiles the models' SQL from, without the data: the dbt target (engine), the
    zone and the other settings dbt reads, dbt's own version, the dbt project's files, and the
    raw tables' columns (which the staging views select from)."""
    from importlib.metadata import version

    digest = hashlib.blake2b(digest_size=16)
    # a build on one engine says nothing of the other's tables
    where_built = settings.spark_warehouse() if settings.engine() == "spark" else ""
    digest.update(f"{settings.dbt_target()}:{where_built}:{settings.timezone()}|".encode())
    # the team marts fold small teams by this setting, which dbt reads from the environment
    digest.update(f"min_group_size={settings.min_group_size()}|".encode())
    digest.update(f"dbt-core={version('dbt-core')}|dbt-duckdb={version('dbt-duckdb')}|".encode())
    sources = [dbt_project_dir / "dbt_project.yml", dbt_project_dir / "profiles.yml"]
    for folder in DBT_SOURCE_FOLDERS:
        sources.extend(sorted((dbt_project_dir / folder).rglob("*")))
    for path in sources:
        if path.is_file():
            digest.update(path.relative_to(dbt_project_dir).as_posix().encode())
            digest.update(path.read_bytes())
    for table, columns in _raw_columns(con):
        digest.update(f"{table}:{columns}|".encode())
    return digest.hexdigest()


def _raw_columns(con) -> list[tuple[str, list[str]]]:
    return con.execute(
        "select table_name, list(column_name || ' ' || data_type order by ordinal_position) "
        "from information_schema.columns where table_schema = 'raw' group by table_name order by table_name"
    ).fetchall()


def fingerprint(con, code: str) -> str:
    """The build's inputs: its code (code_fingerprint) and each raw table's row count and latest
    load time."""
    digest = hashlib.blake2b(code.encode(), digest_size=16)
    for table, columns in _raw_columns(con):
        loaded = "max(loaded_at)" if any(column.startswith("loaded_at ") for column in columns) else "null"
        count, latest = con.execute(f"select count(*), {loaded} from raw.{table}").fetchall()[0]
        digest.update(f"{table}:{count}:{latest}|".encode())
    return digest.hexdigest()


# meta.settings: the state (static_state) the models that read no run's data were last built in
STATIC_MODELS_SETTING = "static_models_built_with"


def static_state(con, code: str, relations: list[tuple[str, str]]) -> str | None:
    """The code fingerprint with the views' definitions as the warehouse holds them, or None
    when one of the relations (schema, name) is missing. A `dbt build` run by hand with other
    settings (another zone, say) leaves other view definitions, so a different state."""
    present = set(
        con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = current_database()"
        ).fetchall()
    )
    if not all(relation in present for relation in relations):
        return None
    wanted = set(relations)
    digest = hashlib.blake2b(code.encode(), digest_size=16)
    views = con.execute(
        "select schema_name, view_name, sql from duckdb_views() "
        "where database_name = current_database() and not internal order by all"
    ).fetchall()
    for schema, name, sql in views:
        if (schema, name) in wanted:
            digest.update(f"{schema}.{name}:{sql}|".encode())
    return digest.hexdigest()


def static_models_current(con, code: str, relations: list[tuple[str, str]]) -> bool:
    """Whether the models that do not depend on a run's data (the staging views, whose
    definition is all they hold, and the time spine) are as the last build of every model left
    them, with this code: then a build need not create them again."""
    _create_settings(con)
    built = con.execute("select value from meta.settings where name = ?", [STATIC_MODELS_SETTING]).fetchall()
    return bool(built) and built[0][0] == static_state(con, code, relations)


def record_static_models(con, code: str, relations: list[tuple[str, str]]) -> None:
    """After a build that created them: their state, for the next build to compare."""
    state = static_state(con, code, relations)
    if state is None:
        return
    _create_settings(con)
    con.execute(
        "insert or replace into meta.settings values (?, ?, current_timestamp::timestamp)",
        [STATIC_MODELS_SETTING, state],
    )


def is_up_to_date(con, window: tuple[date, date], current: str) -> bool:
    create_tables(con, {"dbt_builds": DBT_BUILDS_COLUMNS}, META_SCHEMA)
    return bool(
        con.execute(
            "select count(*) from meta.dbt_builds "
            "where fingerprint = ? and window_start <= ? and window_end >= ?",
            [current, window[0], window[1]],
        ).fetchall()[0][0]
    )


def record_build(con, window: tuple[date, date], current: str) -> None:
    create_tables(con, {"dbt_builds": DBT_BUILDS_COLUMNS}, META_SCHEMA)
    con.execute("delete from meta.dbt_builds where fingerprint <> ?", [current])
    con.execute(
        "insert into meta.dbt_builds values (?, ?, ?, current_timestamp::timestamp)",
        [window[0], window[1], current],
    )


def _create_settings(con) -> None:
    create_tables(con, {"settings": BUILD_SETTINGS_COLUMNS}, META_SCHEMA)


def built_with(con) -> tuple[str, date, date] | None:
    """(zone, first day, last day) the marts were built with, or None before the first build.

    A warehouse built before the zone was recorded has UTC days; its range is read from
    marts.fct_org_daily (DuckDB engine).
    """
    _create_settings(con)
    found = dict(con.execute("select name, value from meta.settings").fetchall())
    if "timezone" in found:
        return found["timezone"], date.fromisoformat(found["first_day"]), date.fromisoformat(found["last_day"])
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'fct_org_daily'"
    ).fetchall()[0][0]
    if exists:
        first, last = con.execute("select min(usage_date), max(usage_date) from marts.fct_org_daily").fetchall()[0]
        if first is not None:
            return "UTC", first, last
    return None


def check_zone(con, zone: str, window: tuple[date, date], reload: bool, today: date) -> bool:
    """Whether this build changes the marts' zone (then it must rebuild every model whole).

    Raises TimezoneChangedError, with the command to run, when the zone differs from the one
    the marts were built with and the run is not a reload covering every day built.
    """
    built = built_with(con)
    if built is None or built[0] == zone:
        return False
    old_zone, first, last = built
    if reload and window[0] <= first and window[1] > last:
        return True
    # the same records can fall a day earlier or later in the new zone
    start, end = first - timedelta(days=1), min(last + timedelta(days=1), today)
    if settings.partitions_start():
        start = max(start, date.fromisoformat(settings.partitions_start()))
    raise TimezoneChangedError(
        f"the marts hold {old_zone} calendar days but ANALYTICS_TIMEZONE is {zone}: a change of zone "
        f"is a full rebuild, run `analytics run --reload --start {start} --end {end}`"
    )


def record_zone(con, zone: str, window: tuple[date, date], rebuilt: bool) -> None:
    """Keep the zone and the first and last day built, widened by this window (or, after a
    rebuild in a new zone, exactly this window)."""
    _create_settings(con)
    built = None if rebuilt else built_with(con)
    first, last = window[0], window[1] - timedelta(days=1)
    if built is not None and built[0] == zone:
        first, last = min(first, built[1]), max(last, built[2])
    for name, value in (("timezone", zone), ("first_day", first.isoformat()), ("last_day", last.isoformat())):
        con.execute(
            "insert or replace into meta.settings values (?, ?, current_timestamp::timestamp)",
            [name, value],
        )
