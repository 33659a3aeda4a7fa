"""Python's garbage collection in a process that runs the pipeline: the `analytics` command, the
Dagster run worker a schedule or the UI launches, the code server.

Dagster, dbt and the loaded definitions are some million objects that live as long as the
process, and each full collection walks all of them: in a daily run (200 members, a day after
7), 7 full collections took 0.5 s and the collector 0.85 s in all, of 8.5 s. Once the
definitions are loaded (orchestration/definitions.py), `gc.freeze()` moves what exists to a
generation that is never collected, and the collector runs after 10,000 new container objects
rather than 700 (a run allocates millions of short-lived ones: dbt's events and Jinja,
Dagster's events), both documented uses of the `gc` module: the collector then took 0.3 s.
`analytics run` also turns collection off while the libraries import (analytics_cli.main,
cmd_run), about 0.2 s of CPU more; loading the definitions turns it back on.
"""

import gc

GC_ALLOCATIONS_THRESHOLD = 10_000


def collect_only_new_objects() -> None:
    """Leave what is loaded by now out of garbage collection for the rest of the process,
    collect the rest less often, and turn collection on."""
    gc.freeze()
    gc.set_threshold(GC_ALLOCATIONS_THRESHOLD, 10, 10)
    gc.enable()
