"""The `classchat` command: argument parsing and exit codes, nothing else.

Each subcommand maps to one function of `classchat.pipeline` (or the demo
and report launchers). Exit status is 0 on success and 1 with a one-line
reason on stderr when a stage fails; 2 for bad arguments (argparse).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from classchat import __version__
from classchat.config import REPORTS_DIR, Paths, get_paths, offline_environment
from classchat.pipeline import StageError, run_all, run_stages


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _out(msg: str) -> None:
    print(msg, flush=True)


def build_parser() -> argparse.ArgumentParser:
    from ingest.layouts import LAYOUTS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        help="data directory (default: $CLASSCHAT_DATA_DIR, else ./data)",
    )
    parser = argparse.ArgumentParser(
        prog="classchat",
        description="A tested data warehouse for the chat of online classes.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"classchat {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    layouts = ", ".join(f"{name} ({layout.description})" for name, layout in LAYOUTS.items())
    formats = dict(choices=sorted(LAYOUTS), help=f"read every file as this layout instead of detecting it: {layouts}")
    p = sub.add_parser("run", parents=[common], help="ingest new or changed files, build, check (the main job)")
    p.add_argument("--format", **formats)
    p.add_argument("-v", "--verbose", action="store_true", help="show dbt's own log")
    p = sub.add_parser("ingest", parents=[common], help="land raw exports as Parquet in the lake")
    p.add_argument("--format", **formats)
    p = sub.add_parser("build", parents=[common], help="build the warehouse with dbt (models and tests)")
    p.add_argument("-v", "--verbose", action="store_true", help="show dbt's own log")
    sub.add_parser("check", parents=[common], help="validate the marts with Great Expectations")
    p = sub.add_parser("report", parents=[common], help="start the Streamlit report on the warehouse")
    p.add_argument("--port", type=int, default=8501, help="port on 127.0.0.1 (default 8501)")
    p = sub.add_parser("demo", parents=[common], help="write generated courses, run everything, open the report")
    p.add_argument("--courses", type=int, default=2, help="courses to generate (default 2)")
    p.add_argument("--sessions", type=int, default=3, help="sessions per course (default 3)")
    p.add_argument("--messages", type=int, default=150, help="messages per session, about (default 150)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--no-report", action="store_true", help="do not start the report at the end")
    p.add_argument("--port", type=int, default=8501, help="report port on 127.0.0.1 (default 8501)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = get_paths(args.data_dir)
    offline_environment(paths.data_dir)
    try:
        return _dispatch(args, paths)
    except StageError as exc:
        _err(f"classchat {args.command}: {exc}")
        return 1
    except KeyboardInterrupt:
        _err(f"classchat {args.command}: interrupted; the lake and warehouse are as they were before the stage")
        return 130


def _dispatch(args: argparse.Namespace, paths: Paths) -> int:
    cmd = args.command
    if cmd == "run":
        run_all(paths, layout=args.format, verbose=args.verbose, say=_out)
    elif cmd == "ingest":
        run_stages(paths, "ingest", ingest=True, layout=args.format, say=_out)
    elif cmd == "build":
        run_stages(paths, "build", build=True, verbose=args.verbose, say=_out)
    elif cmd == "check":
        run_stages(paths, "check", check=True, say=_out)
    elif cmd == "report":
        return start_report(paths, args.port)
    elif cmd == "demo":
        from classchat.demo import write_demo

        written = write_demo(
            paths.data_dir, courses=args.courses, sessions=args.sessions, messages=args.messages, seed=args.seed
        )
        exports = [p for p in written if p.suffix == ".txt"]
        _out(f"demo: wrote {len(exports)} generated chat exports under {paths.raw}")
        run_all(paths, say=_out)
        if not args.no_report:
            return start_report(paths, args.port)
    return 0


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
    try:
        return subprocess.call(cmd, env=dict(os.environ))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
