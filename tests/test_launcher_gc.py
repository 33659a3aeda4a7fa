"""`analytics run` turns Python's garbage collection off while the libraries load and back on,
frozen and less frequent, once the definitions are loaded (orchestration/launcher.py)."""

import gc

from orchestration.launcher import GC_ALLOCATIONS_THRESHOLD, collect_only_new_objects


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
