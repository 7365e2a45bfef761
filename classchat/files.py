"""Writing a file so that no reader ever sees half of it.

Owns the one way classchat replaces a file it publishes (lake Parquet and its
manifest, check results, HTML exports): write a temporary file beside the
target, flush it to disk, then rename it over the target in one step. A crash
before the rename leaves the old file as it was, plus a temporary file that the
next write (or the lake's clean-up) removes.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` to write; on a clean exit it is synced and renamed over `target`.

    If the body raises, the temporary file is removed and `target` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
