"""Run the mart suites against the warehouse and report the outcome.

This module owns *how* the checks run: for each `MartSuite` of
`expectations.suites` it reads the suite's query from the DuckDB warehouse
(read-only, connection closed right after the fetch), validates the frame
with Great Expectations 1.x through a pandas data source and a
whole-dataframe batch definition, and collects the outcome in a
`CheckReport`. The GX file context lives in `<quality_dir>/gx` and is updated
idempotently on every run (data source, suites and validation definitions
are added or updated; suites no longer defined are removed; the stored
validation history is pruned). It writes each suite's result JSON to
`<quality_dir>/results/<suite>.json` and a summary to
`<quality_dir>/latest.json` (both atomically), and optionally builds Data
Docs. It never writes to the warehouse: `CheckReport.rows()` hands the
per-expectation rows to the pipeline, which stores them. Great Expectations
is imported lazily inside `run_checks` (the import costs seconds), with its
usage statistics, progress bars and log noise switched off.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from classchat.files import atomic_path
from classchat.expectations.suites import CRITICAL, SUITES, MartSuite

DATASOURCE_NAME = "classchat_marts"
RUN_NAME = "classchat"
KEEP_RUNS = 20  # validation runs kept per suite in the GX store (and so in Data Docs)
RESULT_FORMAT = "SUMMARY"
SESSION_KEY = "session_id"
SESSION_SAMPLE = 1000  # failing rows looked at to name the sessions of a per-session failure
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
                    f"{s.n_failed} of {s.n_expectations} expectations failed "
                    f"({s.n_failed_critical} critical)"
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


# ---------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------


def run_checks(
    warehouse: Path,
    quality_dir: Path,
    *,
    build_docs: bool = True,
    suites: Sequence[MartSuite] | None = None,
    since: datetime | None = None,
) -> CheckReport:
    """Validate every mart suite against `warehouse`; write results under `quality_dir`.

    Raises `CheckError` when the checks cannot run (missing warehouse or mart,
    unreadable query). Failed expectations do not raise: inspect
    `report.success` / `report.failure_message()`. With `since`, suites marked
    `scoped` read only rows landed at or after it (an incremental run); the
    others, `totals` among them, read everything.
    """
    started = time.perf_counter()
    warehouse = Path(warehouse)
    quality_dir = Path(quality_dir)
    suites = list(SUITES if suites is None else suites)
    if not warehouse.is_file():
        raise CheckError(f"no warehouse at {warehouse}: build it first")
    names = [s.name for s in suites]
    if len(set(names)) != len(names):
        raise CheckError(f"duplicate suite names: {names}")

    checked_at = datetime.now(timezone.utc)
    quality_dir.mkdir(parents=True, exist_ok=True)
    results_dir = quality_dir / "results"
    results_dir.mkdir(exist_ok=True)

    with _quiet_gx():
        gx, context = _open_context(quality_dir)
        from great_expectations.core.run_identifier import RunIdentifier

        run_id = RunIdentifier(run_name=RUN_NAME, run_time=checked_at)
        datasource = context.data_sources.add_or_update_pandas(name=DATASOURCE_NAME)

        suite_results: list[SuiteResult] = []
        built: list[tuple[str, Any]] = []  # (suite name, batch id) of this run, for Data Docs
        for spec in suites:
            expected = spec.build_suite()
            columns = _columns_used(expected)
            if spec.per_session and columns and SESSION_KEY not in columns:
                columns.append(SESSION_KEY)
            frame = _read_frame(warehouse, spec, since if spec.scoped else None, columns=columns)
            try:
                asset = datasource.add_dataframe_asset(name=spec.name)
                batch_definition = asset.add_batch_definition_whole_dataframe(name=spec.name)
                gx_suite = context.suites.add_or_update(expected)
                validation = context.validation_definitions.add_or_update(
                    gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=gx_suite)
                )
                result = validation.run(
                    batch_parameters={"dataframe": frame},
                    result_format=_result_format(spec),
                    run_id=run_id,
                )
            except Exception as exc:  # GX itself broke (a failed expectation never raises)
                raise CheckError(f"suite '{spec.name}': Great Expectations failed: {exc}") from exc
            n_rows = len(frame)
            built.append((spec.name, result.batch_id))
            del frame
            result_dict = result.to_json_dict()
            result_file = results_dir / f"{spec.name}.json"
            _write_json_atomic(result_file, result_dict)
            suite_results.append(
                SuiteResult(
                    name=spec.name,
                    n_rows=n_rows,
                    outcomes=tuple(_outcome(spec.name, r) for r in result.results),
                    result_file=result_file,
                )
            )

        _remove_stale(context, results_dir, keep=set(names) | {s.name for s in SUITES})
        gx_root = quality_dir / "gx" / "uncommitted"
        _prune_runs(gx_root / "validations", keep_runs=KEEP_RUNS)

        report = CheckReport(checked_at=checked_at, suites=suite_results, quality_dir=quality_dir)
        if build_docs:
            try:
                sites = _build_docs(context, quality_dir, run_id, built)
                index = sites.get("local_site")
                report.data_docs = _file_url_to_path(index) if index else None
            except Exception as exc:  # Data Docs are an extra (STACK.md): never fail the checks on them
                report.data_docs_error = f"{type(exc).__name__}: {exc}"
            _prune_runs(gx_root / "data_docs" / "local_site" / "validations", keep_runs=KEEP_RUNS)

    report.duration_seconds = time.perf_counter() - started
    _write_json_atomic(quality_dir / "latest.json", report.to_dict())
    return report


def _open_context(quality_dir: Path):
    """Import GX (offline, quiet) and open the file context in `quality_dir/gx`."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    try:
        context = gx.get_context(mode="file", project_root_dir=str(quality_dir))
    except Exception as exc:
        where = quality_dir / "gx"
        raise CheckError(f"cannot open the Great Expectations context in {where}: {exc}") from exc

    variables = context.variables
    changed = False
    bars = variables.progress_bars
    if not bars or bars.get("globally", True) or bars.get("metric_calculations", True):
        variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        changed = True
    if variables.analytics_enabled is not False:
        variables.analytics_enabled = False
        changed = True
    if changed:
        variables.save()
    return gx, context


