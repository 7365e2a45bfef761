"""The `classchat` command: argument parsing and exit codes, nothing else.

Each subcommand maps to one function of `classchat.pipeline` (or the demo
and report launchers). Exit status is 0 on success and 1 with a one-line
reason on stderr when a stage fails; 2 for bad arguments (argparse).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from classchat import __version__
from classchat.config import REPORTS_DIR, Paths, get_paths, offline_environment
from classchat.pipeline import StageError, prepare_readers, run_all, run_stages


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _out(msg: str) -> None:
    print(msg, flush=True)


def build_parser() -> argparse.ArgumentParser:
    from classchat.ingest.layouts import LAYOUTS

    # SUPPRESS: an option given before the command is not reset by the command's own parser
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        help="data directory (default: $CLASSCHAT_DATA_DIR, else ./data)",
    )
    common.add_argument(
        "--privacy",
        choices=["named", "pseudonymous"],
        default=argparse.SUPPRESS,
        help="show names, or stable pseudonyms instead (default: $CLASSCHAT_PRIVACY, else named)",
    )
    parser = argparse.ArgumentParser(
        prog="classchat",
        description="A tested data warehouse for the chat of online classes.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"classchat {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    layouts = ", ".join(f"{name} ({layout.description})" for name, layout in LAYOUTS.items())
    # a declared layout (raw/layouts.toml) is a choice too: main() checks the name once the data directory is known
    formats = dict(
        metavar="LAYOUT",
        help=f"read every file as this layout instead of detecting it: {layouts}; "
        "or one declared in raw/layouts.toml (`classchat layouts` lists them all)",
    )
    refresh = dict(action="store_true", help="rebuild every model from the whole lake instead of adding new sessions")
    engine = dict(
        choices=("duckdb", "spark"), default="duckdb",
        help="build on DuckDB (default), or on Apache Spark (pip install 'classchat[spark]', Java 17): every "
        "model on Spark, then its tables copied into the DuckDB warehouse that the checks and the report read",
    )
    prune = dict(action="store_true", help="drop landed exports whose file is gone from raw/ (and their sessions)")
    shorter = dict(
        action="store_true",
        help="let a re-export that is shorter than, or not an extension of, the landed file replace it",
    )
    p = sub.add_parser("run", parents=[common], help="ingest new or changed files, build, check (the main job)")
    p.add_argument("--format", **formats)
    p.add_argument("--full-refresh", **refresh)
    p.add_argument("--engine", **engine)
    p.add_argument("--prune", **prune)
    p.add_argument("--accept-shorter", **shorter)
    p.add_argument("-v", "--verbose", action="store_true", help="show dbt's own log")
    p = sub.add_parser("ingest", parents=[common], help="land raw exports as Parquet in the lake")
    p.add_argument("--format", **formats)
    p.add_argument("--prune", **prune)
    p.add_argument("--accept-shorter", **shorter)
    p.add_argument(
        "--verify", action="store_true",
        help="also check every lake data file against the sha256 recorded when it was written",
    )
    p.add_argument(
        "--rebuild", action="store_true",
        help="forget the lake and land everything in raw/ again (exports no longer in raw/ are dropped)",
    )
    p.add_argument(
        "--explain", metavar="FILE",
        help="show how each line of FILE (a path, or a path below raw/) is read, and which layout won with "
        "what score; lands nothing (with --format: read it as that layout)",
    )
    p.add_argument("--lines", type=int, metavar="N", help="with --explain: show the first N lines (default 40; 0 = all)")
    p = sub.add_parser("build", parents=[common], help="build the warehouse with dbt (models and tests)")
    p.add_argument("--full-refresh", **refresh)
    p.add_argument("--engine", **engine)
    p.add_argument("-v", "--verbose", action="store_true", help="show dbt's own log")
    sub.add_parser("check", parents=[common], help="validate the marts with Great Expectations")
    p = sub.add_parser("report", parents=[common], help="start the Streamlit report on the warehouse")
    p.add_argument("--port", type=int, default=8501, help="port on 127.0.0.1 (default 8501)")
    p = sub.add_parser("demo", parents=[common], help="write generated courses, run everything, open the report")
    p.add_argument("--courses", type=int, default=2, help="courses to generate (default 2)")
    p.add_argument("--sessions", type=int, default=3, help="sessions per course (default 3)")
    p.add_argument("--messages", type=int, default=150, help="messages per session, about (default 150)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--layout", choices=sorted(LAYOUTS), default="plain", help="export layout to write (default plain)")
    p.add_argument("--no-report", action="store_true", help="do not start the report at the end")
    p.add_argument("--port", type=int, default=8501, help="report port on 127.0.0.1 (default 8501)")
    p = sub.add_parser(
        "export", parents=[common], help="write a self-contained HTML report of a course or session for staff"
    )
    p.add_argument("--course", required=True, help="the course id (its folder under raw/)")
    p.add_argument("--session", help="a session id of the course (default: the whole course)")
    p.add_argument("--out", help="output file (default: <data-dir>/exports/<course or session>.html)")
    p = sub.add_parser(
        "query", parents=[common], help="run a named SQL query (or --sql) on the warehouse, read-only"
    )
    p.add_argument("name", nargs="?", help="the query's name (see --list)")
    p.add_argument("--list", action="store_true", help="list the named queries with their parameters")
    p.add_argument("--sql", help="run this SQL instead of a named query (read-only, no file access)")
    p.add_argument("--param", action="append", default=[], metavar="K=V", help="a query parameter (repeatable)")
    p.add_argument("--format", choices=["table", "csv", "json", "parquet"], default="table", help="output format")
    p.add_argument("--out", help="write the result to this file (required for parquet)")
    from classchat.reports.limits import LIMITS

    p.add_argument(
        "--timeout", type=_seconds, default=LIMITS.timeout_s, metavar="S",
        help=f"stop the query after S seconds (default {LIMITS.timeout_s:g}; 0 = no limit)",
    )
    p.add_argument(
        "--memory-limit", default=LIMITS.memory_limit, metavar="SIZE",
        help=f"memory the query may use, e.g. 500MB, 4GB (default {LIMITS.memory_limit}; no spilling)",
    )
    p.add_argument(
        "--max-rows", type=_rows, default=LIMITS.max_rows, metavar="N",
        help=f"keep at most N rows, say so on stderr if cut (default {LIMITS.max_rows:,}; 0 = all)",
    )
    sub.add_parser("docs", parents=[common], help="build dbt's docs and the checks' Data Docs into the data dir")
    sub.add_parser(
        "layouts", parents=[common],
        help="list the export layouts ingest reads, built-in and declared in raw/layouts.toml, an example each",
    )
    return parser


def _seconds(text: str) -> float | None:
    """`--timeout`: seconds above 0, or 0 for no limit."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give seconds above 0, or 0 for no limit")
    return value or None


