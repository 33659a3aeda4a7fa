"""One test per private API that orchestration/patches.py relies on: each fails loudly when an
upgrade of Dagster or dagster-dbt changes the code the patch replaces."""

from __future__ import annotations

import inspect
import logging
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
