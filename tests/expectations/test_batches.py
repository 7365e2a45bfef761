"""Checks read in bounded batches give exactly what one whole-frame validation gives.

The per-session suites of a large warehouse are read and validated in batches
of whole sessions (expectations/batches.py). Here the batch size is forced
down to a few rows, so every session of the fixture warehouse is a batch of
its own (and rows without a session one more), and each report is compared
with the whole-frame run of the same warehouse: the same expectations, the
same pass or fail, the same row, unexpected and missing counts, the same
failing sessions. Broken facts cover each way a result is merged: row-wise
counts, uniqueness within a session, uniqueness across sessions (validated
on the whole column), row counts, an expectation that raised, rows without
a session.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from helpers import build_warehouse, write_layout_courses

from classchat.config import Paths
from classchat.expectations import batches, run_checks

FIRST = "(SELECT min(session_id) FROM sessions)"
LAST = "(SELECT max(session_id) FROM sessions)"
# Every way a result is merged, broken at once where the breakages cannot hide each other (each on
# rows of its own; ids, sessions and kinds of messages; counts of sessions; minutes), and a missing
# column on its own: it makes the expectations that read the column raise.
BREAKAGES = {
    "none": [],
    "ids, orphans, kinds, times, nulls, a missing minute": [
        # a duplicate id within the first session, and the same id again in the last session
        f"UPDATE messages SET message_id = (SELECT message_id FROM messages WHERE session_id = {FIRST} "
        f"ORDER BY seq LIMIT 1) WHERE message_id = (SELECT message_id FROM messages WHERE session_id = {FIRST} "
        "ORDER BY seq LIMIT 1 OFFSET 1)",
        f"UPDATE messages SET message_id = (SELECT message_id FROM messages WHERE session_id = {FIRST} "
        f"ORDER BY seq LIMIT 1) WHERE message_id = (SELECT message_id FROM messages WHERE session_id = {LAST} "
        "ORDER BY seq LIMIT 1)",
        f"UPDATE messages SET session_id = 'nowhere/gone' WHERE seq = 3 AND session_id = {FIRST}",
        f"UPDATE messages SET session_id = NULL WHERE seq = 3 AND session_id = {LAST}",
        "UPDATE messages SET message_kind = 'emoji' WHERE seq = 1",
        "UPDATE messages SET sent_at = sent_at + INTERVAL 2 DAY WHERE seq = 4",
        "UPDATE messages SET response_seconds = -1 WHERE response_seconds IS NOT NULL",
        f"UPDATE sessions SET n_messages = NULL WHERE session_id = {LAST}",
        "UPDATE session_minutes SET n_senders = NULL WHERE n_messages = 0",
        f"DELETE FROM session_minutes WHERE session_id = {FIRST} AND minute_at = "
        f"(SELECT max(minute_at) FROM session_minutes WHERE session_id = {FIRST})",
    ],
    "a missing column": ["ALTER TABLE sessions DROP COLUMN n_links"],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    paths = Paths(tmp_path_factory.mktemp("batches") / "data")
    write_layout_courses(paths)
    build_warehouse(paths)
    return paths.warehouse


def _facts(report) -> dict:
    """Everything a whole-frame and a batched run must agree on (not the quoted example rows)."""
    out = {"success": report.success, "failing_sessions": report.failing_sessions()}
    for suite in report.suites:
        results = json.loads(Path(suite.result_file).read_text(encoding="utf-8"))
        out[suite.name] = (
            suite.n_rows,
            results["success"],
            results["statistics"]["successful_expectations"],
            sorted(
                (
                    r["expectation_config"]["type"],
                    json.dumps(r["expectation_config"]["kwargs"], sort_keys=True),
                    r["success"],
                    *((r.get("result") or {}).get(k) for k in ("unexpected_count", "element_count", "missing_count")),
                    str((r.get("result") or {}).get("observed_value")),
                    bool((r.get("exception_info") or {}).get("raised_exception")),
                )
                for r in results["results"]
            ),
            sorted((o.label(), o.success, o.severity, o.observed.split(", e.g.")[0]) for o in suite.outcomes),
        )
    return out


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_batched_checks_equal_whole_frame_checks(built, tmp_path, monkeypatch, breakage):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built, warehouse)
    con = duckdb.connect(str(warehouse))
    for statement in BREAKAGES[breakage]:
        con.execute(statement)
    con.close()

    whole = run_checks(warehouse, tmp_path / "whole", build_docs=False)
    parts: list = []
    plan = batches.SuiteReader.plan

    def small_plan(self, max_rows):
        total, found = plan(self, 5)  # a few rows: every session (and the rows without one) a batch
        parts.append((self.spec.name, len(found)))
        return total, found

    monkeypatch.setattr(batches.SuiteReader, "plan", small_plan)
    batched = run_checks(warehouse, tmp_path / "batched", build_docs=True)

    assert dict(parts)["messages"] > 3 and dict(parts)["session_minutes"] > 3  # really split
    assert _facts(batched) == _facts(whole)
    assert (breakage == "none") == whole.success
    failed = {suite.name for suite in whole.suites for o in suite.outcomes if not o.success}
    if breakage.startswith("ids"):  # each broken table really fails its suite
        assert {"messages", "sessions", "session_minutes"} <= failed, failed
    # the merged result is what the GX store (and so Data Docs) holds
    assert batched.data_docs is not None and batched.data_docs.is_file()
