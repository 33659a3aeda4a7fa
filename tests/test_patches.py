"""One test per private API that orchestration/patches.py relies on: each fails loudly when an
upgrade of Dagster or dagster-dbt changes the code the patch replaces."""

from __future__ import annotations

import inspect
import logging
import pprint
from functools import cached_property

from dagster_dbt import DbtCliResource

from orchestration import patches


def test_dagster_dbt_still_asks_the_version_and_builds_an_adapter_through_the_patched_members():
    # the members LeanDbtCliResource overrides exist, with the shapes it overrides
    assert isinstance(inspect.getattr_static(DbtCliResource, "_cli_version"), cached_property)
    assert list(inspect.signature(DbtCliResource._initialize_dbt_core_adapter).parameters) == [
        "self", "args",
    ]
    # and `cli` still reaches them: if it stopped calling them the override would be dead code,
    # if it called something else the subprocess and the adapter would be back
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source and "self._initialize_dbt_core_adapter(" in source
    assert "--version" in inspect.getsource(DbtCliResource._cli_version.func)


def test_the_lean_resource_answers_the_installed_dbt_core_version_without_a_subprocess():
    from dbt.version import __version__

    from orchestration.dbt import dbt_executable, dbt_project

    resource = patches.LeanDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
    resource_version = resource._cli_version
    assert str(resource_version) == __version__
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_the_unexecuted_check_logger_is_still_dagsters_execution_plan_module():
    import importlib

    module = importlib.import_module(patches.UNEXECUTED_CHECK_LOGGER)
    # the warning the patch quiets is logged there, by name
    assert "logging.getLogger(__name__)" in inspect.getsource(module)
    patches.quiet_unexecuted_check_warnings()
    assert logging.getLogger(patches.UNEXECUTED_CHECK_LOGGER).level == logging.ERROR


def test_the_in_process_build_selects_and_translates_with_what_dagster_dbt_cli_uses():
    from dagster_dbt.asset_utils import (
        extract_runtime_selection_from_args,
        get_updated_cli_invocation_params_for_context,
    )
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

    # `cli` computes its selection with the two helpers build_in_process calls, so both select
    # the same nodes for a context (tests/test_dbt_in_process.py compares what they build)
    source = inspect.getsource(DbtCliResource.cli)
    assert "extract_runtime_selection_from_args(" in source
    assert "get_updated_cli_invocation_params_for_context(" in source
    assert extract_runtime_selection_from_args(["build", "--select", "a b", "--exclude", "c"]) == (
        ["build"], ["a", "b"], ["c"],
    )
    assert list(inspect.signature(get_updated_cli_invocation_params_for_context).parameters) == [
        "context", "manifest", "dagster_dbt_translator", "runtime_selects", "runtime_excludes",
    ]
    # and turns dbt's events into Dagster's with the same class and call as its stream
    assert list(inspect.signature(DbtCoreCliEventMessage.to_default_asset_events).parameters) == [
        "self", "manifest", "dagster_dbt_translator", "context", "target_path", "project",
    ]
    # the result events it converts are the ones dagster-dbt reads a node's result from
    source = inspect.getsource(DbtCoreCliEventMessage.is_result_event.fget)
    assert all(f'"{name}"' in source for name in patches.RESULT_EVENTS)


def test_dbt_still_hashes_the_profile_from_its_connection_info_for_partial_parsing():
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.contracts.files import FileHash
    from dbt.parser.manifest import ManifestLoader

    # the state check hashes the sorted connection_info, pretty-printed, as the patch does
    original = inspect.getsource(inspect.unwrap(ManifestLoader.build_manifest_state_check))
    assert "list(config.credentials.connection_info())" in original
    assert "profile_hash = FileHash.from_contents(pprint.pformat(connection_keys))" in original
    assert "path" in DuckDBCredentials._connection_keys(DuckDBCredentials)

    def credentials(path: str, **more) -> DuckDBCredentials:
        return DuckDBCredentials.from_dict({"schema": "main", "path": path, "threads": 2, **more})

    def dbt_hash(creds) -> str:
        return FileHash.from_contents(pprint.pformat(sorted(creds.connection_info()))).checksum

    def patched(creds) -> str:
        return patches._profile_hash_without_the_warehouse_path(creds).checksum

    a, b = credentials("/tmp/a/warehouse.duckdb"), credentials("/tmp/b/warehouse.duckdb")
    # dbt's own hash tells the two folders apart; the patched one does not, and still tells a
    # file of another name (another `database` in every model) or other settings apart
    assert dbt_hash(a) != dbt_hash(b)
    assert patched(a) == patched(b)
    assert patched(a) != patched(credentials("/tmp/a/other.duckdb"))
    assert patched(a) != patched(credentials("/tmp/a/warehouse.duckdb", settings={"memory_limit": "1GB"}))
    # installed once however often the in-process build asks
    patches.keep_partial_parse_across_warehouse_paths()
    patched_once = ManifestLoader.build_manifest_state_check
    patches.keep_partial_parse_across_warehouse_paths()
    assert ManifestLoader.build_manifest_state_check is patched_once
    assert inspect.unwrap(patched_once) is not patched_once
