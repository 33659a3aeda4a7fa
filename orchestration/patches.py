"""The one place that reaches into private APIs of Dagster or dagster-dbt.

Each patch here says what it changes, why the public API could not do it, and has a test in
tests/test_patches.py that fails loudly when an upgrade changes the code it relies on.

1. `LeanDbtCliResource` overrides two private members of dagster-dbt's `DbtCliResource`
   (0.29.x): `_cli_version` and `_initialize_dbt_core_adapter`. Before every dbt command
   dagster-dbt runs `dbt --version` in a subprocess (about 1.5 s) and loads dbt's macros in
   process to hold an adapter (about 2 s), which it uses only for `fetch_column_metadata` and
   `fetch_row_counts`. This project records row counts itself (one query per run), so it needs
   no adapter; and when the dbt executable is the one installed beside this Python, its version
   is that of the dbt-core imported here. dagster-dbt has no setting for either.
2. `quiet_unexecuted_check_warnings` raises one private Dagster logger to ERROR (see there).
"""

from __future__ import annotations

import shutil
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource


class LeanDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without the version subprocess and the in-process adapter."""

    @cached_property
    def _cli_version(self):
        from dbt.version import __version__ as dbt_core_version
        from packaging import version

        beside_python = Path(sys.executable).parent / "dbt"
        executable = shutil.which(self.dbt_executable) or self.dbt_executable
        if Path(executable).resolve() == beside_python.resolve() and beside_python.exists():
            return version.parse(dbt_core_version)
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args):
        return None


# Logger of Dagster's private execution-plan module (1.13.x), which warns once per blocking
# asset check that got no result. A window dbt has already built is not rebuilt, so its tests
# give no new result and every check would warn on stderr; the run is right to go on.
UNEXECUTED_CHECK_LOGGER = "dagster._core.execution.plan.active"


def quiet_unexecuted_check_warnings() -> None:
    """2. Raise that one private logger to ERROR (nothing else of Dagster's logging changes)."""
    import logging

    logging.getLogger(UNEXECUTED_CHECK_LOGGER).setLevel(logging.ERROR)
