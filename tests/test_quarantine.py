"""A session that fails a critical per-session check is quarantined, not fatal (issue 15 item 4).

The run publishes every good session, names the quarantined one with the expectation it failed
(run output, `ingested_files`, the `runs` table), exits non-zero, and the next runs keep it out
until the file is fixed or removed (removed in a copy of the quarantined data directory, so one
quarantining run serves both). The poison here is a real export; the check it fails is the
real `GLUED_HEADER` expectation of the messages suite with its pattern pointed at a marker, run
in-process so the test can point it (everything else is the real pipeline: Polars, dbt, GX).
"""

from __future__ import annotations

import contextlib
import shutil

import duckdb
import pytest
from helpers import add_export, copy_fixture

import classchat.expectations.suites as suites
from classchat import pipeline
from classchat.cli import main
from classchat.config import Paths

pytestmark = pytest.mark.slow

POISON = "10:00:00\t  Ann : a normal question?\n10:01:00\t  Bo : MARKER-OF-A-MISREAD-FILE\n"


def _sql(paths, query):
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.fixture
def poisoned_checks(monkeypatch):
    monkeypatch.setattr(suites, "GLUED_HEADER", "MARKER-OF-A-MISREAD-FILE")

    @contextlib.contextmanager
    def in_process(_paths, _wanted):
        yield None

    monkeypatch.setattr(pipeline, "_checker", in_process)


def test_a_poison_session_is_quarantined_and_the_rest_published(paths, poisoned_checks, capsys, tmp_path):
    copy_fixture(paths, "c1", "plain/2024-05-06_intro_lecture.txt")
    poison = add_export(paths, "c1", "2024-05-09_poison.txt", POISON)
    data = ["--data-dir", str(paths.data_dir)]

    assert main(["run", *data]) == 1
    out, err = capsys.readouterr()
    assert "QUARANTINED session c1/2024-05-09_poison" in out
    assert "quarantined session" in err and "c1/2024-05-09_poison" in err
    assert _sql(paths, "select distinct session_id from messages") == [("c1/2024-05-06_intro_lecture",)]
    status = dict(_sql(paths, "select source_file, status from ingested_files"))
    assert status == {"c1/2024-05-06_intro_lecture.txt": "landed", "c1/2024-05-09_poison.txt": "quarantined"}
    reason = _sql(paths, "select reason from ingested_files where status = 'quarantined'")[0][0]
    assert "body" in reason and "fix or remove" in reason
    assert _sql(paths, "select outcome from runs order by ended_at desc limit 1") == [("quarantined",)]

    # unchanged: still out, said again, nothing rebuilt
    assert main(["run", *data]) == 0
    out, _ = capsys.readouterr()
    assert "QUARANTINED c1/2024-05-09_poison.txt" in out
    assert _sql(paths, "select count(distinct session_id) from messages") == [(1,)]

    # removed (in a copy of this data directory): the next run, even a full refresh, clears the quarantine
    removed = Paths(tmp_path / "removed")
    shutil.copytree(paths.data_dir, removed.data_dir)
    (removed.raw / "c1" / poison.name).unlink()
    assert main(["run", "--data-dir", str(removed.data_dir), "--full-refresh"]) == 0
    assert dict(_sql(removed, "select source_file, status from ingested_files")) == {
        "c1/2024-05-06_intro_lecture.txt": "landed"
    }

    # fixed: it lands and is published
    poison.write_text(POISON.replace("MARKER-OF-A-MISREAD-FILE", "an answer"), encoding="utf-8")
    assert main(["run", *data, "--accept-shorter"]) == 0
    assert _sql(paths, "select count(distinct session_id) from messages") == [(2,)]
    assert set(dict(_sql(paths, "select source_file, status from ingested_files")).values()) == {"landed"}
