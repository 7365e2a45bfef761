"""Run the mart suites against the warehouse and report the outcome.

This module owns *how* the checks run: for each `MartSuite` of
`expectations.suites` it reads the suite's rows from the DuckDB warehouse
(read-only, through `batches.SuiteReader`: whole, or for a large per-session
suite in bounded batches of whole sessions whose results are merged exactly),
validates them with Great Expectations 1.x through a pandas data source and a
whole-dataframe batch definition, and collects the outcome in a
`CheckReport` (`results`). The GX file context lives in `<quality_dir>/gx` and is updated
idempotently on every run (data source, suites and validation definitions
are kept when they match, else added or updated; suites no longer defined
are removed; the stored validation history is pruned). It writes each
suite's result JSON to `<quality_dir>/results/<suite>.json` and a summary to
`<quality_dir>/latest.json` (both atomically), and optionally builds Data
Docs (rewritten to load nothing from the network: `offline_docs`). It never
writes to the warehouse: `CheckReport.rows()` hands the per-expectation rows
to the pipeline, which stores them. Great Expectations
is imported lazily inside `run_checks` (the import costs seconds), with its
usage statistics, progress bars and log noise switched off. Running the
checks in a separate process is `checker`'s.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from classchat.expectations import batches as _batches
from classchat.expectations.batches import (
    ROW_COUNT,
    ROW_WISE,
    UNIQUENESS,
    Batch,
    SuiteReader,
    expectation_columns,
    expectation_key,
    merge_row_wise,
    recount,
)
from classchat.expectations.offline_docs import make_offline
from classchat.expectations.results import (
    SESSION_KEY,
    CheckError,
    CheckReport,
    ExpectationOutcome,
    SuiteResult,
    outcome,
)
from classchat.expectations.suites import SUITES, MartSuite
from classchat.files import atomic_path

__all__ = ["CheckError", "CheckReport", "ExpectationOutcome", "SuiteResult", "run_checks"]

DATASOURCE_NAME = "classchat_marts"
SPARK_DATASOURCE_NAME = "classchat_marts_spark"
RUN_NAME = "classchat"
KEEP_RUNS = 20  # validation runs kept per suite in the GX store (and so in Data Docs)
RESULT_FORMAT = "SUMMARY"
SUMMARY_SAMPLE = 20  # GX's partial_unexpected_count in SUMMARY
SESSION_SAMPLE = 1000  # failing rows looked at to name the sessions of a per-session failure
_columns_used = _batches.columns_used


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
    spark: Any = None,
) -> CheckReport:
    """Validate every mart suite against `warehouse`; write results under `quality_dir`.

    With `spark` (a SparkSession holding the marts of `classchat build --engine spark`), the suites
    validate Spark's marts through GX's Spark data source instead (expectations.spark_reader);
    `warehouse` is still the DuckDB file the pipeline stores the results in.

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
        if spark is None:
            try:  # kept between runs, with its assets: the stored validation definitions point at them
                datasource = context.data_sources.get(DATASOURCE_NAME)
            except KeyError:
                datasource = context.data_sources.add_pandas(name=DATASOURCE_NAME)
        else:
            from classchat.expectations.spark_reader import SparkSuiteReader

            datasource = context.data_sources.add_or_update_spark(name=SPARK_DATASOURCE_NAME)

        suite_results: list[SuiteResult] = []
        built: list[tuple[str, Any, bool]] = []  # (suite, batch id, suite changed) of this run, for Data Docs
        for spec in suites:
            expected = spec.build_suite()
            columns = _columns_used(expected)
            if spec.per_session and columns and SESSION_KEY not in columns:
                columns.append(SESSION_KEY)
            reader = (
                SuiteReader(warehouse, spec, since if spec.scoped else None, columns) if spark is None
                else SparkSuiteReader(spark, spec, columns)
            )
            with reader:
                total, parts = reader.plan(_batches.BATCH_ROWS) if spec.per_session else (0, [])
                try:
                    batch_definition, gx_suite, validation, suite_changed = _definitions(
                        gx, context, datasource, spec.name, expected
                    )
                    if len(parts) > 1:
                        result = _validate_in_batches(
                            context,
                            spec,
                            reader,
                            parts,
                            total,
                            validation,
                            batch_definition,
                            gx_suite,
                            run_id,
                        )
                        n_rows = total
                    else:
                        frame = reader.frame()
                        n_rows = len(frame) if spark is None else frame.count()
                        result = validation.run(
                            batch_parameters={"dataframe": frame},
                            result_format=_result_format(spec),
                            run_id=run_id,
                        )
                        del frame
                except CheckError:
                    raise
                except Exception as exc:  # GX itself broke (a failed expectation never raises)
                    raise CheckError(f"suite '{spec.name}': Great Expectations failed: {exc}") from exc
            built.append((spec.name, result.batch_id, suite_changed))
            result_dict = result.to_json_dict()
            result_file = results_dir / f"{spec.name}.json"
            _write_json_atomic(result_file, result_dict)
            suite_results.append(
                SuiteResult(
                    name=spec.name,
                    n_rows=n_rows,
                    outcomes=tuple(outcome(spec.name, r) for r in result.results),
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
                make_offline(quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site")
                index = sites.get("local_site")
                report.data_docs = _file_url_to_path(index) if index else None
            except Exception as exc:  # Data Docs are an extra (STACK.md): never fail the checks on them
                report.data_docs_error = f"{type(exc).__name__}: {exc}"
            _prune_runs(gx_root / "data_docs" / "local_site" / "validations", keep_runs=KEEP_RUNS)

    report.duration_seconds = time.perf_counter() - started
    _write_json_atomic(quality_dir / "latest.json", report.to_dict())
    return report


def _definitions(gx, context, datasource, name: str, expected):
    """The batch definition, stored suite and validation definition of suite `name`, and whether
    the suite changed: what the GX store already holds when it matches, else added or updated.

    `add_or_update` of a suite compares expectation by expectation (about 60 ms a suite, 0.8 s a
    run) and a new asset invalidates the stored validation definition (0.5 s a run), though from
    one run to the next nothing changes unless classchat's suites did. So the stored suite is
    used when it equals `expected` (ids aside), and the stored validation definition when it
    joins exactly this batch definition and suite.
    """
    try:
        asset = datasource.get_asset(name)
    except LookupError:
        asset = datasource.add_dataframe_asset(name=name)
    try:
        batch_definition = asset.get_batch_definition(name)
    except (KeyError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe(name=name)
    stored = _stored(context.suites.get, name)
    suite_changed = stored is None or _without_ids(stored.to_json_dict()) != _without_ids(expected.to_json_dict())
    gx_suite = context.suites.add_or_update(expected) if suite_changed else stored
    validation = None if suite_changed else _stored(context.validation_definitions.get, name)
    if (
        validation is None
        or validation.suite.id != gx_suite.id
        or validation.batch_definition.id != batch_definition.id
    ):
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=gx_suite)
        )
    return batch_definition, gx_suite, validation, suite_changed


def _stored(get, name: str):
    """`get(name)` from a GX store, or None when it holds nothing (or nothing readable) by that name.

    Anything unreadable (a definition whose asset is gone, a hand-edited file) is simply written
    again by the caller, so any error here means "not stored".
    """
    try:
        return get(name)
    except Exception:  # noqa: BLE001 - see above: the caller stores a fresh one
        return None


def _without_ids(value):
    """A suite's JSON without the ids GX assigns on storing it (they differ from `expected`'s)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _validate_in_batches(
    context,
    spec: MartSuite,
    reader: SuiteReader,
    parts: Sequence[Batch],
    total: int,
    validation,
    batch_definition,
    gx_suite,
    run_id,
):
    """Validate a suite batch by batch and merge the results into what one validation of the whole
    frame gives (see `batches`); the merged result replaces the stored one of the first batch."""
    import pandas as pd
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    fmt = _result_format(spec)
    sample = fmt["partial_unexpected_count"] if isinstance(fmt, dict) else SUMMARY_SAMPLE
    spans = reader.spans_sessions_later(
        [
            c
            for c in (
                expectation_columns(e) for e in gx_suite.expectations if e.expectation_type in UNIQUENESS
            )
            if SESSION_KEY not in c
        ]
    )
    runs = []
    for i, (_, frame) in enumerate(reader.batches(parts)):
        if i == 0:  # through the validation definition: the stored result, meta and run id
            runs.append(
                validation.run(batch_parameters={"dataframe": frame}, result_format=fmt, run_id=run_id)
            )
        else:
            batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
            runs.append(batch.validate(gx_suite, result_format=fmt))
        del frame
    first = runs[0]
    by_key = [{expectation_key(r): r for r in run.results} for run in runs]
    expectations = {e.id: e for e in gx_suite.expectations}

    def whole(expectation, frame):
        return batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
            expectation, result_format=fmt
        )

    for pos, r in enumerate(first.results):
        config = r.expectation_config
        key = expectation_key(r)
        kind, columns = config.type, expectation_columns(config.kwargs)
        parts_of = [m[key] for m in by_key]
        raised = next((p for p in parts_of if (p.exception_info or {}).get("raised_exception")), None)
        if kind in ROW_COUNT:  # on a frame of the whole row count and no columns
            first.results[pos] = whole(expectations[config.id], pd.DataFrame(index=pd.RangeIndex(total)))
        elif raised is not None and kind in ROW_WISE | UNIQUENESS:
            first.results[pos] = raised
        elif kind in ROW_WISE or (
            kind in UNIQUENESS and (SESSION_KEY in columns or not spans[tuple(columns)]())
        ):
            r.success, r.result = merge_row_wise(parts_of, sample)
        else:  # not mergeable: on a whole frame of its own columns
            keep = [c for c in dict.fromkeys([*columns, SESSION_KEY]) if c in reader.available]
            projection = ", ".join('"' + c.replace('"', '""') + '"' for c in keep) or None
            frame = reader.frame(projection=projection)
            first.results[pos] = whole(expectations[config.id], frame)
            del frame
    recount(first)
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=spec.name),
        run_id=run_id,
        batch_identifier=first.batch_id,
    )
    context.validation_results_store.set(key, first)
    return first


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


def _build_docs(context, quality_dir: Path, run_id, built: list[tuple[str, Any, bool]]) -> dict[str, str]:
    """Build Data Docs: only this run's pages (plus the index, and the page of a changed suite)
    when the site exists, else all of it.

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
    for name, batch_id, suite_changed in built:
        suite_id = ExpectationSuiteIdentifier(name=name)
        if suite_changed or not (site / "expectations" / f"{name}.html").is_file():
            identifiers.append(suite_id)  # a suite's page changes only with the suite
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
