"""Load the kept usage-report pages of given days into the raw tables, each day replaced whole.

DuckDB parses every page with `read_json` and an explicit schema, so an optional field that is
missing (`is_remote`, `subscription_type`, ...) is NULL, `estimated_cost.amount` may be an integer
or a number, and `tool_actions` is a map that keeps unknown tool keys. The nested parts are
unnested here, so the dbt staging models are plain SQL:

- raw.admin_api_usage         one row per report item (an actor's day, per terminal and the like)
- raw.admin_api_tool_actions  one row per item and `tool_actions` key
- raw.admin_api_model_usage   one row per item and `model_breakdown` element

A page that cannot be read (not JSON, no `data` array, a value of the wrong type) and an item
that cannot be used (no date, a date that is not its folder's day, an actor without an email or
key name) go to raw.quarantine with signal `admin_api`; they never stop the load. A quarantine
row keeps the reason, never the page's text; an item holding the Admin API key (a gateway
echoing it) is quarantined as such and stored nowhere, and every reason is redacted before it
is cut, so the key never reaches a table.

Loading days replaces them: in one transaction the days' rows (and the quarantine rows of their
folders) are deleted and the kept pages inserted, so a day with no pages left ends up empty and
a rerun never doubles a row. meta.admin_api_loaded_days records the fingerprint of the pages each
day was loaded from; a day whose pages have not changed is skipped (`reload` loads it anyway), so
a rerun with nothing new writes nothing and dbt's build log sees the raw tables unchanged.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from analytics.errors import AdminApiError
from analytics.ingest.raw_schema import create_raw_tables
from analytics.warehouse.bulk import insert_rows

from .client import redact
from .pages import ADMIN_API_SUBDIR, kept_pages, relative_name, report_root

SIGNAL = "admin_api"
DAY_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REASON_CHARS = 300
MAX_PAGE_BYTES = 512 * 1024 * 1024

MIN_OBJECT_BYTES = 1024 * 1024


def _object_size_limit(path) -> int:
    """read_json's maximum_object_size for this page: DuckDB allocates a buffer of that size
    for each read, whatever the file's size (two 512 MiB buffers did not fit a 2 GB memory
    limit), and the page's one object is no larger than the file. Pages above MAX_PAGE_BYTES
    still fail to parse and are quarantined."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # the read itself reports why
    return min(MAX_PAGE_BYTES, max(size + 1, MIN_OBJECT_BYTES))


DATA_TABLES = ("admin_api_usage", "admin_api_tool_actions", "admin_api_model_usage")
# Part of every day's fingerprint: a new version of the parsing below reloads every day once.
LOADER_VERSION = "1"

# One element of the response's `data` array (ClaudeCodeUsageReportItem, sources.md §3). Fields
# the page lacks read as NULL; fields not listed here stay in item_json and the kept page.
ITEM_TYPE = re.sub(
    r"\s+",
    " ",
    """
    STRUCT(
        "date" VARCHAR,
        actor STRUCT("type" VARCHAR, email_address VARCHAR, api_key_name VARCHAR),
        organization_id VARCHAR,
        customer_type VARCHAR,
        subscription_type VARCHAR,
        terminal_type VARCHAR,
        is_remote BOOLEAN,
        core_metrics STRUCT(
            num_sessions BIGINT,
            lines_of_code STRUCT(added BIGINT, removed BIGINT),
            commits_by_claude_code BIGINT,
            pull_requests_by_claude_code BIGINT
        ),
        tool_actions MAP(VARCHAR, STRUCT(accepted BIGINT, rejected BIGINT)),
        model_breakdown STRUCT(
            model VARCHAR,
            tokens STRUCT("input" BIGINT, "output" BIGINT, cache_read BIGINT, cache_creation BIGINT),
            estimated_cost STRUCT(currency VARCHAR, amount DOUBLE)
        )[]
    )
    """,
).strip()

READ_PAGE_SQL = f"""
create or replace temp table _admin_api_page as
select typed.data as items, texts.data as items_json
from read_json(
        $path, columns = {{'data': '{ITEM_TYPE}[]'}}, format = 'auto',
        maximum_object_size = $max_bytes
    ) as typed
positional join read_json(
        $path, columns = {{'data': 'JSON[]'}}, format = 'auto',
        maximum_object_size = $max_bytes
    ) as texts
"""

