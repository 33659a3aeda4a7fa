"""How much telemetry one `analytics collect` takes: requests/s and MB/s on this machine.

Starts the receiver on 127.0.0.1 (a port it picks, a bearer token, a temporary landing
folder), then for each encoding sends the real Claude Code request bodies of seeds/captures
round-robin over several keep-alive connections, until `--requests` are answered or
`--seconds` pass, whichever comes first, and prints what was sustained. Every request is
acknowledged only once its line is fsynced, so the figures include the disk. Loopback only,
bounded in count and time; the landing folder is removed at the end.

    python bench/collect_load.py [--requests 3000] [--seconds 20] [--connections 8]
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from google.protobuf import json_format

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.collect import otlp

CAPTURES = ROOT / "seeds" / "captures" / "otlp"
TOKEN = "bench-token"


def bodies(variant: str) -> list[tuple[str, bytes, dict[str, str]]]:
    """(path, body, headers) for every capture body in one encoding."""
    out = []
    for path in sorted(CAPTURES.glob("*/*.jsonl")):
        signal_name = "logs" if path.name.startswith("logs") else "metrics"
        for line in path.read_bytes().splitlines():
            media, _, compression = variant.partition("+")
            if media == "protobuf":
                message = otlp.SIGNALS[signal_name].request()
                json_format.Parse(line, message)
                data = message.SerializeToString()
            else:
                data = line
            headers = {"Content-Type": otlp.PROTOBUF if media == "protobuf" else otlp.JSON,
                       "Authorization": f"Bearer {TOKEN}"}
            if compression:
                data = gzip.compress(data)
                headers["Content-Encoding"] = "gzip"
            out.append((f"/v1/{signal_name}", data, headers))
    return out


def load(port: int, work: list, requests: int, seconds: float, connections: int) -> dict:
    lock = threading.Lock()
    done = {"requests": 0, "bytes": 0, "errors": 0}
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = offset
        while time.monotonic() < deadline:
            with lock:
                if done["requests"] + done["errors"] >= requests:
                    break
            path, data, headers = work[i % len(work)]
            i += 1
            connection.request("POST", path, body=data, headers=headers)
            response = connection.getresponse()
            response.read()
            with lock:
                if response.status == 200:
                    done["requests"] += 1
                    done["bytes"] += len(data)
                else:
                    done["errors"] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done["seconds"] = time.perf_counter() - started
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="at most this many per encoding")
    parser.add_argument("--seconds", type=float, default=20.0, help="at most this long per encoding")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    landing = Path(tempfile.mkdtemp(prefix="collect-bench-"))
    env = dict(os.environ, ANALYTICS_LANDING_DIR=str(landing), ANALYTICS_COLLECT_TOKEN=TOKEN)
    receiver = subprocess.Popen(
        [sys.executable, "-m", "analytics_cli.main", "collect", "--host", "127.0.0.1", "--port", "0"],
        env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        first = receiver.stdout.readline()
        port = int(first.split("http://127.0.0.1:")[1].split(" ")[0])
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
        print("| encoding | requests | seconds | requests/s | MB/s as sent | mean body |")
        print("|---|---|---|---|---|---|")
        for variant in ("protobuf", "protobuf+gzip", "json", "json+gzip"):
            work = bodies(variant)
            result = load(port, work, args.requests, args.seconds, args.connections)
            rate = result["requests"] / result["seconds"]
            mb = result["bytes"] / result["seconds"] / 1e6
            mean = sum(len(b) for _, b, _ in work) / len(work)
            print(f"| {variant} | {result['requests']} ({result['errors']} refused) | "
                  f"{result['seconds']:.1f} | {rate:.0f} | {mb:.2f} | {mean / 1000:.1f} kB |", flush=True)
        written = sum(p.stat().st_size for p in landing.rglob("*.jsonl"))
        print(f"landing files: {written / 1e6:.1f} MB written; load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        receiver.send_signal(signal.SIGTERM)
        receiver.communicate(timeout=60)
        shutil.rmtree(landing, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
