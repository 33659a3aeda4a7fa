"""dbt run in the Dagster process (orchestration/patches.py, 3) against dagster-dbt's own
subprocess: for the same subset of the dbt assets, the same outputs, the same asset checks with
the same results, the same failure; and the DuckDB file closed behind it.

One pipeline run over the six captures builds the warehouse; then one mart, fct_daily_spend, is
materialized on its own over the captures' days, once in process and once by dagster-dbt's
`DbtCliResource` (which starts `dbt` as a subprocess). With dim_members emptied, its
column rules fail on their relationships rule (every member_key of fct_daily_spend is a
member), an error: the run fails on it, in both ways, after the model was built.
"""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource

from tests.conftest import run_cli

SPEND = dg.AssetKey(["marts", "fct_daily_spend"])
COLUMN_RULES = "column_values_fct_daily_spend"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A warehouse built by `analytics run` over the captures, and their first and last day."""
    import shutil

    from tests.conftest import CAPTURES, inherited_environ

    root = tmp_path_factory.mktemp("in_process")
    landing = root / "landing"
    shutil.copytree(CAPTURES, landing / "otlp" / "captures", ignore=shutil.ignore_patterns("*.md"))
    values = inherited_environ()
    values.update({
        "ANALYTICS_WAREHOUSE": str(root / "warehouse.duckdb"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "ANALYTICS_LANDING_DIR": str(landing),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    })
    run_cli(values, "run")
    con = duckdb.connect(values["ANALYTICS_WAREHOUSE"], read_only=True)
    try:
        first, last = con.execute("select min(usage_date), max(usage_date) from marts.fct_daily_spend").fetchone()
    finally:
        con.close()
    return values["ANALYTICS_WAREHOUSE"], first, last


def materialize_spend(warehouse: str, first: date, last: date, in_process: bool, monkeypatch):
    """fct_daily_spend alone over first .. last: its output and its checks' results, the
    error's message (None on success)."""
    from orchestration.dbt import dbt_executable, dbt_project
    from orchestration.defs.partitions import partition_range_tags
    from orchestration.defs.resources import WarehouseResource
    from orchestration.defs.transformation.assets import dbt_models
    from orchestration.patches import LeanDbtCliResource

    monkeypatch.setenv("ANALYTICS_WAREHOUSE", warehouse)
    resource = LeanDbtCliResource if in_process else DbtCliResource
    instance = dg.DagsterInstance.ephemeral()
    try:
        result = dg.materialize(
            [dbt_models],
            selection=[SPEND],
            resources={
                "dbt": resource(project_dir=dbt_project, dbt_executable=dbt_executable()),
                # a configuration of its own: the open fails if dbt left the file open
                "duckdb": WarehouseResource(database=warehouse, connection_config={"threads": 1}),
            },
            instance=instance,
            tags=partition_range_tags(first, last),
            raise_on_error=False,
        )
        materialized = sorted(
            (event.asset_key.to_user_string(), event.partition, sorted(event.materialization.metadata))
            for event in result.get_asset_materialization_events()
        )
        checks = sorted(
            (evaluation.check_name, evaluation.passed, evaluation.severity.value,
             getattr(evaluation.metadata.get("dagster_dbt/failed_row_count"), "value", None))
            for evaluation in (
                event.event_specific_data for event in result.all_events
                if event.event_type_value == "ASSET_CHECK_EVALUATION"
            )
        )
        failures = [event.step_failure_data.error.message for event in result.all_events if event.is_step_failure]
        return materialized, checks, (failures[0] if failures else None)
    finally:
        instance.dispose()


def test_in_process_dbt_gives_what_the_dbt_subprocess_gives(built, monkeypatch):
    warehouse, first, last = built
    days = (last - first).days + 1

    in_process = materialize_spend(warehouse, first, last, True, monkeypatch)
    subprocess = materialize_spend(warehouse, first, last, False, monkeypatch)
    assert in_process == subprocess
    materialized, checks, error = in_process
    assert error is None
    # the one mart, a materialization per day of the range, with its row count and columns
    assert [key for key, _, _ in materialized] == ["marts/fct_daily_spend"] * days
    assert all({"dagster/row_count", "dagster/column_schema"} <= set(keys) for _, _, keys in materialized)
    # and exactly its one test (its column rules: spend never negative, members, grain),
    # passed (dbt also runs a test of fct_daily_activity that reads it, which Dagster records
    # as an observation, not as one of this mart's checks)
    assert [name for name, _, _, _ in checks] == [COLUMN_RULES]
    assert all(passed for _, passed, _, _ in checks)
    con = duckdb.connect(warehouse, read_only=True)
    try:
        (rows,) = con.execute(
            "select count(*) from marts.fct_daily_spend where usage_date between ? and ?", [first, last]
        ).fetchone()
    finally:
        con.close()

    # a failing test (error severity): dim_members emptied, so no member_key is a member
    con = duckdb.connect(warehouse)
    try:
        con.execute("delete from marts.dim_members")
    finally:
        con.close()
    in_process = materialize_spend(warehouse, first, last, True, monkeypatch)
    subprocess = materialize_spend(warehouse, first, last, False, monkeypatch)
    assert in_process[:2] == subprocess[:2]
    materialized, checks, error = in_process
    # the model was built before its test failed: its days are still materialized
    assert [key for key, _, _ in materialized] == ["marts/fct_daily_spend"] * days
    # every row of the range breaks the relationships rule, and only that rule: one failing
    # row each (the other rules still hold)
    failed = [(name, severity, count) for name, passed, severity, count in checks if not passed]
    assert rows > 0 and failed == [(COLUMN_RULES, "ERROR", rows)]
    # both errors carry dbt's own line naming the failed test, which the CLI prints
    for message in (in_process[2], subprocess[2]):
        assert f"Failure in test {COLUMN_RULES}" in message


