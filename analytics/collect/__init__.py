"""`analytics collect`: an OTLP/HTTP receiver of our own, so a team needs no collector.

Claude Code exports its metrics and events over OTLP/HTTP; this receiver takes them (protobuf
or JSON, gzip or not) and appends each accepted request as one OTLP JSON line to the landing
folder, fsynced before it answers, where `analytics run` reads it like a collector's file.
Organizations that already run an OpenTelemetry Collector keep it; this is for the others.
This package imports nothing from Dagster: it is a process of its own.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
import threading
from pathlib import Path

from analytics import settings
from analytics.errors import CollectConfigError

from .server import CollectServer, Limits
from .stats import Stats

__all__ = ["CollectConfigError", "serve"]



def is_loopback(host: str) -> bool:
    """Whether every address `host` names is a loopback address."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def make_server(host: str, port: int, landing_dir: Path, out=None) -> CollectServer:
    """A bound receiver configured from the settings; refuses an open host without a token."""
    token = settings.collect_token()
    if token is None and not is_loopback(host):
        raise CollectConfigError(
            f"refusing to listen on {host} without a token: set ANALYTICS_COLLECT_TOKEN "
            "(clients send it as Authorization: Bearer), or listen on 127.0.0.1"
        )
    try:
        limits = Limits(
            max_body_bytes=settings.collect_max_body_bytes(),
            timeout_seconds=settings.collect_timeout_seconds(),
            max_connections=settings.collect_max_connections(),
            rotate_bytes=settings.collect_rotate_bytes(),
        )
    except ValueError as exc:
        raise CollectConfigError(str(exc)) from None
    try:
        (landing_dir / "otlp" / "collect").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CollectConfigError(f"cannot create the landing folder {landing_dir}: {exc.strerror}") from None
    try:
        return CollectServer((host, port), landing_dir, token, limits, Stats(out))
    except OSError as exc:
        raise CollectConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def serve(host: str = "127.0.0.1", port: int = 4318, landing_dir: Path | None = None,
          stats_seconds: float = 60.0, drain_seconds: float = 10.0, out=None) -> int:
    """Run the receiver until SIGTERM or SIGINT, then finish the requests in flight, make
    every line durable, close the files and print the last counts. Returns the exit status."""
    out = out or sys.stdout
    if landing_dir is None and not settings.landing_dir_is_set():
        raise CollectConfigError(
            "set ANALYTICS_LANDING_DIR to the folder the receiver writes to "
            "(the default is the bundled sample organization)"
        )
    landing_dir = landing_dir or settings.landing_dir()
    server = make_server(host, port, landing_dir, out)
    stop = threading.Event()

    def on_signal(signum, frame):
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, name="collect-shutdown").start()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    # said once the signals are ours: a SIGTERM from then on is a clean stop
    bound_host, bound_port = server.server_address[:2]
    auth = "bearer token required" if server.token else "no token (loopback only)"
    print(
        f"collect: OTLP/HTTP on http://{bound_host}:{bound_port} (/v1/logs, /v1/metrics; "
        f"/healthz), {auth}, landing in {landing_dir / 'otlp' / 'collect'}",
        file=out, flush=True,
    )
    server.stats.every(stats_seconds, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        server.server_close()
        server.drain(drain_seconds)
        server.stats.print_line(" (stopped)")
        print("collect: stopped, every acknowledged request is on disk", file=out, flush=True)
        # A second signal while draining changes nothing (stop is set). The handlers are put
        # back only where someone else had set them: the CLI's defaults would let a second
        # SIGTERM arriving while the interpreter exits kill it (exit -15 after a clean stop).
        for sig, handler in previous.items():
            if handler not in (signal.SIG_DFL, None):
                signal.signal(sig, handler)
    return 0
