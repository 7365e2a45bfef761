"""What a check run found: the result types, and GX results turned into them.

This module owns the outcome types of the check stage: `ExpectationOutcome`
(one expectation of one suite), `SuiteResult` (one suite), `CheckReport` (a
whole run: what the pipeline stores, prints and quarantines by) and
`CheckOutcome` (the picklable part of a report that a checker process hands
back). It also turns Great Expectations' validation results into outcomes
(`outcome`), without importing GX itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from classchat.expectations.suites import CRITICAL

SESSION_KEY = "session_id"
_OBSERVED_MAX = 240
_EXAMPLES = 3


class CheckError(RuntimeError):
    """The checks could not run at all (no warehouse, a mart missing, GX broke)."""


@dataclass(frozen=True)
class ExpectationOutcome:
    """The outcome of one expectation of one suite."""

    suite: str
    expectation: str  # GX type, e.g. "expect_column_values_to_be_unique"
    columns: tuple[str, ...]
    description: str
    severity: str  # "critical" | "warning" | "info"
    success: bool
    observed: str  # short human summary of what was seen
    # the sessions whose rows failed it (per-session suites only; at most SESSION_SAMPLE rows looked at)
    sessions: tuple[str, ...] = ()

    @property
    def column(self) -> str | None:
        return ", ".join(self.columns) or None

    @property
    def is_critical_failure(self) -> bool:
        return not self.success and self.severity == CRITICAL

    def label(self) -> str:
        """`expect_x(col_a, col_b)` — the expectation and its columns (bare for table-level ones)."""
        return f"{self.expectation}({self.column})" if self.columns else self.expectation


@dataclass(frozen=True)
class SuiteResult:
    """One suite's run: the counts and every expectation's outcome."""

    name: str
    n_rows: int
    outcomes: tuple[ExpectationOutcome, ...]
    result_file: Path | None = None

    @property
    def n_expectations(self) -> int:
        return len(self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def n_failed(self) -> int:
        return len(self.failed)

    @property
    def n_failed_critical(self) -> int:
        return sum(o.is_critical_failure for o in self.outcomes)

    @property
    def success(self) -> bool:
        """Every expectation of the suite passed (warnings included)."""
        return self.n_failed == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "critical_success": self.n_failed_critical == 0,
            "n_rows": self.n_rows,
            "n_expectations": self.n_expectations,
            "n_failed": self.n_failed,
            "n_failed_critical": self.n_failed_critical,
            "result_file": str(self.result_file) if self.result_file else None,
            "failed": [
                {
                    "expectation": o.expectation,
                    "column": o.column,
                    "description": o.description,
                    "severity": o.severity,
                    "observed": o.observed,
                }
                for o in self.failed
            ],
        }


@dataclass
class CheckReport:
    """What `run_checks` found. `success` is False iff a critical expectation failed."""

    checked_at: datetime  # UTC, timezone-aware
    suites: list[SuiteResult]
    quality_dir: Path
    duration_seconds: float = 0.0
    data_docs: Path | None = None  # index.html, when built
    data_docs_error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.critical_failures()

    def suite(self, name: str) -> SuiteResult:
        for s in self.suites:
            if s.name == name:
                return s
        raise KeyError(name)

    def critical_failures(self) -> list[ExpectationOutcome]:
        return [o for s in self.suites for o in s.outcomes if o.is_critical_failure]

    def failing_sessions(self) -> dict[str, str]:
        """session_id -> the first critical expectation its rows failed (per-session suites only).

        A critical failure that names sessions is blamed on them alone (the pipeline
        quarantines them and publishes the rest); one that names none is global.
        """
        out: dict[str, str] = {}
        for o in self.critical_failures():
            for session in o.sessions:
                out.setdefault(session, f"{o.suite}: {o.label()} — {o.description}")
        return out

    def failure_message(self) -> str | None:
        """One line naming the suite and expectation of the first critical failure (None if none)."""
        failures = self.critical_failures()
        if not failures:
            return None
        f = failures[0]
        more = f" (+{len(failures) - 1} more critical)" if len(failures) > 1 else ""
        return (
            f"expectation failed in suite '{f.suite}': {f.label()} — {f.description} "
            f"[observed: {f.observed}]{more}"
        )

    def summary_lines(self) -> list[str]:
        """Human-readable lines for the command line: one per suite, one per failure."""
        width = max((len(s.name) for s in self.suites), default=0)
        lines: list[str] = []
        for s in self.suites:
            if s.success:
                status = "ok"
                detail = f"{s.n_expectations} expectations passed"
            else:
                status = "FAILED" if s.n_failed_critical else "warn"
                detail = (
                    f"{s.n_failed} of {s.n_expectations} expectations failed ({s.n_failed_critical} critical)"
                )
            lines.append(f"{s.name:<{width}}  {status:<6}  {detail}; {s.n_rows} rows")
            for o in s.failed:
                lines.append(f"  - [{o.severity}] {o.label()}: {o.description} (observed: {o.observed})")
        verdict = "passed" if self.success else "FAILED"
        lines.append(
            f"checks {verdict} in {self.duration_seconds:.1f} s; results in {self.quality_dir / 'results'}"
        )
        if self.data_docs:
            lines.append(f"Data Docs: {self.data_docs}")
        if self.data_docs_error:
            lines.append(f"Data Docs not built: {self.data_docs_error}")
        lines.extend(self.notes)
        return lines

    def rows(self) -> list[dict[str, Any]]:
        """One dict per expectation run, for the pipeline to store in the warehouse."""
        return [
            {
                "checked_at": self.checked_at,
                "suite": o.suite,
                "expectation": o.expectation,
                "column": o.column,
                "success": o.success,
                "severity": o.severity,
                "observed": o.observed,
                "description": o.description,
            }
            for s in self.suites
            for o in s.outcomes
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at.isoformat(),
            "success": self.success,
            "duration_seconds": round(self.duration_seconds, 3),
            "data_docs": str(self.data_docs) if self.data_docs else None,
            "data_docs_error": self.data_docs_error,
            "suites": {s.name: s.to_dict() for s in self.suites},
        }


@dataclass(frozen=True)
class CheckOutcome:
    """What a caller in another process needs of a CheckReport (picklable, no GX objects)."""

    success: bool
    failure: str | None
    result_rows: list[dict[str, Any]]
    summary: list[str]
    sessions_failed: dict[str, str] = field(default_factory=dict)

    def failure_message(self) -> str | None:
        return self.failure

    def failing_sessions(self) -> dict[str, str]:
        return self.sessions_failed

    def rows(self) -> list[dict[str, Any]]:
        return self.result_rows

    def summary_lines(self) -> list[str]:
        return self.summary


def _failing_sessions(r) -> tuple[str, ...]:
    rows = (getattr(r, "result", None) or {}).get("partial_unexpected_index_list") or []
    found = {row.get(SESSION_KEY) for row in rows if isinstance(row, dict)}
    return tuple(sorted(str(s) for s in found if s is not None))


def outcome(suite: str, r) -> ExpectationOutcome:
    config = r.expectation_config
    kwargs = config.kwargs
    if "column_list" in kwargs:
        columns = tuple(kwargs["column_list"])
    elif "column_A" in kwargs:
        columns = (kwargs["column_A"], kwargs["column_B"])
    elif "column" in kwargs:
        columns = (kwargs["column"],)
    else:
        columns = ()
    severity = getattr(config.severity, "value", config.severity) or CRITICAL
    return ExpectationOutcome(
        suite=suite,
        expectation=config.type,
        columns=tuple(str(c) for c in columns),
        description=config.description or "",
        severity=str(severity),
        success=bool(r.success),
        observed=_observed(r),
        sessions=() if r.success else _failing_sessions(r),
    )


def _observed(r) -> str:
    """A short summary of what an expectation saw."""
    error = _exception_message(r.exception_info)
    if error is not None:
        return _clip(f"error: {error}")
    result = r.result or {}
    if "unexpected_count" in result:
        n_bad = result.get("unexpected_count") or 0
        n_all = result.get("element_count")
        text = f"{n_bad} of {n_all} rows unexpected" if n_all is not None else f"{n_bad} rows unexpected"
        examples = list(result.get("partial_unexpected_list") or [])[:_EXAMPLES]
        if n_bad and examples:
            text += ", e.g. " + "; ".join(_value(v) for v in examples)
        return _clip(text)
    if "observed_value" in result:
        return _clip(_value(result["observed_value"]))
    return "" if r.success else "failed"


def _exception_message(info: Any) -> str | None:
    """The first line of the error an expectation raised, if it raised one.

    GX 1.x gives either one `{raised_exception, exception_message, ...}` dict or,
    when a metric failed, a dict of such dicts keyed by metric id.
    """
    if not isinstance(info, dict) or not info:
        return None
    candidates = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for entry in candidates:
        if entry.get("raised_exception"):
            lines = str(entry.get("exception_message") or "").strip().splitlines()
            text = lines[0] if lines else "error"
            return text[len("Error: ") :] if text.startswith("Error: ") else text
    return None


def _value(v: Any) -> str:
    if isinstance(v, (tuple, list)):
        return "(" + ", ".join(_value(x) for x in v) + ")"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, TypeError):
            pass
    if v is None or _is_missing(v):
        return "NULL"
    if isinstance(v, str):
        return repr(v if len(v) <= 40 else v[:37] + "...")
    return str(v)


def _is_missing(v: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.api.types.is_scalar(v) and pd.isna(v))
    except (TypeError, ValueError):
        return False


def _clip(text: str) -> str:
    return text if len(text) <= _OBSERVED_MAX else text[: _OBSERVED_MAX - 3] + "..."
