"""One-line progress messages for the terminal (`analytics run`) and the Dagster run log."""

import contextlib
import logging

logger = logging.getLogger("analytics.progress")


def progress(message: str) -> None:
    logger.info(message)


def to_stderr() -> None:
    """Print progress lines on stderr, indented (once per process, however often called)."""
    import sys

    if not any(getattr(h, "_analytics", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("  %(message)s"))
        handler._analytics = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


@contextlib.contextmanager
def also_to(stream):
    """Progress lines also written to `stream` while inside, stamped as dbt stamps its lines
    (`HH:MM:SS  message`): the run's log (analytics-run.log) then says what every step did, not
    only what dbt printed, and a run whose dbt had nothing to build leaves a log that says so."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", "%H:%M:%S"))
    level = logger.level
    logger.addHandler(handler)
    if not logger.isEnabledFor(logging.INFO):
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
