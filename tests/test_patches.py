"""One test per private API that orchestration/patches.py relies on: each fails loudly when an
upgrade of Dagster, dagster-dbt or dbt changes the code the patch replaces."""

from __future__ import annotations

import inspect
import logging
import pprint
from functools import cached_property

import pytest
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


def test_compiled_jinja_templates_are_kept_and_read_back_with_the_same_output(tmp_path, monkeypatch):
    import jinja2
    from dbt_common.clients import jinja as dbt_jinja

    # dbt compiles every template (its parser names a macro dbt_macro__<name>) through
    # Environment.compile (from_string), which patch 5 wraps on dbt's environment class, the
    # native one included
    assert "env.from_string(" in inspect.getsource(dbt_jinja.get_template)
    assert "self.compile(source)" in inspect.getsource(jinja2.Environment.from_string)
    assert issubclass(dbt_jinja.NativeSandboxEnvironment, dbt_jinja.MacroFuzzEnvironment)

    compiled = []

    def counting(env, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(source)
        return jinja2.Environment.compile(env, source, name, filename, raw, defer_init)

    cached = patches.compile_keeping_code(counting, tmp_path / "jinja")
    monkeypatch.setattr(dbt_jinja.MacroFuzzEnvironment, "compile", cached)
    macro = (
        "{% macro greet(who, n=2) -%}{% for i in range(n) %}hi {{ who | upper }};{% endfor %}"
        "{%- endmacro %}{{ dbt_macro__greet(name) }}|{{ [1, 2] | length }}"
    )
    number = "{{ (1 + 2) | as_number }}"  # a number in the native environment, text in the other
    materialization = "{% materialization table, adapter='duckdb' %}{{ 'built' }}{% endmaterialization %}x"

    def render(source: str, native: bool = False):
        return dbt_jinja.get_template(source, {}, native=native).render({"name": "ann"})

    first = [render(macro), render(materialization), render(number, native=True)]
    assert first == ["hi ANN;hi ANN;|2", "x", 3]
    assert len(compiled) == 3 and len(list((tmp_path / "jinja").glob("*.code"))) == 3
    # read back: the same output, nothing compiled again
    assert [render(macro), render(materialization), render(number, native=True)] == first
    assert len(compiled) == 3
    # the text environment's code and the native one's are kept apart
    assert render(number) == "3" and len(compiled) == 4
    # an unreadable file is compiled again and written whole
    for path in (tmp_path / "jinja").glob("*.code"):
        path.write_bytes(b"\x00not marshal")
    assert render(macro) == first[0] and len(compiled) == 5
    assert render(macro) == first[0] and len(compiled) == 5
    # with dbt's macro debugging on, nothing is read or kept (the file stays as it was)
    kept = [path for path in (tmp_path / "jinja").glob("*.code") if path.read_bytes() != b"\x00not marshal"]
    assert len(kept) == 1
    kept[0].write_bytes(b"\x00not marshal")
    monkeypatch.setattr(dbt_jinja, "MACRO_DEBUGGING", True)
    assert render(macro) == first[0] and len(compiled) == 6
    assert kept[0].read_bytes() == b"\x00not marshal"
    assert not list((tmp_path / "jinja").glob(".*"))  # no staging file left


def test_compiled_jinja_templates_are_kept_once_per_process(tmp_path, monkeypatch):
    from dbt_common.clients import jinja as dbt_jinja

    monkeypatch.setattr(dbt_jinja.MacroFuzzEnvironment, "compile", dbt_jinja.MacroFuzzEnvironment.compile)
    if hasattr(dbt_jinja.MacroFuzzEnvironment.compile, "__wrapped__"):  # a build ran here before
        monkeypatch.setattr(
            dbt_jinja.MacroFuzzEnvironment, "compile", dbt_jinja.MacroFuzzEnvironment.compile.__wrapped__
        )
    folder = tmp_path / "jinja"
    folder.mkdir()
    for i in range(patches.JINJA_CACHE_MAX_FILES + 1):
        (folder / f"{i}.code").touch()
    patches.keep_compiled_jinja_templates(folder)
    installed = dbt_jinja.MacroFuzzEnvironment.compile
    assert inspect.unwrap(installed) is not installed
    assert not folder.exists()  # more files than the limit: emptied, to be filled again
    patches.keep_compiled_jinja_templates(tmp_path / "other")
    assert dbt_jinja.MacroFuzzEnvironment.compile is installed
    dbt_jinja.get_template("{{ 40 + 2 }}", {}).render({})
    assert len(list(folder.glob("*.code"))) == 1


def test_dbt_json_schemas_are_kept_and_read_back_equal(tmp_path, monkeypatch):
    import contextlib
    import json

    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.contracts.project import Project, ProjectFlags
    from dbt_common.dataclass_schema import dbtClassMixin

    # dbt validates its project, flags and profile against cls.json_schema(), which patch 6
    # replaces on dbt-common's mixin (a classmethod of a cached function of the class)
    assert "cls.json_schema()" in inspect.getsource(dbtClassMixin.validate.__func__)
    installed = dbtClassMixin.json_schema.__func__
    original = getattr(installed, "original", installed)  # dbt's, if a build here patched it
    built = []

    def counting(cls):
        built.append(cls.__qualname__)
        return original(cls)

    classes = (Project, ProjectFlags, DuckDBCredentials)
    first = patches.json_schema_keeping_files(counting, tmp_path / "schemas")
    schemas = [first(cls) for cls in classes]
    assert built == ["Project", "ProjectFlags", "DuckDBCredentials"]
    assert len(list((tmp_path / "schemas").glob("*.json"))) == 3
    # another process (a new function): read back, equal to what dbt builds, nothing built
    second = patches.json_schema_keeping_files(counting, tmp_path / "schemas")
    assert [second(cls) for cls in classes] == schemas == [original(cls) for cls in classes]
    assert len(built) == 3
    # the patched validation still refuses what dbt refuses
    monkeypatch.setattr(dbtClassMixin, "json_schema", classmethod(second))
    ProjectFlags.validate({"send_anonymous_usage_stats": False})
    with pytest.raises(Exception, match="is not of type 'boolean'"):
        ProjectFlags.validate({"send_anonymous_usage_stats": "maybe"})
    # an unreadable file is built again and written whole; a class defined here is not kept
    for path in (tmp_path / "schemas").glob("*.json"):
        path.write_text("{not json")
    assert patches.json_schema_keeping_files(counting, tmp_path / "schemas")(Project) == schemas[0]
    rewritten = []
    for path in (tmp_path / "schemas").glob("*.json"):
        with contextlib.suppress(ValueError):
            rewritten.append(json.loads(path.read_text()))
    assert rewritten == [schemas[0]]
    assert len(built) == 4
    assert not list((tmp_path / "schemas").glob(".*"))
    # installed on dbt-common's mixin once per process, around dbt's own function
    monkeypatch.setattr(dbtClassMixin, "json_schema", classmethod(original))
    patches.keep_dbt_json_schemas(tmp_path / "installed")
    installed = dbtClassMixin.json_schema.__func__
    assert installed.kept_in == tmp_path / "installed" and installed.original is original
    patches.keep_dbt_json_schemas(tmp_path / "other")
    assert dbtClassMixin.json_schema.__func__ is installed
    assert Project.json_schema() == schemas[0]
    assert len(list((tmp_path / "installed").glob("*.json"))) == 1