STAGE_ITEMS_SQL = """
insert into _admin_api_items
select $source_file, $folder_day, $page_number, i::integer, items[i], items_json[i]::varchar
from (select items, items_json, unnest(generate_series(1, len(items))) as i from _admin_api_page)
"""

CHECK_ITEMS_SQL = r"""
create or replace temp table _admin_api_checked as
with parsed as (
    select
        *,
        case when regexp_matches(item."date", '^\d{4}-\d{2}-\d{2}')
             then try_cast(substr(item."date", 1, 10) as date) end as usage_date,
        nullif(lower(trim(item.actor.email_address)), '') as email,
        case when trim(item.actor.api_key_name) <> '' then item.actor.api_key_name end as key_name
    from _admin_api_items
)
select
    *,
    case
        when len(list_filter($secrets::varchar[], lambda s: contains(item_json, s))) > 0
            then 'item holds the Admin API key'
        when item."date" is null then 'item has no date'
        when usage_date is null then 'item date is not a date: ' || item."date"
        when usage_date <> folder_day
            then 'item date ' || usage_date || ' is not the day of its folder, ' || folder_day
        when item.actor."type" is null then 'item has no actor type'
        when item.actor."type" = 'user_actor' and email is null then 'user_actor without email_address'
        when item.actor."type" = 'api_actor' and key_name is null then 'api_actor without api_key_name'
        when item.actor."type" not in ('user_actor', 'api_actor')
            then 'unknown actor type: ' || item.actor."type"
    end as reason
from parsed
"""

# The key itself is dropped from the staged text as well: nothing below may copy it anywhere.
FORGET_SECRET_SQL = """
update _admin_api_checked set item_json = replace(item_json, $secret, '')
where contains(item_json, $secret)
"""

INSERT_USAGE_SQL = """
insert into raw.admin_api_usage
select
    usage_date,
    item.actor."type",
    case when item.actor."type" = 'user_actor' then email end,
    case when item.actor."type" = 'api_actor' then key_name end,
    item.organization_id,
    item.customer_type,
    item.subscription_type,
    item.terminal_type,
    item.is_remote,
    item.core_metrics.num_sessions,
    item.core_metrics.lines_of_code.added,
    item.core_metrics.lines_of_code.removed,
    item.core_metrics.commits_by_claude_code,
    item.core_metrics.pull_requests_by_claude_code,
    json_extract(item_json, '$.tool_actions')::varchar,
    json_extract(item_json, '$.model_breakdown')::varchar,
    item_json,
    source_file,
    page_number,
    item_index,
    $loaded_at
from _admin_api_checked
where reason is null
"""

INSERT_TOOL_ACTIONS_SQL = """
insert into raw.admin_api_tool_actions
select usage_date, source_file, item_index, entry.key, entry.value.accepted, entry.value.rejected,
    $loaded_at
from (
    select usage_date, source_file, item_index, unnest(map_entries(item.tool_actions)) as entry
    from _admin_api_checked
    where reason is null
)
"""

INSERT_MODEL_USAGE_SQL = """
insert into raw.admin_api_model_usage
select usage_date, source_file, item_index, model_index::integer, m.model,
    m.tokens."input", m.tokens."output", m.tokens.cache_read, m.tokens.cache_creation,
    m.estimated_cost.amount, m.estimated_cost.currency, $loaded_at
from (
    select usage_date, source_file, item_index,
        unnest(item.model_breakdown) as m,
        unnest(generate_series(1, len(item.model_breakdown))) as model_index
    from _admin_api_checked
    where reason is null
)
"""

QUARANTINE_INSERT = (
    "insert into raw.quarantine "
    "(source_file, source_line, record_index, signal, reason, excerpt, quarantined_at)"
)

INSERT_ITEM_QUARANTINE_SQL = f"""
{QUARANTINE_INSERT}
select source_file, 1, item_index, '{SIGNAL}', left(reason, {REASON_CHARS}), null, $loaded_at
from _admin_api_checked
where reason is not null
"""


