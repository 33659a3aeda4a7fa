"""Headless Chromium, offline: the rendered DOM and a screenshot of a local HTML file.

Used by the tests and by `python -m analytics.report.screenshot`. Chromium is the Debian
package `chromium` (`apt-get install -y chromium`); nothing here downloads a browser.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from analytics import settings

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

# Networking off: no background, component, sync or QUIC traffic, and every host name resolves
# to nothing, so a page that tried to fetch anything would fail to (and show it).
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
)


def find_chromium() -> str | None:
    """The Chromium binary: $CHROMIUM if set, else the Debian package's."""
    explicit = settings.chromium_binary()
    if explicit:
        return explicit if Path(explicit).exists() else None
    for candidate in CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    chromium = find_chromium()
    if chromium is None:
        raise FileNotFoundError("chromium not found (apt-get install -y chromium, or set CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [chromium, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=timeout, check=False,
        )


def file_url(path: Path | str, fragment: str = "") -> str:
    url = Path(path).resolve().as_uri()
    return f"{url}#{fragment}" if fragment else url


def dump_dom(html: Path | str, fragment: str = "", timeout: float = 60,
             net_log: Path | str | None = None) -> str:
    """The DOM after the page's scripts ran (plotly has drawn its SVG), as HTML text.

    With `net_log`, Chromium also writes its network log (JSON) there, to check that the page
    made no request.
    """
    extra = ["--virtual-time-budget=5000", "--window-size=1400,2200"]
    if net_log is not None:
        extra += [f"--log-net-log={net_log}", "--net-log-capture-mode=Default"]
    completed = _run([*extra, "--dump-dom", file_url(html, fragment)], timeout)
    if completed.returncode != 0 or "<html" not in completed.stdout:
        raise RuntimeError(f"chromium --dump-dom failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return completed.stdout


def screenshot(html: Path | str, png: Path | str, width: int = 1400, height: int = 2200,
               timeout: float = 60) -> Path:
    """A PNG of the page as a 1400 x 2200 window shows it."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    completed = _run(
        ["--virtual-time-budget=5000", f"--window-size={width},{height}",
         f"--screenshot={png}", file_url(html)],
        timeout,
    )
    if completed.returncode != 0 or not png.is_file():
        raise RuntimeError(f"chromium --screenshot failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return png
