"""The receiver's landing files: one line per accepted request, on disk before the answer.

Each signal appends to `otlp/collect/YYYY-MM-DD/<signal>-<start time>.jsonl` in the landing
folder; a new file starts at the next UTC day and when the current one reaches the rotation
size, and at every start of the receiver (files are created exclusively, so two receivers on
one folder never share a file). A line is written with one `write` of the whole line, and
`append` returns only once an `fsync` has covered it: a receiver killed at any moment loses
nothing it acknowledged. Requests arriving together share one fsync (group commit), which is
what keeps throughput up on a disk where an fsync costs milliseconds. A write cut short (a
full disk) is truncated away, so the file never holds a half line followed by whole ones; a
half line left by a kill is never acknowledged, and the ingestion does not read it.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from analytics.errors import LandingWriteError

COLLECT_SUBDIR = Path("otlp") / "collect"




class SignalWriter:
    """Appends lines of one signal, rotating by size and UTC day, fsynced in groups."""

    def __init__(self, landing_dir: Path, signal: str, rotate_bytes: int, clock=None):
        self.root = landing_dir / COLLECT_SUBDIR
        self.signal = signal
        self.rotate_bytes = rotate_bytes
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()  # file, offsets, sequence numbers
        self._synced = threading.Condition(threading.Lock())
        self._fd: int | None = None
        self._day = None
        self._size = 0
        self._retired: list[int] = []  # rotated-away descriptors still to fsync and close
        self._written = 0  # sequence number of the last line written
        self._durable = 0  # sequence number of the last line an fsync covered
        self._syncing = False
        self._failed_upto = 0  # lines up to this sequence number were never made durable
        self.path: Path | None = None

    def append(self, line: bytes) -> Path:
        """Write one line and wait until it is durable; returns the file it went to."""
        with self._lock:
            now = self.clock()
            if self._fd is None or now.date() != self._day or self._size >= self.rotate_bytes:
                self._rotate(now)
            offset = self._size
            try:
                _write_all(self._fd, line)
            except OSError as exc:
                self._undo(offset)
                raise LandingWriteError(exc.errno, f"cannot write {self.path}: {exc.strerror}") from None
            self._size += len(line)
            self._written += 1
            mine = self._written
            path = self.path
        self._wait_durable(mine)
        return path

    def _rotate(self, now: datetime) -> None:
        if self._fd is not None:
            self._retired.append(self._fd)
        folder = self.root / now.strftime("%Y-%m-%d")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = now.strftime("%Y%m%dT%H%M%S.%fZ")
        for attempt in range(1000):
            suffix = f"-{attempt}" if attempt else ""
            path = folder / f"{self.signal}-{stamp}{suffix}.jsonl"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o640)
                break
            except FileExistsError:
                continue
        else:
            raise LandingWriteError(f"cannot create a new file in {folder}")
        _fsync_dir(folder)  # the new name must survive a crash too
        self._fd, self.path, self._day, self._size = fd, path, now.date(), 0

    def _undo(self, offset: int) -> None:
        """After a failed write: cut what it left, or start a new file if even that fails."""
        try:
            os.ftruncate(self._fd, offset)
        except OSError:
            self._retired.append(self._fd)
            self._fd = None

    def _wait_durable(self, mine: int) -> None:
        """Group commit: one thread fsyncs for everyone written so far, the others wait.

        When an fsync fails, every line it was to cover is failed (a later fsync may succeed
        without the data having reached the disk) and the next line starts a new file.
        """
        with self._synced:
            while self._durable < mine:
                if mine <= self._failed_upto:
                    raise LandingWriteError(f"cannot fsync {self.path}")
                if self._syncing:
                    self._synced.wait()
                    continue
                self._syncing = True
                self._synced.release()
                failed = False
                try:
                    with self._lock:
                        target, fd, retired = self._written, self._fd, self._retired
                        self._retired = []
                    try:
                        for old in retired:
                            os.fsync(old)
                            os.close(old)
                        if fd is not None:
                            os.fsync(fd)
                    except OSError:
                        failed = True
                        with self._lock:
                            if self._fd == fd and fd is not None:
                                self._retired.append(fd)
                                self._fd = None
                finally:
                    self._synced.acquire()
                    self._syncing = False
                    if failed:
                        self._failed_upto = target
                    else:
                        self._durable = max(self._durable, target)
                    self._synced.notify_all()

    def close(self) -> None:
        """Make everything written durable and close the files."""
        with self._lock:
            fds = self._retired + ([self._fd] if self._fd is not None else [])
            self._retired, self._fd = [], None
        for fd in fds:
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