@dataclass
class AdminApiLoadSummary:
    days: int = 0
    days_with_pages: list[date] = field(default_factory=list)
    days_without_pages: list[date] = field(default_factory=list)
    days_loaded: list[date] = field(default_factory=list)
    days_unchanged: list[date] = field(default_factory=list)
    pages_read: int = 0
    pages_quarantined: int = 0
    items_loaded: int = 0
    items_quarantined: int = 0
    tool_action_rows: int = 0
    model_rows: int = 0
    rows_replaced: int = 0
    rows_in_window: int = 0
    seconds: float = 0.0

    @property
    def quarantined(self) -> int:
        return self.pages_quarantined + self.items_quarantined


def create_admin_api_tables(con) -> None:
    """raw.quarantine, the admin_api tables and their bookkeeping (all of raw_schema's DDL)."""
    create_raw_tables(con)


def _first_line(error: Exception, landing_dir: Path, secrets) -> str:
    """DuckDB's message (which may quote a value of the page) redacted whole, then its first line."""
    text = redact(str(error), secrets).strip()
    text = text.splitlines()[0].strip() if text else type(error).__name__
    return text.replace(f"{Path(landing_dir)}/", "")[:REASON_CHARS]


def _stage_page(
    con, landing_dir: Path, day: date, path: Path, page_number: int, secrets=()
) -> str | None:
    """Parse one page into _admin_api_items; the reason it cannot be used, or None."""
    source_file = relative_name(landing_dir, path)
    try:
        con.execute(READ_PAGE_SQL, {"path": str(path), "max_bytes": _object_size_limit(path)})
    except duckdb.OutOfMemoryException as error:
        # the machine's limit, not the page's fault: quarantined, a good page would stay out
        # (an unchanged day is not read again), so the run fails and says why
        raise AdminApiError(
            f"not enough memory to read {source_file} (ANALYTICS_DUCKDB_MEMORY_LIMIT): "
            f"{_first_line(error, landing_dir, secrets)}"
        ) from None
    except Exception as error:  # noqa: BLE001 - any parse failure quarantines the page
        return f"page is not a usage report: {_first_line(error, landing_dir, secrets)}"
    objects, with_data = con.execute(
        "select count(*), count(items) from _admin_api_page"
    ).fetchall()[0]
    if objects != 1:
        return f"page holds {objects} JSON values, expected one usage report object"
    if with_data != 1:
        return "page has no data array (an error response?)"
    con.execute(
        STAGE_ITEMS_SQL,
        {"source_file": source_file, "folder_day": day, "page_number": page_number},
    )
    return None


