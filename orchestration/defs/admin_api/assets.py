"""The Claude Code Analytics Admin API as a partitioned raw asset, and its `admin_api` resource.

For each UTC day of the run's window: fetch the day's usage report when a key is set and the
day is not kept yet (pages.py), then load the kept pages of every day of the window into the
raw tables, replacing those days (loader.py). Without ANTHROPIC_ADMIN_KEY nothing is fetched and
whatever pages are kept (fetched earlier, or dropped in by hand) are loaded.
"""


from datetime import date, timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from analytics import settings
from analytics.admin_api import client as client_module
from analytics.admin_api import loader as loader_module
from analytics.admin_api.client import (
    DEFAULT_BASE_URL,
    KEY_ENV_VAR,
    AdminApiClient,
    redact,
)
from analytics.admin_api.loader import AdminApiLoadSummary, load_days
from analytics.admin_api.pages import FetchSummary, fetch_missing_days
from analytics.progress import progress
from analytics.warehouse.lock import warehouse_write_lock
from analytics.warehouse.row_counts import row_counts
from orchestration.defs.partitions import window_of
from orchestration.defs.resources import LandingResource
from orchestration.metadata import OWNERS, code_references, table_metadata

NO_KEY_MESSAGE = f"{KEY_ENV_VAR} not set: using kept pages only"

# Keys are the dbt sources' (source admin_api, table usage is raw.admin_api_usage).
RAW_ADMIN_API_KEYS = {
    "usage": (
        "One row per Claude Code usage report item of the Admin API (an actor's UTC day: "
        "sessions, lines, commits, PRs), from the pages kept under admin_api/claude_code/."
    ),
    "tool_actions": "One row per report item and tool_actions key: accepted, rejected.",
    "model_usage": "One row per report item and model_breakdown element: tokens, cost in cents.",
}

FETCH_CHECK = dg.AssetCheckSpec(
    "every_day_fetched",
    asset=dg.AssetKey(["admin_api", "usage"]),
    description=(
        "Fails when a day of the run's window could not be fetched from the Admin API (the API "
        "refused it or stayed unavailable); kept pages of every day are loaded anyway. Passes "
        "when no key is set (nothing to fetch)."
    ),
)


class AdminApiResource(dg.ConfigurableResource):
    """The Claude Code Analytics Admin API: an Admin API key (or none) and where to reach it."""

    api_key: str | None = Field(
        default=None,
        repr=False,
        description="Admin API key (sk-ant-admin...), from ANTHROPIC_ADMIN_KEY; none: no fetching.",
    )
    base_url: str = Field(default=DEFAULT_BASE_URL, description="API root, from ANTHROPIC_BASE_URL.")
    timeout_s: float = 60.0
    max_attempts: int = 6
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 30.0
    max_retry_after_s: float = 300.0
    settle_hours: float = Field(
        default=2.0,
        description="A day fetched sooner than this after its end is fetched again next run.",
    )

    @property
    def has_key(self) -> bool:
        return bool((self.api_key or "").strip())

    @property
    def secrets(self) -> tuple[str, ...]:
        """What no text the source writes may hold: the key, when one is set."""
        return ((self.api_key or "").strip(),) if self.has_key else ()

    def make_client(self, log=None, sleep=None) -> AdminApiClient | None:
        """A client, or None when no key is set."""
        if not self.has_key:
            return None
        return AdminApiClient(
            self.api_key or "",
            self.base_url,
            timeout_s=self.timeout_s,
            max_attempts=self.max_attempts,
            backoff_base_s=self.backoff_base_s,
            backoff_cap_s=self.backoff_cap_s,
            max_retry_after_s=self.max_retry_after_s,
            sleep=sleep,
            log=log,
        )


class AdminApiConfig(dg.Config):
    refetch: bool = False
    """Fetch the window's days again even when they are kept (completion marker present)."""
    reload: bool = False
    """Load the window's kept pages again even when unchanged since they were loaded."""


def days_of(window: tuple[date, date]) -> list[date]:
    """The days of a half-open window [start, end)."""
    start, end = window
    return [start + timedelta(days=n) for n in range((end - start).days)]


def _day_list(days, limit: int = 31) -> str:
    days = sorted(days)
    text = ", ".join(d.isoformat() for d in days[:limit])
    return text + (f" and {len(days) - limit} more" if len(days) > limit else "") if days else "none"


