"""The Dagster code location: everything is defined under orchestration/defs/."""

from pathlib import Path

import dagster as dg

from orchestration.heap import collect_only_new_objects

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)

# what is loaded now lives as long as the process (orchestration/heap.py)
collect_only_new_objects()
