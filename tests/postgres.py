"""A throwaway PostgreSQL server for the tests that need one (serving, Dagster storage).

initdb into a temporary folder, a free port on 127.0.0.1, password authentication over TCP,
stopped at the end of the session. initdb refuses to run as root, so under root (the CI) the
server runs as the unprivileged `postgres` user, which owns the folder. Where no PostgreSQL
binaries are installed (`/usr/lib/postgresql/*/bin`), the tests that need it are skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "analytics_admin"
PASSWORD = "s3cret-test-pw"


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Postgres:
    host: str
    port: int
    bin_dir: Path

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str = PASSWORD) -> str:
        return f"postgresql://{user}:{password}@{self.host}:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs):
        import psycopg

        return psycopg.connect(self.url(database), autocommit=True, **kwargs)

    def create_database(self, name: str) -> str:
        with self.connect() as con:
            con.execute(f'drop database if exists "{name}"')
            con.execute(f'create database "{name}"')
        return self.url(name)


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def missing_reason() -> str | None:
    """Why no server can be started here, or None."""
    if postgres_bin() is None:
        return "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no unprivileged `postgres` user for the server"
    return None


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    with running_server() as server:
        yield server


@contextmanager
def running_server(durable: bool = False) -> Iterator[Postgres]:
    """Start a server in a new temporary folder; stop it and remove the folder on exit.
    Not `durable` (the tests): no fsync, which a throwaway server does not need."""
    bin_dir = postgres_bin()
    owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="analytics-pg-"))
    data = root / "data"
    pwfile = root / "pwfile"
    pwfile.write_text(PASSWORD + "\n")
    if owner is not None:
        os.chmod(root, 0o700)
        os.chown(root, owner.pw_uid, owner.pw_gid)
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    subprocess.run(
        _as_server_user([
            str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--pwfile", str(pwfile),
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync",
        ]),
        check=True, capture_output=True,
    )
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root}"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        _as_server_user([
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        ]),
        check=True, capture_output=True,
    )
    try:
        yield Postgres("127.0.0.1", port, bin_dir)
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            check=False, capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
