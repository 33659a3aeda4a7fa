"""The Dagster code location: everything is defined under orchestration/defs/.

The defs folder is loaded as `dg.load_from_defs_folder` loads it (the same component tree,
attached to the definitions for the UI), without what that function adds at the tree's root:
a catalog of every component type the installed Dagster libraries offer (dagster's,
dagster-dbt's), with a JSON schema of each, for the UI's documentation of components to
scaffold. This project scaffolds none, and building that catalog was about 0.35 s of every
process that loads the definitions (0.78 s against 0.43 s, once Dagster and dbt are imported):
each run, the code server, and about 85 runs of the test suite. The assets, checks, jobs,
schedule and sensors are the same (tests/test_partitions_and_definitions.py).
"""

import warnings
from pathlib import Path

import dagster as dg

from orchestration.heap import collect_only_new_objects

PROJECT = Path(__file__).resolve().parent


def load_definitions() -> dg.Definitions:
    """The definitions of orchestration/defs/, with their component tree."""
    tree = dg.ComponentTree.for_project(path_within_project=PROJECT)
    # as load_from_defs_folder, which suppresses Dagster's beta and preview warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.Definitions.merge(tree.build_defs(PROJECT / "defs"), dg.Definitions(component_tree=tree))


defs = load_definitions()

# what is loaded now lives as long as the process (orchestration/heap.py)
collect_only_new_objects()
