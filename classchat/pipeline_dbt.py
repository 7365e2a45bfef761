"""How classchat runs dbt: the dbt invocation (project, profiles, target and log paths in the
data directory, progress lines, a one-line reason on failure), `dbt docs`, the stage error
type, and the fault points the reliability tests kill a run at (CLASSCHAT_FAULT_AT).
`pipeline` composes the stages on top of it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

from classchat.config import DBT_PROJECT_DIR, WAREHOUSE_ENV, Paths, offline_environment

Say = Callable[[str], None]

# Fault injection for the crash tests (tests/test_faults.py): when this environment variable names a
# point below, the process kills itself there with SIGKILL, as a power cut or `kill -9` would.
# Points: after_ingest, after_build, after_check, before_swap, after_swap, build_node:<n>
# (after dbt finished its n-th node).
FAULT_ENV = "CLASSCHAT_FAULT_AT"


def fault_point(name: str) -> None:
    """Die here, abruptly, if the crash tests asked for it (see FAULT_ENV); otherwise nothing."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


class StageError(Exception):
    """A stage failed; the message is one line a user can act on."""


# A session whose rows fail a critical per-session expectation is quarantined: its export is marked
# so in the lake's manifest (status 'quarantined', kept until the file changes or goes), and the run
# builds and checks again without it, at most this many times, then publishes.
def build_docs_site(paths: Paths) -> Path:
    """`dbt docs generate --static` into <data_dir>/docs/dbt; returns the self-contained page.

    dbt reads the catalog from a throw-away copy of the warehouse, so the live
    file is never opened for writing (the report may be reading it).
    """
    import tempfile

    offline_environment(paths.data_dir)
    site = paths.data_dir / "docs" / "dbt"
    with tempfile.TemporaryDirectory(dir=paths.data_dir) as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(paths.warehouse, copy)
        os.environ[WAREHOUSE_ENV] = str(copy)
        try:
            res = _dbt(paths, ["docs", "generate", "--static"], verbose=False, target=Path(tmp) / "target")
        finally:
            os.environ.pop(WAREHOUSE_ENV, None)
        if not res.success:
            raise StageError("dbt docs generate failed (run `dbt docs generate` in dbt_project/ for details)")
        site.mkdir(parents=True, exist_ok=True)
        for name in ("static_index.html", "index.html", "manifest.json", "catalog.json"):
            src = Path(tmp) / "target" / name
            if src.exists():
                shutil.copyfile(src, site / name)
    static = site / "static_index.html"
    return static if static.exists() else site / "index.html"


class _Progress:
    """dbt callback: a line every few seconds on a long build ("build: 40 models and tests done, 12 s")."""

    def __init__(self, say: Say, every: float = 5.0) -> None:
        self.say, self.every = say, every
        self.done = 0
        self.started = self.last = time.perf_counter()

    def __call__(self, event) -> None:
        if event.info.name == "NodeFinished":
            self.done += 1
            fault_point(f"build_node:{self.done}")
            now = time.perf_counter()
            if now - self.last >= self.every:
                self.last = now
                self.say(f"build: {self.done} models and tests done, {now - self.started:.0f} s")


def _dbt(paths: Paths, args: list[str], *, verbose: bool, target: Path | None = None, say: Say | None = None):
    from dbt.cli.main import dbtRunner

    dbt_dir = paths.data_dir / ".dbt"
    cli = [
        *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target or dbt_dir / "target"),
        "--log-path", str(dbt_dir / "logs"),
    ]
    if not verbose:
        cli.insert(0, "--quiet")
    try:
        res = dbtRunner(callbacks=[_Progress(say)] if say else []).invoke(cli)
    finally:
        _release_duckdb()
    if isinstance(res.exception, KeyboardInterrupt):  # Ctrl-C inside dbt: the caller's one line
        raise KeyboardInterrupt
    if res.exception is not None:
        first = (str(res.exception).strip().splitlines() or [type(res.exception).__name__])[0]
        raise StageError(f"dbt could not run: {first}")
    return res


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb kept open for the whole invocation.

    profiles.yml sets `keep_open: true`: without it dbt-duckdb opens the warehouse again (and
    checkpoints it on close) whenever no node holds a connection, about 55 times in an incremental
    build (2 s of an 8 s dbt run). Kept open, the file stays locked by this process after dbt
    returns, and the checks read it from another process; so the pipeline closes it here. dbt-duckdb
    has no public call for this: it keeps the database in `DuckDBConnectionManager._ENV` (pinned
    dbt-duckdb in constraints.txt; every pipeline test that runs the checks fails if this stops
    releasing the file).
    """
    import sys

    connections = sys.modules.get("dbt.adapters.duckdb.connections")
    if connections is None:  # the Spark target, or dbt never reached the adapter
        return
    manager = connections.DuckDBConnectionManager
    with manager._LOCK:
        env, manager._ENV = manager._ENV, None
    if env is not None:
        env.close()


def _dbt_failure(res) -> str:
    """One line naming the first failed node and the most telling line of dbt's message."""
    for r in getattr(res.result, "results", None) or []:
        if str(r.status).lower() not in ("error", "fail"):
            continue
        plain = re.sub(r"\x1b\[[0-9;]*m", "", r.message or "")
        lines = [line.strip() for line in plain.splitlines() if line.strip()]
        detail = next((line for line in lines if "Error:" in line), lines[0] if lines else str(r.status))
        kind = str(r.node.resource_type).split(".")[-1].lower()
        return f"dbt build failed: {kind} {r.node.name}: {detail}"
    return "dbt build failed (run with --verbose for dbt's log)"


def _count_nodes(res) -> str:
    kinds: dict[str, int] = {}
    for r in getattr(res.result, "results", None) or []:
        kind = str(r.node.resource_type).split(".")[-1].lower()
        kinds[kind] = kinds.get(kind, 0) + 1
    return ", ".join(f"{n} {k}s" for k, n in sorted(kinds.items())) or "nothing built"
