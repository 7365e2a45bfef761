"""Benchmarks: classchat against what a user could do instead, at growing sizes, in one run.

Owns the speed figures of the README. For each size it generates a corpus of
plain-layout exports (1,000 messages a file) with classchat's own generator,
then times, each in a fresh process (peak memory and CPU time from the OS):
  - the baseline: DuckDB's read_csv(filename=true) + regexp_extract, written to Parquet;
  - a floor: the barest Polars job over the same files (split lines in three, write Parquet);
  - `classchat ingest` over the same files;
  - `classchat build --full-refresh` (dbt: all models and tests);
  - `classchat check` (Great Expectations, every row);
  - an incremental `classchat run` after one more lecture is added;
  - the report's first page render (Streamlit AppTest, session page).
Not part of the test run. Usage:
    .venv/bin/python bench/run.py [--sizes 250000,1000000,2000000,4000000] [--out bench/results.md]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CLASSCHAT = [PY, "-m", "classchat.cli"]

BASELINE = r"""
import duckdb, sys
con = duckdb.connect()
con.execute(r'''
copy (
  select filename, s.time, s.sender, s.text from (
    select filename, regexp_extract(line, '^(\d{1,2}:\d{2}:\d{2})\t\s*(.+?) : ?(.*)$', ['time','sender','text']) as s
    from read_csv('RAW/*/*.txt', columns={'line': 'VARCHAR'}, delim='\x01', header=false, quote='', escape='',
                  filename=true, auto_detect=false, strict_mode=false)
  )
) to 'OUT' (format parquet, compression zstd)
''')
""".strip()

# The least a Polars loader can do over the same files: split each line at the tab and " : ", write Parquet.
# No layout detection, line accounting, timestamps, hashing or manifest: a floor, not an alternative.
BARE_POLARS = r"""
import glob, polars as pl
line = pl.col("line")
(
    pl.scan_csv(sorted(glob.glob('RAW/*/*.txt')), has_header=False, separator="\x00", quote_char=None,
                schema={"line": pl.String}, include_file_paths="file", empty_string_is_null=False)
    .with_columns(
        line.str.splitn("\t", 2).struct.field("field_0").alias("time"),
        line.str.splitn("\t", 2).struct.field("field_1").str.splitn(" : ", 2).struct.field("field_0").alias("sender"),
        line.str.splitn(" : ", 2).struct.field("field_1").alias("text"),
    )
    .drop("line")
    .sink_parquet('OUT', compression="zstd", compression_level=1)
)
""".strip()

REPORT = r"""
import os, time, sys
os.environ["CLASSCHAT_DATA_DIR"] = sys.argv[1]
from streamlit.testing.v1 import AppTest
t = time.perf_counter()
at = AppTest.from_file(sys.argv[2], default_timeout=300).run()
at.switch_page("views/session.py"); at.run()
assert not at.exception, [e.value for e in at.exception]
print(time.perf_counter() - t)
""".strip()


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, str, float]:
    """(seconds, peak MB, stdout, CPU seconds) of a command run in a fresh process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def corpus(root: Path, n_messages: int) -> tuple[int, int]:
    """Write about n_messages in 1,000-message plain exports; return (lines, bytes)."""
    sys.path.insert(0, str(ROOT))
    from classchat.demo import write_demo

    files = max(1, n_messages // 1000)
    courses = max(1, files // 100)
    write_demo(root, courses=courses, sessions=files // courses, messages=1000, seed=11)
    (root / "raw" / "roster.csv").unlink()  # identity per course: the same work at every size
    lines = size = 0
    for p in (root / "raw").rglob("*.txt"):
        data = p.read_bytes()
        lines += data.count(b"\n")
        size += len(data)
    return lines, size


def bench(n: int, work: Path) -> dict:
    data = work / f"n{n}"
    lines, size = corpus(data, n)
    env = dict(os.environ, CLASSCHAT_DATA_DIR=str(data))
    row: dict = {"messages": lines, "files": sum(1 for _ in (data / "raw").rglob("*.txt")), "mb": size / 1e6}
    script = BASELINE.replace("RAW", str(data / "raw")).replace("OUT", str(work / "baseline.parquet"))
    row["baseline_s"], row["baseline_mb"], _, row["baseline_cpu"] = timed([PY, "-c", script])
    bare = BARE_POLARS.replace("RAW", str(data / "raw")).replace("OUT", str(work / "bare.parquet"))
    row["bare_s"], _, _, row["bare_cpu"] = timed([PY, "-c", bare])
    row["ingest_s"], row["ingest_mb"], _, row["ingest_cpu"] = timed([*CLASSCHAT, "ingest"], env)
    row["build_s"], row["build_mb"], _, _ = timed([*CLASSCHAT, "build", "--full-refresh"], env)
    row["check_s"], row["check_mb"], _, _ = timed([*CLASSCHAT, "check"], env)
    lecture = next((data / "raw").rglob("*.txt"))
    extra = lecture.parent / "2030-01-07_one-more-lecture.txt"
    extra.write_text(lecture.read_text(encoding="utf-8").replace(" : ", " : +", 1), encoding="utf-8")
    row["incremental_s"], row["incremental_mb"], _, _ = timed([*CLASSCHAT, "run"], env)
    _, _, out, _ = timed([PY, "-c", REPORT, str(data), str(ROOT / "reports" / "app.py")])
    row["report_s"] = float(out.strip().splitlines()[-1])
    shutil.rmtree(data, ignore_errors=True)
    return row


def table(rows: list[dict]) -> str:
    head = (
        "| messages | files | MB | DuckDB one-liner s (CPU s) | bare Polars split s (CPU s) | ingest s (CPU s) "
        "| ingest lines/s | ingest MB/s | ingest peak MB | ratio ingest/DuckDB | dbt build s | checks s (peak MB) "
        "| +1 lecture run s | report page s |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    body = [
        f"| {r['messages']:,} | {r['files']:,} | {r['mb']:.0f} | {r['baseline_s']:.2f} ({r['baseline_cpu']:.1f}) "
        f"| {r['bare_s']:.2f} ({r['bare_cpu']:.1f}) | {r['ingest_s']:.2f} ({r['ingest_cpu']:.1f}) "
        f"| {r['messages'] / r['ingest_s']:,.0f} | {r['mb'] / r['ingest_s']:.0f} | {r['ingest_mb']:.0f} "
        f"| {r['ingest_s'] / r['baseline_s']:.2f} | {r['build_s']:.1f} | {r['check_s']:.1f} ({r['check_mb']:.0f}) "
        f"| {r['incremental_s']:.1f} | {r['report_s']:.1f} |"
        for r in rows
    ]
    return "\n".join([head, *body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250000,1000000,2000000,4000000", help="messages per corpus, comma-separated")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.md"), help="where to write the table")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="classchat-bench-") as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            print(f"bench: {n:,} messages ...", file=sys.stderr, flush=True)
            rows.append(bench(n, Path(tmp)))
            print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    machine = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    text = f"{table(rows)}\n\nMachine: {machine}; Python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d')}.\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
