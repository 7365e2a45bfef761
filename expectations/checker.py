"""The checker process: Great Expectations imported while dbt builds, the checks run when asked.

This module owns running the checks in a separate Python process
(`CheckerProcess`, entry point `classchat.expectations.serve`) and what that
process hands back (`check_outcome`, a `CheckOutcome`).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from classchat.expectations.results import CheckError, CheckOutcome
from classchat.expectations.runner import run_checks

__all__ = ["CheckOutcome", "CheckerProcess", "check_outcome"]


def check_outcome(warehouse: Path, quality_dir: Path, since: datetime | None = None) -> CheckOutcome:
    """run_checks, reduced to a CheckOutcome: the entry point of a checker process."""
    report = run_checks(warehouse, quality_dir, since=since)
    return CheckOutcome(
        report.success,
        report.failure_message(),
        report.rows(),
        report.summary_lines(),
        report.failing_sessions(),
    )


class CheckerProcess:
    """A separate Python process that imports Great Expectations now and runs the checks later.

    Started before dbt builds, its ~3 s import overlaps with the build on the
    second core. It is a plain `python -m classchat.expectations.serve` (not a
    multiprocessing child, which would re-run the caller's main module, e.g. a
    Streamlit script under test). The request comes on stdin; the outcome is
    written to a file it names, so nothing a library prints can garble it.
    """

    def __init__(self) -> None:
        import subprocess
        import sys

        self._proc = subprocess.Popen(
            [sys.executable, "-m", "classchat.expectations.serve"], stdin=subprocess.PIPE
        )

    def run(self, warehouse: Path, quality_dir: Path, since: datetime | None = None) -> CheckOutcome:
        import pickle

        with tempfile.TemporaryDirectory() as tmp:
            answer = Path(tmp) / "outcome.pickle"
            request = {
                "warehouse": Path(warehouse),
                "quality_dir": Path(quality_dir),
                "since": since,
                "answer": answer,
            }
            self._proc.communicate(pickle.dumps(request))
            if not answer.exists():
                raise CheckError(
                    f"the checker process ended without an answer (exit status {self._proc.returncode})"
                )
            kind, value = pickle.loads(answer.read_bytes())
        if kind == "error":
            raise CheckError(value)
        return value

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


def _serve() -> None:
    """The checker process: import GX, read one request from stdin, write the outcome to its file."""
    import pickle
    import sys

    import great_expectations  # noqa: F401  (the import is the point: it overlaps with dbt)
    import great_expectations.expectations  # noqa: F401

    request = pickle.loads(sys.stdin.buffer.read())
    try:
        result = ("ok", check_outcome(request["warehouse"], request["quality_dir"], request["since"]))
    except CheckError as exc:
        result = ("error", str(exc))
    request["answer"].write_bytes(pickle.dumps(result))
    # the answer is all the caller waits for: skip the interpreter's slow teardown of GX's modules
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