def _dbt_event_names(log) -> set[str]:
    import json

    return {json.loads(line)["info"]["name"] for line in log.read_text().splitlines() if line.startswith("{")}


def test_a_run_on_a_warehouse_at_another_path_keeps_dbts_parse(tmp_path, monkeypatch):
    """dbt's parse is kept from one run to the next of the same dbt target and warehouse
    name, whatever the warehouse's folder (orchestration/patches.py, 4; orchestration/dbt.py,
    kept_parse_file): a run on a second warehouse does not parse the project again. Its own
    target folder (DBT_TARGET_PATH), so that no other test's run comes between the two."""
    import shutil

    from tests.conftest import CAPTURES, inherited_environ

    landing = tmp_path / "landing"
    shutil.copytree(CAPTURES / "01-accept", landing / "otlp" / "01-accept", ignore=shutil.ignore_patterns("*.md"))
    target = tmp_path / "dbt-target"
    for name in ("first", "second"):
        values = inherited_environ()
        values.update({
            "ANALYTICS_WAREHOUSE": str(tmp_path / name / "warehouse.duckdb"),
            "DAGSTER_HOME": str(tmp_path / name / "dagster_home"),
            "ANALYTICS_LANDING_DIR": str(landing),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_TARGET_PATH": str(target),
            "ANALYTICS_DBT_DEBUG_LOG": "1",  # dbt.log, which says whether dbt parsed
        })
        run_cli(values, "run", "--start", "2026-11-24", "--end", "2026-11-24")
    first, second = sorted(target.glob("dbt_models-*/dbt.log"), key=lambda path: path.stat().st_mtime)
    # nothing kept in the new target folder: the first run parses the whole project
    assert "UnableToPartialParse" in _dbt_event_names(first)
    assert "PartialParsingEnabled" in _dbt_event_names(second)
    assert "UnableToPartialParse" not in _dbt_event_names(second)
    assert (target / "partial_parse.duckdb.warehouse.msgpack").is_file()

    # each dbt target keeps its own parse (Spark's profile is another one), and so does each
    # warehouse name (every model's database is the file's name)
    from orchestration.dbt import kept_parse_file

    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    monkeypatch.delenv("ANALYTICS_DBT_TARGET", raising=False)
    monkeypatch.setenv("ANALYTICS_WAREHOUSE", str(tmp_path / "Other Marts.duckdb"))
    assert kept_parse_file() == target / "partial_parse.duckdb.Other_Marts.msgpack"
    monkeypatch.setenv("ANALYTICS_ENGINE", "spark")
    assert kept_parse_file() == target / "partial_parse.spark.Other_Marts.msgpack"


def test_dbt_writes_its_debug_log_only_when_asked(monkeypatch):
    """dbt.log (every dbt event as JSON) costs about a tenth of a small build: written only with
    ANALYTICS_DBT_DEBUG_LOG (the test above reads it); the code location's dbt resource
    passes the flags to both the in-process and the subprocess dbt."""
    from orchestration.dbt import dbt_log_flags
    from orchestration.defs.resources import resources

    monkeypatch.delenv("ANALYTICS_DBT_DEBUG_LOG", raising=False)
    assert dbt_log_flags() == ["--log-level-file", "none"]
    assert resources().resources["dbt"].global_config_flags == ["--log-level-file", "none"]
    monkeypatch.setenv("ANALYTICS_DBT_DEBUG_LOG", "1")
    assert dbt_log_flags() == ["--log-format-file", "json"]
    assert resources().resources["dbt"].global_config_flags == ["--log-format-file", "json"]


