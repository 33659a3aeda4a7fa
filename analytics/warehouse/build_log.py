"""Which day windows dbt has already built from the current raw data, so a rerun with nothing
new can skip dbt (an unchanged day costs a few queries, not a rebuild).

A build is identified by a fingerprint of everything the models read: each raw table's row
count and latest load time, the dbt target (engine), the settings dbt reads (the smallest
team shown), and the dbt project's files (the models'
code and config). A window is up to date when a successful build with the same fingerprint
covered it.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from analytics import settings
from analytics.ingest.raw_schema import DBT_BUILDS_COLUMNS, META_SCHEMA, create_tables

DBT_SOURCE_FOLDERS = ("models", "macros", "tests", "seeds")


def fingerprint(con, dbt_project_dir: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    # a build on one engine says nothing of the other's tables
    where_built = settings.spark_warehouse() if settings.engine() == "spark" else ""
    digest.update(f"{settings.dbt_target()}:{where_built}|".encode())
    # the team marts fold small teams by this setting, which dbt reads from the environment
    digest.update(f"min_group_size={settings.min_group_size()}|".encode())
    sources = [dbt_project_dir / "dbt_project.yml", dbt_project_dir / "profiles.yml"]
    for folder in DBT_SOURCE_FOLDERS:
        sources.extend(sorted((dbt_project_dir / folder).rglob("*")))
    for path in sources:
        if path.is_file():
            digest.update(path.relative_to(dbt_project_dir).as_posix().encode())
            digest.update(path.read_bytes())
    tables = con.execute(
        "select table_name, list(column_name) from information_schema.columns "
        "where table_schema = 'raw' group by table_name order by table_name"
    ).fetchall()
    for table, columns in tables:
        loaded = "max(loaded_at)" if "loaded_at" in columns else "null"
        count, latest = con.execute(f"select count(*), {loaded} from raw.{table}").fetchall()[0]
        digest.update(f"{table}:{count}:{latest}|".encode())
    return digest.hexdigest()


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
