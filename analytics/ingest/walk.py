"""Walk the landing folder safely: regular files only, nothing outside it, never hanging.

Every developer machine of an organization writes to the landing folder, so its tree is
input like any other: a symlink `current -> .` would make a naive walk list the same files
forever, a FIFO named `pipe.jsonl` would block the first read, a link to `/dev/zero` would
never end, and a link to `/etc/...` would read a file that is not telemetry. So the walk:

- lists with `os.scandir` and never follows a link by itself: each symlink is resolved here,
  and followed only when its target lies inside the landing folder;
- lists every directory once (by device and inode), so link loops end at once;
- keeps regular files only; FIFOs, sockets, devices, loops and links leaving the folder are
  reported as skipped (the caller prints them), never opened;
- stops after a time budget and a depth, reporting where it stopped.

`open_regular` opens a file without following a last-component link, without blocking on a
FIFO swapped in after the listing, and checks again that it is a regular file.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MAX_DEPTH = 64


@dataclass(frozen=True)
class FoundFile:
    path: Path  # the file to open (a link's resolved target, inside the landing folder)
    relative_path: str  # its name as listed, relative to the landing folder
    size_bytes: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    relative_path: str
    reason: str


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def walk_regular_files(
    landing_dir: Path,
    top: Path,
    accept: Callable[[str], bool],
    time_budget_s: float,
) -> tuple[list[FoundFile], list[Skipped]]:
    """Regular files under `top` whose name `accept`s, in a stable order, and what was skipped.

    `top` must be inside `landing_dir`; names are relative to `landing_dir`.
    """
    root = os.path.realpath(landing_dir)
    deadline = time.monotonic() + time_budget_s
    found: list[FoundFile] = []
    linked: list[FoundFile] = []
    seen_files: set[tuple[int, int]] = set()
    skipped: list[Skipped] = []

    def rel(path: str) -> str:
        return Path(os.path.relpath(path, landing_dir)).as_posix()

    try:
        top_stat = os.stat(top)
    except OSError:
        return [], []
    top_real = os.path.realpath(top)
    if not _inside(top_real, root) or not stat.S_ISDIR(top_stat.st_mode):
        return [], [Skipped(rel(str(top)), "outside the landing folder or not a folder")]
    visited = {(top_stat.st_dev, top_stat.st_ino)}
    stack: list[tuple[str, int]] = [(str(top), 0)]
    while stack:
        directory, depth = stack.pop()
        if time.monotonic() > deadline:
            skipped.append(Skipped(rel(directory), f"listing stopped after {time_budget_s:.0f} s"))
            break
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(rel(directory), f"folder unreadable: {exc.strerror}"))
            continue
        subdirs: list[str] = []
        for entry in entries:
            name = entry.name
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not _inside(target, root):
                        skipped.append(
                            Skipped(rel(entry.path), "symlink to outside the landing folder")
                        )
                        continue
                    try:
                        st = os.stat(target)
                    except OSError as exc:
                        skipped.append(
                            Skipped(rel(entry.path), f"broken or looping symlink ({exc.strerror})")
                        )
                        continue
                    if stat.S_ISDIR(st.st_mode):
                        if (st.st_dev, st.st_ino) in visited:
                            skipped.append(
                                Skipped(rel(entry.path), "symlink loop (folder already listed)")
                            )
                        else:
                            visited.add((st.st_dev, st.st_ino))
                            subdirs.append(entry.path)
                        continue
                    if not accept(name):
                        continue
                    if not stat.S_ISREG(st.st_mode):
                        skipped.append(Skipped(rel(entry.path), f"symlink to {_kind(st.st_mode)}"))
                        continue
                    linked.append(
                        FoundFile(Path(target), rel(entry.path), st.st_size, st.st_mtime_ns)
                    )
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                skipped.append(Skipped(rel(entry.path), f"cannot be listed ({exc.strerror})"))
                continue
            if stat.S_ISDIR(st.st_mode):
                if (st.st_dev, st.st_ino) not in visited:
                    visited.add((st.st_dev, st.st_ino))
                    subdirs.append(entry.path)
            elif stat.S_ISREG(st.st_mode):
                if accept(name) and not name.startswith("."):
                    seen_files.add((st.st_dev, st.st_ino))
                    found.append(
                        FoundFile(Path(entry.path), rel(entry.path), st.st_size, st.st_mtime_ns)
                    )
            else:
                skipped.append(Skipped(rel(entry.path), f"{_kind(st.st_mode)}, not read"))
        if depth + 1 > MAX_DEPTH and subdirs:
            skipped.extend(Skipped(rel(d), f"deeper than {MAX_DEPTH} folders") for d in subdirs)
            continue
        stack.extend((d, depth + 1) for d in reversed(subdirs))
    # a link to a file also listed under its own name (or another link) is read once
    for item in linked:
        try:
            st = os.stat(item.path)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen_files:
            continue
        seen_files.add((st.st_dev, st.st_ino))
        found.append(item)
    found.sort(key=lambda f: f.relative_path)
    return found, skipped


def open_regular(path: Path):
    """A binary reader of `path`, refused (OSError) unless it is a regular file now."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"{_kind(mode)}, not read")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