def _assert_an_in_process_command_keeps_the_parse(project, warehouse, monkeypatch) -> None:
    """The parse ensure_dbt_manifest leaves (target/partial_parse.msgpack, the one a run's first
    dbt command starts from) passes the state check of an in-process command with the build's
    flags, on a warehouse of the same name at another path: dbt reads it back instead of
    parsing the project again (orchestration/dbt_parse.py)."""
    import contextlib
    import shutil

    from dbt.adapters.factory import reset_adapters
    from dbt.cli.main import dbtRunner

    from analytics import settings
    from orchestration.patches import keep_partial_parse_across_warehouse_paths

    keep_partial_parse_across_warehouse_paths()
    scratch = warehouse.parent / "target"
    scratch.mkdir(parents=True)
    shutil.copyfile(project / "target" / "partial_parse.msgpack", scratch / "partial_parse.msgpack")
    monkeypatch.setenv("ANALYTICS_WAREHOUSE", str(warehouse))
    events: list[str] = []
    with contextlib.chdir(project):
        try:
            result = dbtRunner(callbacks=[lambda event: events.append(event.info.name)]).invoke(
                ["ls", "--quiet", "--profiles-dir", ".", "--target", settings.dbt_target(),
                 "--target-path", str(scratch), "--log-path", str(scratch)]
            )
        finally:
            reset_adapters()
    assert result.success, result.exception
    assert "UnableToPartialParse" not in events
    assert "PartialParsingEnabled" in events or "PartialParsingSkipParsing" in events, events[:20]


def test_commands_starting_together_parse_once_and_readers_see_a_whole_manifest(tmp_path, monkeypatch):
    """ensure_dbt_manifest on a project changed since its manifest, called by two commands at
    once while a third process keeps loading the manifest (as the definitions do): dbt parses
    once, and every read is a whole manifest (dbt writes its artifacts in place; they are
    renamed into target/ from a folder of their own)."""
    import json
    import os
    import shutil
    import threading

    from analytics import settings
    from orchestration import dbt as dbt_module

    project = tmp_path / "dbt_project"
    shutil.copytree(settings.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setattr(settings, "DBT_PROJECT_DIR", project)
    monkeypatch.setenv("ANALYTICS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.delenv("DBT_LOG_PATH", raising=False)
    dbt_module.ensure_dbt_manifest()  # no manifest yet: parses
    manifest = project / "target" / "manifest.json"
    assert json.loads(manifest.read_text())["nodes"]
    _assert_an_in_process_command_keeps_the_parse(project, tmp_path / "other" / "warehouse.duckdb", monkeypatch)
    dbt_module.ensure_dbt_manifest()  # up to date: does not parse
    # the project changed after its manifest was written, and a killed parse left its folder
    (project / "target" / ".parse-killed").mkdir()
    model = project / "models" / "marts" / "fct_org_daily.sql"
    stale = model.stat().st_mtime - 60
    os.utime(manifest, (stale, stale))

    stop = threading.Event()
    reads: list[bool] = []

    def load_manifest_repeatedly() -> None:
        while not stop.is_set():
            try:
                reads.append(bool(json.loads(manifest.read_text())["nodes"]))
            except ValueError:
                reads.append(False)

    reader = threading.Thread(target=load_manifest_repeatedly)
    reader.start()
    try:
        commands = [threading.Thread(target=dbt_module.ensure_dbt_manifest) for _ in range(2)]
        for command in commands:
            command.start()
        for command in commands:
            command.join()
    finally:
        stop.set()
        reader.join()
    assert reads and all(reads), f"{reads.count(False)} of {len(reads)} reads were not a whole manifest"
    assert manifest.stat().st_mtime > model.stat().st_mtime
    log = (project / "logs" / "dbt.log").read_text()
    assert log.count("Running with dbt=") == 2  # the first parse, then one for both commands
    assert not list((project / "target").glob(".parse-*"))


def test_pruning_old_invocation_folders_skips_one_whose_dbt_command_still_runs(tmp_path, monkeypatch):
    """after_invocation keeps the newest KEPT_INVOCATIONS folders under target/ and deletes the
    rest, but not a folder whose dbt command is still running (its lock is held: a Spark build
    beside quicker DuckDB runs, whose compiled SQL went missing mid-build)."""
    import os

    from orchestration import dbt as project_dbt

    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    folders = [tmp_path / f"dbt_models-{i:07d}-0000000" for i in range(project_dbt.KEPT_INVOCATIONS + 3)]
    for folder in folders:
        folder.mkdir()
    running = project_dbt._lock_in_use(folders[0], wait=True)  # as new_invocation_dir holds it
    for age, folder in enumerate(folders):  # folders[0] the oldest
        os.utime(folder, (1_000_000 + age, 1_000_000 + age))
    try:
        assert project_dbt._lock_in_use(folders[0], wait=False) is None
        project_dbt.after_invocation(folders[-1])
        # the newest five stay; of the three older ones, the one still in use stays too
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [folders[0].name] + [f.name for f in folders[3:]]
        )
    finally:
        running.close()
    project_dbt.after_invocation(folders[-1])  # its command ended: now it goes
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in folders[3:])