@dg.multi_asset(
    name="raw_admin_api",
    specs=[
        dg.AssetSpec(
            ["admin_api", name], description=text, group_name="raw", kinds={"duckdb", "python"},
            owners=OWNERS,
            metadata={**table_metadata(f"admin_api_{name}"), **code_references(__file__, loader_module.__file__, client_module.__file__)},
        )
        for name, text in RAW_ADMIN_API_KEYS.items()
    ],
    check_specs=[FETCH_CHECK],
    pool="duckdb_warehouse",
    can_subset=False,
)
def raw_admin_api(
    context: dg.AssetExecutionContext,
    config: AdminApiConfig,
    admin_api: AdminApiResource,
    duckdb: DuckDBResource,
    landing: LandingResource,
):
    """Fetch the window's missing days from the Admin API (with a key), then load the kept
    pages of every day of the window, replacing those days in raw."""
    window = window_of(context)
    days = days_of(window)
    client = admin_api.make_client(log=context.log)
    fetch: FetchSummary | None = None
    if client is None:
        context.log.info(NO_KEY_MESSAGE)
        progress(f"admin api: {NO_KEY_MESSAGE}")
    else:
        fetch = fetch_missing_days(
            client,
            landing.dir,
            days,
            refetch=config.refetch,
            settle=timedelta(hours=admin_api.settle_hours),
            log=context.log,
        )
    with warehouse_write_lock(duckdb.database, context.log), duckdb.get_connection() as con:
        load = load_days(con, landing.dir, days, reload=config.reload, secrets=admin_api.secrets)
        counts = row_counts(con, [("raw", f"admin_api_{name}") for name in RAW_ADMIN_API_KEYS], window)

    fetched = set(fetch.days_fetched) if fetch else set()
    from_kept = [d for d in load.days_with_pages if d not in fetched]
    progress(
        f"admin api: {len(fetched)} day(s) fetched ({fetch.pages if fetch else 0} pages), "
        f"{len(from_kept)} from kept pages; {len(load.days_loaded)} day(s) loaded "
        f"({load.items_loaded} rows, {load.quarantined} quarantined), "
        f"{len(load.days_unchanged)} unchanged"
        + (f", {len(fetch.days_failed)} day(s) NOT fetched" if fetch and fetch.days_failed else "")
    )
    yield from _results(window, days, fetch, load, from_kept, counts, admin_api.secrets)


def _results(
    window, days, fetch: FetchSummary | None, load: AdminApiLoadSummary, from_kept, counts,
    secrets=(),
):
    common = {
        "window": f"{window[0]} .. {window[1]} (exclusive)",
        "key_set": fetch is not None,
        "days_in_window": len(days),
    }
    yield dg.MaterializeResult(
        asset_key=["admin_api", "usage"],
        metadata={
            **common,
            "days_fetched": len(fetch.days_fetched) if fetch else 0,
            "days_from_kept_pages": len(from_kept),
            "days_without_pages": len(load.days_without_pages),
            "days_not_settled": _day_list(fetch.days_not_settled) if fetch else "none",
            "days_failed": _day_list(fetch.days_failed) if fetch else "none",
            "pages_fetched": fetch.pages if fetch else 0,
            "http_requests": fetch.requests if fetch else 0,
            "http_retries": fetch.retries if fetch else 0,
            "days_loaded": len(load.days_loaded),
            "days_unchanged": len(load.days_unchanged),
            "pages_loaded": load.pages_read - load.pages_quarantined,
            "rows_loaded": load.items_loaded,
            "rows_replaced": load.rows_replaced,
            "dagster/row_count": counts.get(("raw", "admin_api_usage"), 0),
            "pages_quarantined": load.pages_quarantined,
            "items_quarantined": load.items_quarantined,
            "quarantined": load.quarantined,
            "seconds_loading": round(load.seconds, 3),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["admin_api", "tool_actions"],
        metadata={**common, "rows_loaded": load.tool_action_rows,
                  "dagster/row_count": counts.get(("raw", "admin_api_tool_actions"), 0)},
    )
    yield dg.MaterializeResult(
        asset_key=["admin_api", "model_usage"],
        metadata={**common, "rows_loaded": load.model_rows,
                  "dagster/row_count": counts.get(("raw", "admin_api_model_usage"), 0)},
    )
    failed = fetch.days_failed if fetch else {}
    yield dg.AssetCheckResult(
        check_name=FETCH_CHECK.name,
        asset_key=FETCH_CHECK.asset_key,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "key_set": fetch is not None,
            "days_failed": len(failed),
            **{
                f"failed {day}": redact(reason, secrets)[:500]
                for day, reason in sorted(failed.items())[:20]
            },
        },
    )


def admin_api_resource_from_env() -> AdminApiResource:
    """The resource as deployed: the key by reference to ANTHROPIC_ADMIN_KEY (dg.EnvVar, so its
    value is never written into Dagster's run storage), or no key when the variable is unset."""
    return AdminApiResource(
        api_key=dg.EnvVar(KEY_ENV_VAR) if settings.admin_key_set() else None,
        base_url=settings.admin_api_base_url(),
    )


@dg.definitions
def admin_api_definitions() -> dg.Definitions:
    # A module with a @dg.definitions function contributes only what that function returns, so
    # the asset is listed here beside its resource.
    return dg.Definitions(
        assets=[raw_admin_api], resources={"admin_api": admin_api_resource_from_env()}
    )
