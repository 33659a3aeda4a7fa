"""What several commands check before they start."""

from __future__ import annotations

from pathlib import Path

from analytics import settings
from analytics.errors import UsageError


def require_landing_dir() -> Path:
    landing = settings.landing_dir()
    if not landing.is_dir():
        raise UsageError(f"landing folder not found: {landing} (set ANALYTICS_LANDING_DIR)")
    return landing
