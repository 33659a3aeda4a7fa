"""A real `analytics collect` process for tests, and the real captures as request bodies."""

from __future__ import annotations

import gzip
import http.client
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from google.protobuf import json_format

from analytics.collect import otlp
from tests.conftest import ANALYTICS, CAPTURES


@dataclass(frozen=True)
class Body:
    """One request body a real Claude Code client sent, as a capture line holds it."""

    run: str
    signal: str  # logs or metrics
    json: bytes  # the line, without its newline

    def protobuf(self) -> bytes:
        message = otlp.SIGNALS[self.signal].request()
        json_format.Parse(self.json, message)
        return message.SerializeToString()

    def encoded(self, variant: str) -> tuple[bytes, dict[str, str]]:
        """The body and headers for a variant: protobuf, json, protobuf+gzip or json+gzip."""
        media, _, compression = variant.partition("+")
        data = self.protobuf() if media == "protobuf" else self.json
        headers = {"Content-Type": otlp.PROTOBUF if media == "protobuf" else otlp.JSON}
        if compression == "gzip":
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        return data, headers


def capture_bodies() -> list[Body]:
    """Every request body of the six real captures, in run and signal order."""
    bodies = []
    for run_dir in sorted(p for p in CAPTURES.iterdir() if p.is_dir()):
        for signal_name in ("logs", "metrics"):
            for line in (run_dir / f"{signal_name}.jsonl").read_bytes().splitlines():
                if line.strip():
                    bodies.append(Body(run_dir.name, signal_name, line))
    return bodies


class Receiver:
    """`analytics collect --port 0` in a process of its own; `port` is the one it bound."""

    def __init__(self, env: dict[str, str], *args: str):
        self.process = subprocess.Popen(
            [str(ANALYTICS), "collect", "--port", "0", *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.first_line = self.process.stdout.readline()
        if "http://" not in self.first_line:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError(f"the receiver did not start: {self.first_line}{out}{err}")
        self.port = int(self.first_line.split("http://")[1].split(" ")[0].rsplit(":", 1)[1])
        self.output = ""

    def post(self, path: str, data: bytes, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig`, wait, keep everything it printed; returns the exit status."""
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
        out, err = self.process.communicate(timeout=30)
        self.output = self.first_line + out + err
        return self.process.returncode

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.stop(signal.SIGKILL)


def landed_lines(landing: Path) -> list[bytes]:
    """Every line the receiver wrote, file by file in name order."""
    lines = []
    for path in sorted((landing / "otlp" / "collect").rglob("*.jsonl")):
        lines.extend(path.read_bytes().splitlines())
    return lines