def _columns_used(suite) -> list[str]:
    """The columns a suite's expectations look at, in first-use order (what its frame needs to hold)."""
    used: dict[str, None] = {}
    for expectation in suite.expectations:
        for attr in ("column", "column_A", "column_B"):
            value = getattr(expectation, attr, None)
            if isinstance(value, str):
                used[value] = None
        for value in getattr(expectation, "column_list", None) or []:
            used[value] = None
    return list(used)


def _read_frame(warehouse: Path, spec: MartSuite, since: datetime | None = None, columns: Sequence[str] = ()):
    """The suite's frame, read-only, connection closed right after.

    Only `columns` are read (all, if none are named), so a suite over the
    messages mart holds a few columns of it in memory rather than every one;
    with `since`, only rows landed at or after it.
    """
    import duckdb

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise CheckError(f"cannot open {warehouse} read-only: {exc}") from exc
    try:
        query = f"select * from ({spec.query}) as suite_rows"
        if columns:  # a column the query lacks is left for GX to report as missing
            available = {d[0] for d in con.execute(query + " limit 0").description}
            keep = [c for c in columns if c in available]
            projection = ", ".join('"' + c.replace('"', '""') + '"' for c in keep) if keep else "*"
            query = f"select {projection} from ({spec.query}) as suite_rows"
        if since is None:
            return _numpy_nulls(con.execute(query).df())
        return _numpy_nulls(con.execute(query + " where landed_at >= ?", [since]).df())
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckError(f"suite '{spec.name}': cannot read its data from {warehouse}: {first}") from exc
    finally:
        con.close()


def _numpy_nulls(frame):
    """Replace pandas' masked dtypes (DuckDB gives `Int32` etc. to columns holding NULLs) by numpy ones.

    GX's pandas metrics compare values with plain operators; on a masked column a
    NULL is `pd.NA` and the comparison raises "boolean value of NA is ambiguous"
    instead of counting the row. Integers become float64 (NULL -> NaN; exact
    below 2**53), booleans object (NULL -> None).
    """
    import pandas as pd

    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and hasattr(dtype, "numpy_dtype"):
            if dtype.kind == "b":
                frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
            elif dtype.kind in "iuf":
                frame[name] = frame[name].astype("float64")
    return frame


def _remove_stale(context, results_dir: Path, keep: set[str]) -> None:
    """Delete validation definitions, suites and result files of suites no longer defined."""
    for path in results_dir.glob("*.json"):
        if path.stem not in keep:
            path.unlink(missing_ok=True)
    # Through the store's keys: a stale definition whose asset is gone no longer deserializes,
    # so `validation_definitions.all()` silently skips it (and `.delete(name)` cannot load it).
    store = context.validation_definition_store
    for key in list(store.list_keys()):
        if str(key.to_tuple()[0]) not in keep:
            store.remove_key(key)
    for suite in list(context.suites.all()):
        if suite.name not in keep:
            context.suites.delete(suite.name)


