"""`analytics run` turns Python's garbage collection off while the libraries load; loading the
definitions turns it back on, frozen and less frequent (orchestration/heap.py)."""

import gc
import subprocess
import sys

from orchestration.heap import GC_ALLOCATIONS_THRESHOLD, collect_only_new_objects
from tests.conftest import PROJECT_ROOT, inherited_environ


def test_collection_is_back_on_with_what_was_loaded_frozen():
    threshold = gc.get_threshold()
    gc.disable()  # as cmd_run does before importing the launcher
    try:
        collect_only_new_objects()
        assert gc.isenabled()
        assert gc.get_threshold()[0] == GC_ALLOCATIONS_THRESHOLD
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        gc.enable()


def test_loading_the_definitions_turns_collection_back_on_frozen(tmp_path):
    """In any process that loads the code location (a run the daemon or the UI launches too)."""
    code = (
        "import gc; gc.disable(); import orchestration.definitions; "
        "print(gc.isenabled(), gc.get_threshold()[0], gc.get_freeze_count() > 100_000)"
    )
    env = {**inherited_environ(), "ANALYTICS_WAREHOUSE": str(tmp_path / "w.duckdb"),
           "DAGSTER_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, check=True, timeout=300).stdout
    assert out.split() == ["True", str(GC_ALLOCATIONS_THRESHOLD), "True"]
