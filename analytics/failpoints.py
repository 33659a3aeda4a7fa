"""Failpoints: kill this process at a named point, to test that a crash loses nothing.

Set ANALYTICS_FAILPOINT=<name> (tests do); unset, a failpoint costs one dict lookup.
"""

import os
import signal

from analytics import settings


def failpoint(name: str) -> None:
    if settings.failpoint_name() == name:
        os.kill(os.getpid(), signal.SIGKILL)
