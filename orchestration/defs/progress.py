"""One-line progress messages for the terminal (`analytics run`) and the Dagster run log."""

import logging

logger = logging.getLogger("analytics.progress")


def progress(message: str) -> None:
    logger.info(message)
