"""dbt models as Dagster assets; the incremental marts partitioned by day in the
organization's zone (orchestration/defs/partitions.py says why only they).

A run (one partition, or a single-run backfill of a range) passes its day window to dbt in its
environment (ANALYTICS_DBT_MIN_DATE/MAX_DATE, macros/window.sql), so the incremental models
rebuild exactly those days and the months they touch, and dbt keeps its parse from run to run. Every
dbt test becomes an asset check on the model it tests.

dbt reads the zone from ANALYTICS_TIMEZONE itself (macros/local_date.sql), as a `dbt build`
run by hand does, so the two never build different days; this asset validates it first and
records it with the build. A run in a zone other than the marts' is refused unless it is a
reload over every day built, which then rebuilds every model whole (--full-refresh: an
incremental model would keep old-zone rows on a day that has no rows in the new zone).

All models are one `@dbt_assets`, so a run invokes dbt once (on DuckDB in this process, see
build_with_progress; dbt's own start-up, before its first model, is about 3 s an invocation).
The tables that are not incremental are rebuilt whole on every run, which costs little:
dim_members is one row per member. The models that read nothing a run changes (static_models:
the staging views, whose rows are read when they are queried, and the time spine) are created
again only when the dbt code, the settings dbt reads, dbt's version or the raw tables' columns
changed since they were last built, or one of them is missing or was created again by other
means (a `dbt build` by hand: the views' definitions are compared too). Otherwise, on DuckDB
and in a run of every model, the build excludes them (their tests still run) and the step
reports each as materialized, with `dbt/created_again` false: eleven of dbt's 72 nodes, about
0.3 s of a daily run. Splitting the models into an unpartitioned second asset, as is common,
would double dbt's start-up in every run and would not make any partition's data more correct.
"""


import functools
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster_dbt import (
    DbtCliResource,
    dbt_assets,
)
from dagster_duckdb import DuckDBResource

from analytics import settings
from analytics.dates import today_in
from analytics.progress import progress
from analytics.warehouse import build_log
from analytics.warehouse.lock import warehouse_write_lock
from analytics.warehouse.row_counts import row_counts
from orchestration.dbt import (
    LayeredTranslator,
    after_invocation,
    dbt_project,
    environment,
    new_invocation_dir,
)
from orchestration.defs.partitions import daily_partitions, dbt_window_environment, window_of
from orchestration.defs.raw_parquet.assets import parquet_asset_key
from orchestration.patches import LeanDbtCliResource

translator = LayeredTranslator(source_key_for_spark=parquet_asset_key, daily_partitions=daily_partitions)


def build_with_progress(
    context, dbt: DbtCliResource, args: list[str], env: dict[str, str]
) -> tuple[list, Exception | None]:
    """Run `dbt <args>` and collect its events, with a progress line per model and failed test;
    and the error that ended it, if any (what was built before it is still reported).

    The events are passed on after dbt ends (dbt holds the DuckDB file while it runs), so each
    model's materialization can carry its row count, all counted in one query.

    On DuckDB, with the dbt installed beside this Python, dbt runs in this process (its modules
    are loaded here already: a subprocess spent about 3.5 s importing them again); otherwise,
    as for Spark, whose session would start a JVM here, dagster-dbt starts it as a subprocess."""
    if settings.engine() == "duckdb" and isinstance(dbt, LeanDbtCliResource) and dbt.dbt_is_beside_python():
        target_path = new_invocation_dir(context)
        try:
            build = dbt.build_in_process(
                args, context, target_path, on_event=lambda event: _announce(context, event), env=env
            )
        finally:
            after_invocation(target_path)
        return build.events, build.error
    events: list = []
    with environment(env):
        invocation = dbt.cli(args, context=context, target_path=new_invocation_dir(context))
    try:
        for event in invocation.stream():
            _announce(context, event)
            events.append(event)
    except Exception as error:  # noqa: BLE001 - reported after the events built before it
        # dbt may still be running (and holding the warehouse): stop it before going on
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait(timeout=60)
        return events, error
    finally:
        after_invocation(invocation.target_path)
    return events, None


def _announce(context, event) -> None:
    if isinstance(event, dg.Output):
        progress(f"dbt: built {context.asset_key_for_output(event.output_name).to_user_string()}")
    elif isinstance(event, dg.AssetCheckResult) and not event.passed:
        kind = "warning" if event.severity == dg.AssetCheckSeverity.WARN else "test failed"
        progress(f"dbt: {kind}: {event.asset_key.to_user_string()} {event.check_name}")


