"""The landing folder: which OTLP files are there, which are new or changed, and their lines."""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from analytics.errors import LandingDirError, UnreadableTail

OTLP_SUBDIR = "otlp"
OTLP_SUFFIXES = (".jsonl", ".jsonl.gz")
# Lines are handed to DuckDB in chunks of about this many bytes, so memory stays flat in file size.
CHUNK_BYTES = 64 * 1024 * 1024



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
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
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


def read_blocks(path: Path, block_bytes: int) -> Iterator[bytes]:
    """The file's bytes in blocks, gunzipped for .gz (concatenated members included).

    A truncated or corrupt gzip stream yields everything before the damage, then raises
    UnreadableTail.
    """
    with path.open("rb") as handle:
        if not path.name.endswith(".gz"):
            yield from iter(lambda: handle.read(block_bytes), b"")
            return
        inflater = zlib.decompressobj(wbits=31)
        in_member = False
        for compressed in iter(lambda: handle.read(block_bytes), b""):
            while compressed:
                in_member = True
                try:
                    out = inflater.decompress(compressed)
                except zlib.error as exc:
                    raise UnreadableTail(f"corrupt gzip data: {exc}") from None
                if out:
                    yield out
                if inflater.eof:
                    compressed = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31)
                    in_member = False
                else:
                    compressed = b""
        if in_member:
            raise UnreadableTail("gzip stream ends before its end marker (truncated file)")



def iter_line_chunks(files: list[LandedFile], chunk_bytes: int = CHUNK_BYTES) -> Iterator[pa.Table]:
    """Arrow tables of (source_file, line_no, raw, read_error) covering every line of the files.

    Blank lines are included so that line numbers and counts are exact; line numbers are
    1-based, and a final newline does not start another line. When the end of a compressed
    file cannot be read, what was read is kept and one more line stands for the unreadable
    rest, with read_error saying why. A plain file's unterminated last line that is not JSON is
    a write in progress (or one cut short, never acknowledged): it is not read; the file is read
    again, whole, once it grows.
    """
    names: list[str] = []
    numbers: list[int] = []
    lines: list[bytes] = []
    errors: list[str | None] = []
    size = 0

    def add(name: str, number: int, line: bytes, error: str | None = None) -> None:
        nonlocal size
        names.append(name)
        numbers.append(number)
        lines.append(line)
        errors.append(error)
        size += len(line)

    def flush() -> pa.Table:
        nonlocal names, numbers, lines, errors, size
        table = pa.table(
            {
                "source_file": pa.array(names, pa.string()),
                "line_no": pa.array(numbers, pa.int32()),
                "raw": pa.array(lines, pa.binary()),
                "read_error": pa.array(errors, pa.string()),
            }
        )
        names, numbers, lines, errors, size = [], [], [], [], 0
        return table

    for landed in files:
        line_no = 0
        pending = b""
        error = None
        try:
            for block in read_blocks(landed.path, min(chunk_bytes, 8 << 20)):
                parts = (pending + block).split(b"\n")
                pending = parts.pop()
                for part in parts:
                    line_no += 1
                    add(landed.relative_path, line_no, part)
                if size >= chunk_bytes:
                    yield flush()
        except UnreadableTail as exc:
            error = str(exc)
        except OSError as exc:
            error = f"unreadable file: {exc}"
        if pending and not error and not landed.path.name.endswith(".gz") and _partial(pending):
            pending = b""
        if pending or error:
            line_no += 1
            add(landed.relative_path, line_no, pending, error)
    if lines:
        yield flush()


def _partial(line: bytes) -> bool:
    """Whether an unterminated last line is cut short: every complete OTLP line is JSON."""
    try:
        json.loads(line)
    except ValueError:
        return True
    return False