def _rows(text: str) -> int | None:
    """`--max-rows`: a whole number of rows, or 0 for no cap."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of rows") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of rows, or 0 for no cap")
    return value or None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = get_paths(getattr(args, "data_dir", None))
    offline_environment(paths.data_dir)
    # --privacy holds for this command (and the report it starts), not for the rest of the process:
    # a caller running several commands in one process (the tests, a notebook) gets its own mode back
    previous = os.environ.get("CLASSCHAT_PRIVACY")
    if getattr(args, "privacy", None):
        os.environ["CLASSCHAT_PRIVACY"] = args.privacy
    try:
        return _main(parser, args, paths)
    finally:
        if previous is None:
            os.environ.pop("CLASSCHAT_PRIVACY", None)
        else:
            os.environ["CLASSCHAT_PRIVACY"] = previous


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace, paths: Paths) -> int:
    if args.command == "query" and not (args.list or args.sql or args.name):
        parser.error("query: give a query NAME, --list, or --sql")
    if args.command in ("run", "ingest") and args.format is not None:
        _check_format(parser, args.format, paths)
    try:
        return _dispatch(args, paths)
    except (StageError, ValueError, FileNotFoundError) as exc:
        _err(f"classchat {args.command}: {exc}")
        return 1
    except KeyboardInterrupt:
        _err(f"classchat {args.command}: interrupted; the lake and warehouse are as they were before the stage")
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # permissions, a read-only or full disk: what failed, where, and that nothing was published
        where = f" ({exc.filename})" if exc.filename else ""
        _err(
            f"classchat {args.command}: {exc.strerror or exc}{where}; "
            "the lake and warehouse are as they were before the stage"
        )
        return 1


def _check_format(parser: argparse.ArgumentParser, name: str, paths: Paths) -> None:
    """--format names a built-in layout or one raw/layouts.toml declares (argparse's error and exit 2 if not)."""
    from classchat.ingest.layouts import LAYOUTS

    if name in LAYOUTS:
        return
    from classchat.ingest.user_layouts import load_layouts

    try:
        known = load_layouts(paths.raw)
    except ValueError:
        return  # a bad raw/layouts.toml: the stage says what is wrong with it, in one line
    if name not in known:
        parser.error(f"argument --format: invalid choice: {name!r} (choose from {', '.join(known)})")


def _explain(args: argparse.Namespace, paths: Paths) -> None:
    """`classchat ingest --explain FILE [--lines N]`: how the real parser reads FILE; lands nothing, takes no lock."""
    from classchat.ingest.explain import DEFAULT_LINES, explain

    others = [opt for opt, on in (("--prune", args.prune), ("--accept-shorter", args.accept_shorter),
                                  ("--verify", args.verify), ("--rebuild", args.rebuild)) if on]
    if others:
        raise ValueError(f"--explain lands nothing; it does not go with {', '.join(others)}")
    if args.lines is not None and args.lines < 0:
        raise ValueError(f"--lines {args.lines}: give a number of lines, or 0 for all")
    for line in explain(paths, args.explain, lines=DEFAULT_LINES if args.lines is None else args.lines,
                        layout=args.format):
        _out(line)


def _dispatch(args: argparse.Namespace, paths: Paths) -> int:
    cmd = args.command
    if cmd in ("report", "export") or (cmd == "query" and not args.list):
        prepare_readers(paths, say=_err)
    if cmd == "run":
        run_all(
            paths, layout=args.format, full_refresh=args.full_refresh, prune=args.prune,
            accept_shorter=args.accept_shorter, engine=args.engine, verbose=args.verbose, say=_out,
        )
    elif cmd == "ingest" and args.explain:
        _explain(args, paths)
    elif cmd == "ingest":
        if args.lines is not None:
            raise ValueError("--lines goes with --explain FILE")
        run_stages(
            paths, "ingest", ingest=True, layout=args.format, prune=args.prune,
            accept_shorter=args.accept_shorter, verify=args.verify, rebuild=args.rebuild, say=_out,
        )
    elif cmd == "build":
        run_stages(
            paths, "build", build=True, full_refresh=args.full_refresh, engine=args.engine, verbose=args.verbose,
            say=_out,
        )
    elif cmd == "check":
        run_stages(paths, "check", check=True, say=_out)
    elif cmd == "report":
        return start_report(paths, args.port)
    elif cmd == "export":
        return export_report(paths, args.course, args.session, args.out)
    elif cmd == "query":
        return run_query_command(paths, args)
    elif cmd == "docs":
        build_docs(paths)
    elif cmd == "layouts":
        from classchat.ingest.explain import layouts_listing

        for line in layouts_listing(paths):
            _out(line)
    elif cmd == "demo":
        from classchat.demo import write_demo

        written = write_demo(
            paths.data_dir, courses=args.courses, sessions=args.sessions, messages=args.messages, seed=args.seed,
            layout=args.layout,
        )
        exports = [p for p in written if p.suffix == ".txt"]
        reports = [p for p in written if p.suffix == ".csv" and p.parent != paths.raw]
        _out(f"demo: wrote {len(exports)} generated chat exports and {len(reports)} attendance reports under {paths.raw}")
        run_all(paths, say=_out)
        if not args.no_report:
            return start_report(paths, args.port)
    return 0


def _latest_run(paths: Paths) -> dict | None:
    from classchat.reports.db import latest_run, warehouse_for

    return latest_run(warehouse_for(paths.warehouse))  # the file the privacy setting allows


def export_report(paths: Paths, course: str, session: str | None, out: str | None) -> int:
    """Write the offline HTML report of a course (or one of its sessions)."""
    from classchat.reports.export import write_export
    from classchat.reports.privacy import Privacy

    if not paths.warehouse.exists():
        raise StageError(f"no warehouse at {paths.warehouse}; run `classchat run` first")
    stem = (session or course).replace("/", "__")
    target = Path(out) if out else paths.data_dir / "exports" / f"{stem}.html"
    written = write_export(
        paths.warehouse, course=course, session=session, privacy=Privacy.for_warehouse(paths.data_dir, paths.warehouse),
        run=_latest_run(paths), out=target,
    )
    _out(f"export: {written} ({written.stat().st_size // 1024} KB)")
    return 0


def run_query_command(paths: Paths, args: argparse.Namespace) -> int:
    """`classchat query`: list, run a named query, or run ad-hoc SQL, all read-only and locked down."""
    from classchat.reports import db, queries
    from classchat.reports.privacy import Privacy

    if args.list:
        _out(queries.list_text())
        return 0
    if not paths.warehouse.exists():
        raise StageError(f"no warehouse at {paths.warehouse}; run `classchat run` first")
    raw: dict[str, str] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--param {item!r}: write it as name=value")
        raw[key.strip()] = value
    limits = db.Limits(
        timeout_s=args.timeout, memory_limit=args.memory_limit, max_rows=args.max_rows,
        threads=db.LIMITS.threads,
    )  # a bad --memory-limit is a ValueError: one line
    privacy = Privacy.for_warehouse(paths.data_dir, paths.warehouse)
    try:
        if args.sql:
            frame = queries.run_sql(paths.warehouse, args.sql, privacy=privacy, limits=limits)
        else:
            frame = queries.run_query(paths.warehouse, args.name, raw, privacy=privacy, limits=limits)
    except db.LimitExceeded as exc:
        raise StageError(str(exc)) from None
    except Exception as exc:  # DuckDB errors: one line, no traceback
        if isinstance(exc, ValueError | StageError):
            raise
        raise StageError(f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    cut = queries.cut_note(frame)
    target = Path(args.out) if args.out else None
    if args.format == "parquet" and target is None:
        raise ValueError("--format parquet needs --out FILE")
    if target is None:
        queries.write_result(frame, args.format, sys.stdout)
    else:
        queries.write_result(frame, args.format, target)
        _out(f"query: {len(frame)} rows -> {target}")
    if cut:  # after the rows, so it is the last line a reader sees; the exit status stays 0
        _err(f"classchat query: {cut}")
    return 0


def build_docs(paths: Paths) -> None:
    """dbt's static docs site and, if the checks have run, where their Data Docs are."""
    from classchat.pipeline import build_docs_site

    if not paths.warehouse.exists():
        raise StageError(f"no warehouse at {paths.warehouse}; run `classchat run` first")
    site = build_docs_site(paths)
    _out(f"docs: dbt docs at {site}")
    gx_docs = paths.quality / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    if gx_docs.exists():
        _out(f"docs: Data Docs of the checks at {gx_docs}")
    else:
        _out("docs: no Data Docs yet; `classchat check` builds them")


def start_report(paths: Paths, port: int) -> int:
    """Run the Streamlit report on 127.0.0.1:port until interrupted (usage statistics off)."""
    if not paths.warehouse.exists():
        raise StageError(f"no warehouse at {paths.warehouse}; run `classchat run` first")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(REPORTS_DIR / "app.py"),
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--browser.serverAddress", "127.0.0.1",
        "--client.toolbarMode", "viewer",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]
    _out(f"report: http://127.0.0.1:{port}  (Ctrl-C to stop)")
    # the server runs in its own process group, so stopping it stops everything it started
    proc = subprocess.Popen(cmd, env=dict(os.environ), start_new_session=True)

    def stop(signum, _frame):
        raise KeyboardInterrupt

    # both stop it, even where SIGINT was inherited as ignored (a background job of a script)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return proc.wait()
    except KeyboardInterrupt:
        _stop_group(proc)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_group(proc: subprocess.Popen, grace: float = 1.5) -> None:
    """SIGTERM to the child's process group; after `grace` seconds SIGKILL to whatever of it is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _release_semaphores() -> None:
    """Unlink the named semaphores dbt's spawn-context locks created (their finalizers would run at a
    normal exit; `os._exit` skips them and Python's resource tracker then warns of leaked semaphores)."""
    util = sys.modules.get("multiprocessing.util")
    run_finalizers = getattr(util, "_run_finalizers", None)
    if run_finalizers is not None:
        with contextlib.suppress(Exception):
            run_finalizers(0)  # the finalizers of priority 0 and up: semaphore clean-up, not pools


def entry() -> None:
    """The `classchat` command: `main`, then exit without tearing the loaded libraries down.

    By then every file a command wrote is closed; logging is flushed here. A
    run with dbt and Polars loaded would otherwise spend ~0.3 s in interpreter
    teardown after its work is done.
    """
    code = main()
    _release_semaphores()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