def _prune_runs(base: Path, keep_runs: int) -> None:
    """Keep the newest `keep_runs` runs per suite under `base` (`<suite>/<run_name>/<run_time>/`)."""
    if not base.is_dir():
        return
    for suite_dir in base.iterdir():
        if not suite_dir.is_dir():
            continue
        runs = sorted(  # run_time directories are ISO-like (20250101T000000.000000Z): they sort by time
            (run_time.name, run_time)
            for run_name in suite_dir.iterdir()
            if run_name.is_dir()
            for run_time in run_name.iterdir()
            if run_time.is_dir()
        )
        for _, old in runs[: max(len(runs) - keep_runs, 0)]:
            shutil.rmtree(old, ignore_errors=True)


def _build_docs(context, quality_dir: Path, run_id, built: list[tuple[str, Any]]) -> dict[str, str]:
    """Build Data Docs: only this run's pages (plus the index) when the site exists, else all of it.

    A full rebuild renders every stored run again (~30 ms a run and suite);
    the incremental one keeps the cost flat as history grows.
    """
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    site = quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site"
    if not (site / "index.html").is_file():
        return context.build_data_docs()
    identifiers: list[Any] = []
    for name, batch_id in built:
        suite_id = ExpectationSuiteIdentifier(name=name)
        identifiers.append(suite_id)
        identifiers.append(
            ValidationResultIdentifier(
                expectation_suite_identifier=suite_id, run_id=run_id, batch_identifier=batch_id
            )
        )
    # stored runs without a page yet (earlier runs with build_docs=False): the index links them
    for key in context.validation_results_store.list_keys():
        parts = [str(p) for p in key.to_tuple()]
        if not (site / "validations" / Path(*parts[:-1]) / f"{parts[-1]}.html").is_file():
            identifiers.append(key)
    return context.build_data_docs(resource_identifiers=identifiers)


def _file_url_to_path(url: str) -> Path:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(url)


# ---------------------------------------------------------------------------
# turning GX results into outcomes
# ---------------------------------------------------------------------------


def _result_format(spec: MartSuite) -> str | dict[str, Any]:
    """SUMMARY; for a per-session suite also the session of each failing row (up to SESSION_SAMPLE)."""
    if not spec.per_session:
        return RESULT_FORMAT
    return {
        "result_format": RESULT_FORMAT,
        "unexpected_index_column_names": [SESSION_KEY],
        "partial_unexpected_count": SESSION_SAMPLE,
    }


def _failing_sessions(r) -> tuple[str, ...]:
    rows = (getattr(r, "result", None) or {}).get("partial_unexpected_index_list") or []
    found = {row.get(SESSION_KEY) for row in rows if isinstance(row, dict)}
    return tuple(sorted(str(s) for s in found if s is not None))


def _outcome(suite: str, r) -> ExpectationOutcome:
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
            return text[len("Error: "):] if text.startswith("Error: ") else text
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


# ---------------------------------------------------------------------------
# files and noise
# ---------------------------------------------------------------------------


def _write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to `path`, replacing it in one rename (classchat.files)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8")


class _quiet_gx:
    """Silence GX's loggers and warnings for the duration of a run (CLI output stays clean)."""

    _LOGGERS = ("great_expectations", "great_expectations.core", "great_expectations.data_context")

    def __enter__(self):
        self._levels = {}
        for name in self._LOGGERS:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.ERROR)
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", module=r"great_expectations(\..*)?$")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return self

    def __exit__(self, *exc):
        self._warnings.__exit__(*exc)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)
        return False


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


def check_outcome(warehouse: Path, quality_dir: Path, since: datetime | None = None) -> CheckOutcome:
    """run_checks, reduced to a CheckOutcome: the entry point of a checker process."""
    report = run_checks(warehouse, quality_dir, since=since)
    return CheckOutcome(
        report.success, report.failure_message(), report.rows(), report.summary_lines(), report.failing_sessions()
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

        self._proc = subprocess.Popen([sys.executable, "-m", "classchat.expectations.serve"], stdin=subprocess.PIPE)

    def run(self, warehouse: Path, quality_dir: Path, since: datetime | None = None) -> CheckOutcome:
        import pickle

        with tempfile.TemporaryDirectory() as tmp:
            answer = Path(tmp) / "outcome.pickle"
            request = {"warehouse": Path(warehouse), "quality_dir": Path(quality_dir), "since": since, "answer": answer}
            self._proc.communicate(pickle.dumps(request))
            if not answer.exists():
                raise CheckError(f"the checker process ended without an answer (exit status {self._proc.returncode})")
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

