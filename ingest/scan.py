"""Scanning `raw/`: which exports there are, and their bytes and sha256 read ahead of the parser.

Owns what counts as an export (a regular file named *.txt, links followed),
the reasons an entry named like one is not read (a folder, a FIFO, a dangling
link, a folder that cannot be listed; nothing is opened while scanning, so a
FIFO cannot block it), and reading and hashing files on a thread pool ahead
of the caller, bounded in files and bytes, and the record that lets a later run
skip reading an export whose file is provably the one it hashed before
(`file_signature`, `read_stat_record`, `write_stat_record`). `land`
re-exports the public names.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from classchat.files import atomic_path

READERS = 2  # threads reading and hashing files ahead of the parser (both release the GIL)
READ_AHEAD = 64  # files read ahead at most
READ_AHEAD_BYTES = 32_000_000  # and bytes
EXPORT_SUFFIXES = {".txt"}


def _read_ahead(
    pool: ThreadPoolExecutor, files: list[Path]
) -> Iterator[tuple[Path, bytes | None, str | None, str | None]]:
    """(path, bytes, sha256, error) of each file in order, read and hashed by the pool ahead of the
    caller; a file that cannot be read gives (path, None, None, the reason).

    At most READ_AHEAD files or READ_AHEAD_BYTES (by their size on disk) are in flight.
    """
    queue: deque[tuple[Future, int]] = deque()
    in_flight = 0
    for path in files:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        queue.append((pool.submit(_read_and_hash, path), size))
        in_flight += size
        while queue and (len(queue) >= READ_AHEAD or in_flight >= READ_AHEAD_BYTES):
            done, size = queue.popleft()
            in_flight -= size
            yield done.result()
    while queue:
        yield queue.popleft()[0].result()


def _read_and_hash(path: Path) -> tuple[Path, bytes | None, str | None, str | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return path, None, None, exc.strerror or type(exc).__name__
    return path, data, hashlib.sha256(data).hexdigest(), None


def scan_raw(raw: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The exports under `raw` (regular files named *.txt, symbolic links followed), in path order,
    and (relative path, reason) for every *.txt entry that is not a readable regular file: a
    folder, a FIFO or other special file, a dangling link, a folder that cannot be listed.
    Nothing is opened here, so a FIFO cannot block the scan."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []

    def walk_error(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else raw
        rel = where.relative_to(raw).as_posix() if where != raw else "."
        problems.append((rel + "/", f"cannot list the folder: {exc.strerror or exc}"))

    for folder, dirs, names in os.walk(raw, onerror=walk_error):
        dirs.sort()
        for name in sorted(names + [d for d in dirs if Path(d).suffix.lower() in EXPORT_SUFFIXES]):
            path = Path(folder) / name
            if path.suffix.lower() not in EXPORT_SUFFIXES:
                continue
            rel = path.relative_to(raw).as_posix()
            try:
                st = path.stat()
            except FileNotFoundError:
                problems.append((rel, "a symbolic link to nothing (its target is gone)"))
                continue
            except OSError as exc:
                problems.append((rel, f"cannot read the file: {exc.strerror or exc}"))
                continue
            if stat.S_ISREG(st.st_mode):
                files.append(path)
            elif stat.S_ISDIR(st.st_mode):
                problems.append((rel, "a folder named like an export, not a file"))
            else:
                kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a special file"
                problems.append((rel, f"{kind}, not a regular file"))
    files.sort()
    return files, problems


# lake/raw_stat.json: for each export the last run hashed, its file's signature and sha256. A file whose
# signature is unchanged holds the bytes that were hashed: any write to it, or a file put in its place,
# changes its ctime (which no user can set back), its inode or its size. So an unchanged export is not
# read again; a missing or unreadable record only means every file is read.
STAT_RECORD = "raw_stat.json"


def file_signature(path: Path) -> tuple[int, ...] | None:
    """(size, mtime, ctime in ns, inode, device) of the file `path` (links followed); None if it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def read_stat_record(lake: Path) -> dict[str, tuple[tuple[int, ...], str]]:
    """relative path -> (signature, sha256) as the last run recorded them; empty if there is no usable record."""
    try:
        data = json.loads((lake / STAT_RECORD).read_text(encoding="utf-8"))
        return {rel: (tuple(sig), sha) for rel, (sig, sha) in data.items()}
    except (OSError, ValueError, TypeError):
        return {}


def write_stat_record(lake: Path, record: dict[str, tuple[tuple[int, ...], str]]) -> None:
    """Replace the record atomically (classchat.files.atomic_path)."""
    with atomic_path(lake / STAT_RECORD) as tmp:
        tmp.write_text(json.dumps({rel: [list(sig), sha] for rel, (sig, sha) in sorted(record.items())}), encoding="utf-8")
