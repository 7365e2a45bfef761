"""The limits of one query on the warehouse, and their defaults: the one place they are set.

`Limits` says what one named or ad-hoc query may use: wall-clock time, DuckDB
memory (nothing spills to disk: the connection has no temp directory), rows
kept and threads. `LIMITS` holds the defaults; README's command table and
docs/queries.md name them, `classchat query --timeout/--memory-limit/--max-rows`
override them for one command, and the report uses them as they are.
`reports.db` applies them. This module imports nothing heavy, so the command
line can show the defaults in its help without loading DuckDB.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

_MEMORY = re.compile(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What one query may use. None (or 0 from the command line) means no limit of that kind."""

    timeout_s: float | None = 30.0  # wall-clock seconds, running and fetching
    memory_limit: str = "2GB"  # DuckDB's memory_limit; nothing spills to disk
    max_rows: int | None = 100_000  # rows kept; a longer result is cut and marked as cut
    threads: int = min(4, os.cpu_count() or 1)

    def __post_init__(self) -> None:
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise ValueError(f"time limit {self.timeout_s!r}: give a number of seconds above 0")
        if self.max_rows is not None and (isinstance(self.max_rows, bool) or self.max_rows < 1):
            raise ValueError(f"row cap {self.max_rows!r}: give a whole number of rows above 0")
        if not _MEMORY.fullmatch(str(self.memory_limit)):
            raise ValueError(f"memory limit {self.memory_limit!r}: give a size such as 500MB, 2GB or 1.5GiB")
        if self.threads < 1:
            raise ValueError(f"threads {self.threads!r}: give at least 1")


# THE defaults.
LIMITS = Limits()
