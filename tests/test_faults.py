"""Crash tests: `classchat run` killed with SIGKILL at every stage boundary and in the middle of the
build, then run again, gives exactly the warehouse a clean build of the same raw files gives.

Each case starts from a warehouse built from a first set of exports, adds a second set, and
kills a real `classchat run` process at one fault point (classchat.pipeline.FAULT_ENV). The
rerun (in-process, like the other pipeline tests) must notice what the warehouse lacks: it
may not stop at "nothing new" because ingest already landed the files before the kill.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import duckdb
import pytest
from helpers import copy_fixture

from classchat.cli import main
from classchat.config import Paths
from classchat.pipeline import FAULT_ENV, scratch_path

pytestmark = pytest.mark.slow

MARTS = ("messages", "sessions", "users", "user_sessions", "session_minutes", "courses", "question_topics",
         "rejected_lines", "ingested_files")
# columns that record when a file landed or a run happened, not what the chat says
RUN_TIME_COLUMNS = {"landed_at", "ingested_at"}


def _first_set(paths: Paths) -> None:
    copy_fixture(paths, "plain", "plain/2024-05-06_intro_lecture.txt")
    copy_fixture(paths, "zoom", "zoom_2021/2024-03-02_ru.txt")


def _second_set(paths: Paths) -> None:
    """More sessions of a known course, and a new course."""
    copy_fixture(paths, "plain", "plain/2024-05-07_night.txt")
    copy_fixture(paths, "zoom", "zoom_legacy/2024-03-01_legacy.txt")
    copy_fixture(paths, "zoom", "zoom_2025/2024-03-03_replies.txt")
    copy_fixture(paths, "bbb", "bigbluebutton/public-chat-2024-03-05_10-00.txt")


def _marts(paths: Paths) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        out = {}
        for table in MARTS:
            cols = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
                [table],
            ).fetchall()]
            keep = ", ".join(f'"{c}"' for c in cols if c not in RUN_TIME_COLUMNS)
            out[table] = con.execute(f"select {keep} from {table} order by all").fetchall()
        return out
    finally:
        con.close()


def _run(paths: Paths) -> int:
    return main(["run", "--data-dir", str(paths.data_dir)])


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Paths:
    """A data directory whose warehouse holds the first set of exports."""
    paths = Paths(tmp_path_factory.mktemp("faults") / "base")
    _first_set(paths)
    assert _run(paths) == 0
    return paths


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, list[tuple]]:
    """The marts of a clean build of both sets in one go."""
    paths = Paths(tmp_path_factory.mktemp("faults") / "clean")
    _first_set(paths)
    _second_set(paths)
    assert _run(paths) == 0
    return _marts(paths)


# One kill point per state a dead run can leave on disk: the lake committed and nothing built
# (after_ingest), a half-built scratch warehouse (build_node:5), and a built and checked scratch not
# yet renamed over the live file (before_swap). after_build and after_check (pipeline_dbt.fault_point)
# leave the same kind of scratch as before_swap and were dropped from CI to keep it under 25 minutes;
# run them with CLASSCHAT_ALL_FAULT_POINTS=1.
FAULT_POINTS = ["after_ingest", "build_node:5", "before_swap"] + (
    ["after_build", "after_check"] if os.environ.get("CLASSCHAT_ALL_FAULT_POINTS") else []
)


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_killed_run_converges_to_a_clean_build(base, reference, tmp_path, point):
    paths = Paths(tmp_path / "data")
    shutil.copytree(base.data_dir, paths.data_dir)
    _second_set(paths)
    before = _marts(paths)

    env = dict(os.environ, **{FAULT_ENV: point})
    proc = subprocess.run(
        [sys.executable, "-m", "classchat.cli", "run", "--data-dir", str(paths.data_dir)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert _marts(paths) == before, "a killed run changed the live warehouse"

    assert _run(paths) == 0
    assert _marts(paths) == reference
    assert not scratch_path(paths).exists()
    # and now it is really up to date: a third run has nothing to do
    assert _run(paths) == 0
    assert _marts(paths) == reference


def test_a_failed_build_is_retried_by_the_next_run(base, reference, tmp_path, capsys):
    """A build that fails leaves the warehouse as it was; once the cause is gone, the next run
    builds what was landed meanwhile (here the lake's roster is broken between ingest and build)."""
    paths = Paths(tmp_path / "data")
    shutil.copytree(base.data_dir, paths.data_dir)
    _second_set(paths)
    before = _marts(paths)
    assert main(["ingest", "--data-dir", str(paths.data_dir)]) == 0
    roster = paths.lake / "roster.parquet"
    saved = roster.read_bytes()
    roster.write_bytes(b"not parquet")
    assert main(["build", "--data-dir", str(paths.data_dir)]) == 1
    assert "dbt" in capsys.readouterr().err
    assert _marts(paths) == before
    roster.write_bytes(saved)
    assert _run(paths) == 0
    assert _marts(paths) == reference


def test_a_missing_data_dir_is_one_line_and_is_not_created(tmp_path, capsys):
    missing = tmp_path / "typo"
    assert main(["run", "--data-dir", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no data directory" in err and "Traceback" not in err
    assert not missing.exists()


def test_an_os_error_is_one_line(paths, capsys):
    """An OSError (here the lock file is a folder; as non-root, a read-only data directory gives the
    same path) is one line naming the file, not a traceback."""
    paths.lock.mkdir()
    assert main(["ingest", "--data-dir", str(paths.data_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(paths.lock) in err and "Traceback" not in err


def test_leftovers_of_a_dead_run_are_removed_at_the_next_start(paths, capsys):
    from classchat.pipeline import remove_dead_run_leftovers

    scratch = scratch_path(paths)
    scratch.write_bytes(b"half a warehouse")
    (paths.lake).mkdir(parents=True)
    tmp = paths.lake / ".files.parquet.123-abc.tmp"
    tmp.write_bytes(b"half a manifest")
    spill = scratch.with_name(scratch.name + ".tmp")  # DuckDB's spill folder of the killed build
    (spill / "duckdb_temp_storage-0.tmp").parent.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled pages")
    assert sorted(remove_dead_run_leftovers(paths)) == sorted([scratch, tmp, spill])
    assert not scratch.exists() and not tmp.exists() and not spill.exists()
