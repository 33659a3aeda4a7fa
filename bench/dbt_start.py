"""dbt's start as a run's in-process build pays it (bench/run.py, fixed start-up): dbt imported
first, untimed (a run imports it with the Dagster definitions, which the bench times on their
own), then `dbt parse` timed, in a target folder of its own that starts from the parse the last
run on this warehouse kept (orchestration.dbt.copy_last_parse, as the build's own folder does),
with the patches the build applies (orchestration/patches.py, 4 to 6), the --target and the log
flags it passes. Prints the seconds.

    python bench/dbt_start.py TARGET_DIR    # with a run's environment (ANALYTICS_WAREHOUSE, ...)
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dbt.cli.main import dbtRunner

from analytics import settings
from orchestration.dbt import copy_last_parse, dbt_log_flags
from orchestration.patches import apply_dbt_patches


def main(target: Path) -> float:
    apply_dbt_patches()
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    copy_last_parse(target)
    project = str(settings.DBT_PROJECT_DIR)
    started = time.perf_counter()
    result = dbtRunner().invoke([
        *dbt_log_flags(), "parse", "--quiet", "--no-write-json", "--project-dir", project, "--profiles-dir", project,
        "--target", settings.dbt_target(), "--target-path", str(target), "--log-path", str(target),
    ])
    seconds = time.perf_counter() - started
    if not result.success:
        raise SystemExit(f"dbt parse failed: {result.exception}")
    return seconds


if __name__ == "__main__":
    print(main(Path(sys.argv[1])))
