"""Which day windows dbt has already built from the current raw data, so a rerun with nothing
new can skip dbt (an unchanged day costs a few queries, not a rebuild).

A build is identified by a fingerprint of everything the models read: each raw table's row
count and latest load time, and the dbt manifest (the models' code and config). A window is
up to date when a successful build with the same fingerprint covered it.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

BUILD_LOG_DDL = """
create table if not exists raw.dbt_builds (
    window_start date not null,
    window_end date not null,
    fingerprint varchar not null,
    built_at timestamp not null
)
"""


def fingerprint(con, manifest_path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(manifest_path.read_bytes() if manifest_path.exists() else b"no manifest")
    tables = con.execute(
        "select table_name, list(column_name) from information_schema.columns "
        "where table_schema = 'raw' and table_name <> 'dbt_builds' group by table_name order by table_name"
    ).fetchall()
    for table, columns in tables:
        loaded = "max(loaded_at)" if "loaded_at" in columns else "null"
        count, latest = con.execute(f"select count(*), {loaded} from raw.{table}").fetchall()[0]
        digest.update(f"{table}:{count}:{latest}|".encode())
    return digest.hexdigest()


def is_up_to_date(con, window: tuple[date, date], current: str) -> bool:
    con.execute(BUILD_LOG_DDL)
    return bool(
        con.execute(
            "select count(*) from raw.dbt_builds "
            "where fingerprint = ? and window_start <= ? and window_end >= ?",
            [current, window[0], window[1]],
        ).fetchall()[0][0]
    )


def record_build(con, window: tuple[date, date], current: str) -> None:
    con.execute(BUILD_LOG_DDL)
    con.execute("delete from raw.dbt_builds where fingerprint <> ?", [current])
    con.execute(
        "insert into raw.dbt_builds values (?, ?, ?, current_timestamp::timestamp)",
        [window[0], window[1], current],
    )
