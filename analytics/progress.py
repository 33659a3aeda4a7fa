"""One-line progress messages for the terminal (`analytics run`) and the Dagster run log."""

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