def pages_fingerprint(pages: list[Path]) -> str:
    """Hash of a day's kept pages (names and bytes) and of the loader's version."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"loader {LOADER_VERSION}|".encode())
    for path in pages:
        digest.update(f"{path.name}|{path.stat().st_size}|".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_days(
    con, landing_dir: Path, days: list[date], *, reload: bool = False, secrets=()
) -> AdminApiLoadSummary:
    """Replace the given days in the raw admin_api tables with their kept pages.

    A day whose pages are the ones it was last loaded from is left as it is (unless `reload`);
    a day whose pages are gone is emptied. `secrets` (the Admin API key, when set) never reach
    a table: an item holding one is quarantined without its text, reasons are redacted.
    """
    started = time.perf_counter()
    secrets = [s for s in secrets if s]
    landing_dir = Path(landing_dir)
    create_admin_api_tables(con)
    days = sorted(set(days))
    summary = AdminApiLoadSummary(days=len(days))
    loaded_before = dict(
        con.execute(
            "select usage_date, pages_fingerprint from meta.admin_api_loaded_days "
            "where usage_date in (select unnest(?::date[]))",
            [days],
        ).fetchall()
    )

    # Parse outside the transaction: a page DuckDB cannot read fails its own statement only.
    con.execute(
        f"create or replace temp table _admin_api_items (source_file varchar, folder_day date, "
        f"page_number integer, item_index integer, item {ITEM_TYPE}, item_json varchar)"
    )
    bad_pages: list[tuple[date, str, str, None]] = []
    to_load: list[tuple[date, str | None, int]] = []
    for day in days:
        pages = kept_pages(landing_dir, day)
        (summary.days_with_pages if pages else summary.days_without_pages).append(day)
        fingerprint = pages_fingerprint(pages) if pages else None
        if not reload and loaded_before.get(day) == fingerprint:
            if pages:
                summary.days_unchanged.append(day)
            continue
        to_load.append((day, fingerprint, len(pages)))
        for path in pages:
            summary.pages_read += 1
            page_number = int(path.stem.split("-", 1)[1])
            reason = _stage_page(con, landing_dir, day, path, page_number, secrets)
            if reason is not None:
                bad_pages.append((day, relative_name(landing_dir, path), reason, None))
    summary.days_loaded = [day for day, fingerprint, _ in to_load if fingerprint is not None]
    con.execute(CHECK_ITEMS_SQL, {"secrets": secrets})
    for secret in secrets:
        con.execute(FORGET_SECRET_SQL, {"secret": secret})
    con.execute(
        "create or replace temp table _admin_api_days "
        "(day date, prefix varchar, fingerprint varchar, pages integer)"
    )
    insert_rows(
        con,
        "_admin_api_days",
        [
            [d, f"{ADMIN_API_SUBDIR.as_posix()}/{d.isoformat()}/", fingerprint, pages]
            for d, fingerprint, pages in to_load
        ],
    )
    con.execute(
        "create or replace temp table _admin_api_bad_pages "
        "(folder_day date, source_file varchar, reason varchar, excerpt varchar)"
    )
    insert_rows(con, "_admin_api_bad_pages", bad_pages)

    loaded_at = con.execute("select current_timestamp::timestamp").fetchall()[0][0]
    params = {"loaded_at": loaded_at}
    con.execute("begin transaction")
    try:
        summary.rows_replaced = con.execute(
            "select count(*) from raw.admin_api_usage "
            "where usage_date in (select day from _admin_api_days)"
        ).fetchall()[0][0]
        for table in (*(f"raw.{t}" for t in DATA_TABLES), "meta.admin_api_loaded_days"):
            con.execute(
                f"delete from {table} where usage_date in (select day from _admin_api_days)"
            )
        con.execute(
            "delete from raw.quarantine where signal = ? and exists ("
            "select 1 from _admin_api_days d where starts_with(quarantine.source_file, d.prefix))",
            [SIGNAL],
        )
        con.execute(INSERT_USAGE_SQL, params)
        con.execute(INSERT_TOOL_ACTIONS_SQL, params)
        con.execute(INSERT_MODEL_USAGE_SQL, params)
        con.execute(INSERT_ITEM_QUARANTINE_SQL, params)
        con.execute(
            f"{QUARANTINE_INSERT} select source_file, 1, null, ?, reason, excerpt, ? "
            "from _admin_api_bad_pages",
            [SIGNAL, loaded_at],
        )
        con.execute(
            """
            insert into meta.admin_api_loaded_days
            select d.day, d.fingerprint, d.pages,
                (select count(*) from _admin_api_bad_pages b where b.folder_day = d.day),
                (select count(*) from _admin_api_checked c where c.folder_day = d.day and c.reason is null),
                (select count(*) from _admin_api_checked c where c.folder_day = d.day and c.reason is not null),
                $loaded_at
            from _admin_api_days d
            where d.fingerprint is not null
            """,
            params,
        )
        counts = con.execute(
            """
            select
                (select count(*) from _admin_api_checked where reason is null),
                (select count(*) from _admin_api_checked where reason is not null),
                (select count(*) from raw.admin_api_tool_actions
                    where usage_date in (select day from _admin_api_days)),
                (select count(*) from raw.admin_api_model_usage
                    where usage_date in (select day from _admin_api_days)),
                (select count(*) from raw.admin_api_usage
                    where usage_date in (select unnest($days::date[])))
            """,
            {"days": days},
        ).fetchall()[0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    (
        summary.items_loaded,
        summary.items_quarantined,
        summary.tool_action_rows,
        summary.model_rows,
        summary.rows_in_window,
    ) = counts
    summary.pages_quarantined = len(bad_pages)
    summary.seconds = time.perf_counter() - started
    return summary


def kept_days(landing_dir: Path) -> list[date]:
    """Every day that has a folder under admin_api/claude_code/ (to load everything kept)."""
    root = report_root(Path(landing_dir))
    if not root.is_dir():
        return []
    found = []
    for entry in root.iterdir():
        if entry.is_dir() and DAY_NAME.match(entry.name):
            try:
                found.append(date.fromisoformat(entry.name))
            except ValueError:
                continue
    return sorted(found)
