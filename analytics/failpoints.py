"""Failpoints: kill this process at a named point, to test that a crash loses nothing.

Set ANALYTICS_FAILPOINT=<name> (tests do); unset, a failpoint costs one dict lookup.
"""

import os
import signal


def failpoint(name: str) -> None:
    if os.environ.get("ANALYTICS_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