def with_row_counts(context, events: list, con, window) -> Iterator:
    """The events, each model's output with `dagster/row_count` (its rows in the run's window:
    days, or the months the window touches; all its rows when it has no day column) and the
    model's `dagster/column_schema` from its dbt YAML, so the materialization shows both."""
    keys = {
        event.output_name: context.asset_key_for_output(event.output_name)
        for event in events
        if isinstance(event, dg.Output)
    }
    tables = {name: tuple(key.path[-2:]) for name, key in keys.items()}
    counts = row_counts(con, list(tables.values()), window) if con is not None else {}
    specs = context.assets_def.specs_by_key
    for event in events:
        if isinstance(event, dg.Output):
            extra = {}
            if tables[event.output_name] in counts:
                extra["dagster/row_count"] = counts[tables[event.output_name]]
            schema = specs[keys[event.output_name]].metadata.get("dagster/column_schema")
            if schema is not None:
                extra["dagster/column_schema"] = schema
            event = event.with_metadata({**event.metadata, **extra})
        yield event


@functools.cache
def static_models() -> list[dict]:
    """The dbt models that read no data a run changes, from the manifest: the views (a view
    holds its definition only; its rows are read from the raw tables when queried) and the
    models with nothing upstream (the time spine)."""
    manifest = json.loads(Path(dbt_project.manifest_path).read_bytes())
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and (node["config"].get("materialized") == "view" or not node["depends_on"]["nodes"])
    ]


def kept_outputs(context, kept: list[dict]) -> list[dg.Output]:
    """An output for each static model the build left as it was: built by an earlier run with
    the same code and left as that run made it, it is what a new build would make (this
    module's docstring says when)."""
    outputs = []
    for node in kept:
        key = translator.get_asset_key(node)
        outputs.append(dg.Output(
            None,
            output_name=context.assets_def.get_output_name_for_asset_key(key),
            metadata={
                "unique_id": node["unique_id"],
                "dbt/created_again": dg.MetadataValue.bool(False),
                "dbt/why": dg.MetadataValue.text(
                    "built by an earlier run with the same dbt code, settings and raw columns, "
                    "and as that run left it: not created again; its tests ran"
                ),
            },
        ))
    return outputs


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="fqn:*",
    name="dbt_models",
    dagster_dbt_translator=translator,
    # the incremental marts are partitioned by day (the translator), the other models not
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_warehouse",
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, duckdb: DuckDBResource):
    """Every dbt model and test, in one dbt invocation: staging views, then the intermediate models
    and marts rebuilt for the run's days and the months they touch."""
    window = window_of(context)
    zone = settings.timezone()
    reload = bool(
        (context.run.run_config or {}).get("ops", {}).get("raw_otlp", {}).get("config", {}).get("reload")
    )
    whole = context.op_execution_context.selected_output_names == set(
        context.op_execution_context.op_def.output_dict
    )
    with warehouse_write_lock(duckdb.database, context.log):
        with duckdb.get_connection() as con:
            rebuild = build_log.check_zone(con, zone, window, reload, today_in(settings.zone()))
            code = build_log.code_fingerprint(con, Path(dbt_project.project_dir))
            current = build_log.fingerprint(con, code)
            up_to_date = build_log.is_up_to_date(con, window, current)
            static = static_models()
            relations = [(node["schema"], node["alias"]) for node in static]
            on_duckdb = settings.engine() == "duckdb"
            kept = (
                static
                if whole and not rebuild and on_duckdb and build_log.static_models_current(con, code, relations)
                else []
            )
        if up_to_date and whole:
            # Nothing is rebuilt, so nothing is materialized: the models keep their last
            # materializations, and steps downstream (the page) are skipped, as Dagster does
            # for outputs not produced (every dbt output is optional).
            message = f"dbt: {window[0]} .. {window[1]} (exclusive) is up to date, nothing new since it was built"
            progress(message)
            context.log.info(message)
            return
        if rebuild:
            progress(f"dbt: the zone is now {zone}: rebuilding every model whole over the window")
        else:
            progress(f"dbt: rebuilding {window[0]} .. {window[1]} (exclusive) and the months it touches")
        # dbt's unit tests check the models' SQL on fixed inputs, not the data: they belong to
        # the test suite (tests/test_dbt_unit_tests.py) and CI, as dbt advises, not every run
        args = ["build", "--exclude-resource-type", "unit_test"] + (["--full-refresh"] if rebuild else [])
        if kept:
            # not created again, their tests still run: `empty` keeps the tests of excluded models
            args += ["--exclude", " ".join(node["name"] for node in kept), "--indirect-selection", "empty"]
        events, error = build_with_progress(context, dbt, args, dbt_window_environment(window))
        with duckdb.get_connection() as con:
            # on Spark the models are not in this DuckDB file: no counts there
            counted = con if on_duckdb else None
            yield from with_row_counts(context, [*kept_outputs(context, kept), *events], counted, window)
            if error is not None:
                raise error
            build_log.record_build(con, window, current)
            if whole and on_duckdb and not kept:
                build_log.record_static_models(con, code, relations)
            build_log.record_zone(con, zone, window, rebuilt=rebuild)
