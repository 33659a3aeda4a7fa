"""The landing folder: which OTLP files are there, which are new or changed, and their lines."""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

OTLP_SUBDIR = "otlp"
OTLP_SUFFIXES = (".jsonl", ".jsonl.gz")
# Lines are handed to DuckDB in chunks of about this many bytes, so memory stays flat in file size.
CHUNK_BYTES = 64 * 1024 * 1024


class LandingDirError(Exception):
    """The landing folder is missing or unreadable."""


@dataclass(frozen=True)
class LandedFile:
    path: Path
    relative_path: str
    size_bytes: int
    mtime_ns: int


def discover_otlp_files(landing_dir: Path) -> list[LandedFile]:
    """Every `otlp/**/*.jsonl` and `*.jsonl.gz` under the landing folder, in a stable order."""
    if not landing_dir.is_dir():
        raise LandingDirError(f"landing folder not found: {landing_dir}")
    root = landing_dir / OTLP_SUBDIR
    if not root.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith(".") or not name.endswith(OTLP_SUFFIXES):
                continue
            path = Path(dirpath) / name
            stat = path.stat()
            found.append(
                LandedFile(
                    path=path,
                    relative_path=path.relative_to(landing_dir).as_posix(),
                    size_bytes=stat.st_size,
                    mtime_ns=stat.st_mtime_ns,
                )
            )
    return found


def content_hash(path: Path) -> str:
    """BLAKE2b of the file's bytes as stored (compressed files are hashed compressed)."""
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def iter_line_chunks(files: list[LandedFile], chunk_bytes: int = CHUNK_BYTES) -> Iterator[pa.Table]:
    """Arrow tables of (source_file, line_no, raw) covering every line of the files, blank ones too.

    Line numbers are 1-based. A final newline does not start another line. A file that cannot
    be decompressed yields one line with the raw bytes read so far marked by `read_error`.
    """
    names: list[str] = []
    numbers: list[int] = []
    lines: list[bytes] = []
    size = 0

    def flush() -> pa.Table:
        nonlocal names, numbers, lines, size
        table = pa.table(
            {
                "source_file": pa.array(names, pa.string()),
                "line_no": pa.array(numbers, pa.int32()),
                "raw": pa.array(lines, pa.binary()),
            }
        )
        names, numbers, lines, size = [], [], [], 0
        return table

    for landed in files:
        line_no = 0
        pending = b""
        try:
            with _open(landed.path) as handle:
                for block in iter(lambda: handle.read(chunk_bytes), b""):
                    parts = (pending + block).split(b"\n")
                    pending = parts.pop()
                    for part in parts:
                        line_no += 1
                        names.append(landed.relative_path)
                        numbers.append(line_no)
                        lines.append(part)
                        size += len(part)
                    if size >= chunk_bytes:
                        yield flush()
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            # A truncated or corrupt gzip stream: keep what was read, quarantine the rest.
            pending += b"\xff<unreadable: " + type(exc).__name__.encode() + b">"
        if pending:
            line_no += 1
            names.append(landed.relative_path)
            numbers.append(line_no)
            lines.append(pending)
            size += len(pending)
    if lines:
        yield flush()
