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
  - the report's first page render (Streamlit AppTest, session page);
  - with --spark: `classchat build --engine spark` (every model on Spark, its data tests, and the copy of
    Spark's tables into the DuckDB warehouse), once, last.
Steps that take under 10 s are run --repeat times (default 3) and the median is reported (the +1 lecture
run adds a new lecture each time). The full build's slowest dbt nodes (target/run_results.json) are listed
under the table. With --check-scale, full checks also run on the largest size's warehouse replicated k
times (every session copied under new ids, counts scaled to match; the checks' memory and time at k
times the messages, without building that corpus).
Not part of the test run. Usage:
    .venv/bin/python bench/run.py [--sizes 250000,1000000,2000000,4000000] [--repeat 3] [--check-scale 2,4]
                                  [--spark] [--out bench/results.md]
"""

from __future__ import annotations

import argparse
import json
import os
import re
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


def median_of(repeat: int, run) -> tuple:
    """Run `run()` (returning a tuple whose first item is seconds) once; if that took under 10 s,
    `repeat` times in all, and return the run with the median seconds."""
    runs = [run()]
    if runs[0][0] < 10:
        runs += [run() for _ in range(repeat - 1)]
    return sorted(runs, key=lambda r: r[0])[len(runs) // 2]


def slowest_nodes(data: Path, n: int = 6, target: str = "target") -> str:
    """The n slowest dbt nodes of the last build in `data` (seconds), from <target>/run_results.json."""
    path = data / ".dbt" / target / "run_results.json"
    if not path.exists():
        return ""
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    top = sorted(results, key=lambda r: -r["execution_time"])[:n]
    return ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}" for r in top)


REPLICATE = r"""
import duckdb, sys
con = duckdb.connect(sys.argv[1])
k = int(sys.argv[2])
copies = f"(select unnest(range(1, {k})) as c)"
con.execute(f"insert into messages select t.* replace (t.session_id || '~' || c as session_id, "
            f"substr(md5(t.session_id || '~' || c || '/' || t.seq), 1, 16) as message_id) from messages as t, {copies}")
for table in ("sessions", "session_minutes"):
    con.execute(f"insert into {table} select t.* replace (t.session_id || '~' || c as session_id) "
                f"from {table} as t, {copies}")
for table, cols in (("users", ("n_sessions", "n_messages", "n_questions", "n_answers")),
                    ("courses", ("n_sessions", "n_messages", "n_questions", "n_unanswered_questions"))):
    have = {r[0] for r in con.execute(f"describe {table}").fetchall()}
    con.execute(f"update {table} set " + ", ".join(f"{c} = {c} * {k}" for c in cols if c in have))
print(con.execute("select count(*) from messages").fetchall()[0][0])
con.close()
""".strip()


def scaled_checks(data: Path, work: Path, k: int, repeat: int) -> dict:
    """Full checks on `data`'s warehouse replicated k times, in a data directory of its own."""
    scaled = work / f"scaled{k}"
    (scaled / "lake").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(data / "warehouse.duckdb", scaled / "warehouse.duckdb")
    _, _, out, _ = timed([PY, "-c", REPLICATE, str(scaled / "warehouse.duckdb"), str(k)])
    env = dict(os.environ, CLASSCHAT_DATA_DIR=str(scaled))
    s, mb, _, _ = median_of(repeat, lambda: timed([*CLASSCHAT, "check"], env))
    shutil.rmtree(scaled, ignore_errors=True)
    return {"messages": int(out.strip().splitlines()[-1]), "check_s": s, "check_mb": mb}


def corpus(root: Path, n_messages: int) -> tuple[int, int]:
    """Write about n_messages in 1,000-message plain exports; return (lines, bytes)."""
    sys.path.insert(0, str(ROOT))
    from classchat.demo import write_demo

    files = max(1, n_messages // 1000)
    courses = max(1, files // 100)
    # chats only: the one-liner and the bare split read the same .txt files (no participants reports)
    write_demo(root, courses=courses, sessions=files // courses, messages=1000, seed=11, attendance=False)
    (root / "raw" / "roster.csv").unlink()  # identity per course: the same work at every size
    lines = size = 0
    for p in (root / "raw").rglob("*.txt"):
        data = p.read_bytes()
        lines += data.count(b"\n")
        size += len(data)
    return lines, size


def bench(n: int, work: Path, repeat: int, scales: list[int], spark: bool = False) -> dict:
    data = work / f"n{n}"
    lines, size = corpus(data, n)
    # a cache of its own: the full build below is the first of this model version, unit tests included
    env = dict(os.environ, CLASSCHAT_DATA_DIR=str(data), CLASSCHAT_CACHE_DIR=str(work / f"cache{n}"))
    row: dict = {"messages": lines, "files": sum(1 for _ in (data / "raw").rglob("*.txt")), "mb": size / 1e6}
    script = BASELINE.replace("RAW", str(data / "raw")).replace("OUT", str(work / "baseline.parquet"))
    row["baseline_s"], row["baseline_mb"], _, row["baseline_cpu"] = median_of(repeat, lambda: timed([PY, "-c", script]))
    bare = BARE_POLARS.replace("RAW", str(data / "raw")).replace("OUT", str(work / "bare.parquet"))
    row["bare_s"], _, _, row["bare_cpu"] = median_of(repeat, lambda: timed([PY, "-c", bare]))

    def ingest() -> tuple:
        shutil.rmtree(data / "lake", ignore_errors=True)  # every repeat lands the whole corpus
        return timed([*CLASSCHAT, "ingest"], env)

    row["ingest_s"], row["ingest_mb"], _, row["ingest_cpu"] = median_of(repeat, ingest)
    row["build_s"], row["build_mb"], _, _ = timed([*CLASSCHAT, "build", "--full-refresh"], env)
    row["slowest"] = slowest_nodes(data)
    row["check_s"], row["check_mb"], _, _ = median_of(repeat, lambda: timed([*CLASSCHAT, "check"], env))
    lecture = next((data / "raw").rglob("*.txt"))
    added = iter(range(1, 100))

    def one_more_lecture() -> tuple:
        k = next(added)
        extra = lecture.parent / f"2030-01-{k:02d}_one-more-lecture.txt"
        extra.write_text(lecture.read_text(encoding="utf-8").replace(" : ", f" : +{k}", 1), encoding="utf-8")
        return timed([*CLASSCHAT, "run"], env)

    row["incremental_s"], row["incremental_mb"], out, _ = median_of(repeat, one_more_lecture)
    row["incremental_split"] = incremental_split(out, data, row["incremental_s"])
    report = [PY, "-c", REPORT, str(data), str(ROOT / "reports" / "app.py")]
    row["report_s"] = median_of(repeat, lambda: (float(timed(report)[2].strip().splitlines()[-1]),))[0]
    row["scaled"] = [scaled_checks(data, work, k, repeat) for k in scales]
    if spark:
        row["spark_s"], row["spark_mb"], _, _ = timed([*CLASSCHAT, "build", "--engine", "spark"], env)
        row["spark_slowest"] = slowest_nodes(data, target="target-spark")
    shutil.rmtree(data, ignore_errors=True)
    return row


def incremental_split(out: str, data: Path, total: float) -> str:
    """Where the seconds of a `classchat run` went, from its own output lines and dbt's run_results.json:
    ingest, dbt (its nodes, and the rest: start, parse, the scratch copy), checks, and what is left
    (interpreter start, imports, the swap and provenance)."""
    def seconds(pattern: str) -> float:
        found = re.search(pattern, out)
        return float(found.group(1)) if found else 0.0

    ingest = seconds(r"ingest: .* in ([0-9.]+) s")
    build = seconds(r"build \((?:incremental|full)\): .* in ([0-9.]+) s")
    check = seconds(r"check: results in .* \(([0-9.]+) s\)")
    results = data / ".dbt" / "target" / "run_results.json"
    nodes = json.loads(results.read_text(encoding="utf-8")).get("elapsed_time", 0.0) if results.exists() else 0.0
    return (
        f"ingest {ingest:.1f}, dbt {build:.1f} (nodes {nodes:.1f}, start and the rest {build - nodes:.1f}), "
        f"checks {check:.1f}, other {total - ingest - build - check:.1f}"
    )


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


def notes(rows: list[dict]) -> str:
    lines = [f"- slowest dbt nodes of the full build at {r['messages']:,} messages (s): {r['slowest']}" for r in rows]
    lines += [f"- the +1 lecture run at {r['messages']:,} messages (s): {r['incremental_split']}" for r in rows]
    lines += [
        f"- Spark (`classchat build --engine spark`, local[2]) at {r['messages']:,} messages: {r['spark_s']:.0f} s "
        f"against DuckDB's {r['build_s']:.0f} s; slowest nodes (s): {r['spark_slowest']}"
        for r in rows if "spark_s" in r
    ]
    for r in rows:
        lines += [
            f"- full checks on the {r['messages']:,}-message warehouse replicated to {s['messages']:,} messages: "
            f"{s['check_s']:.1f} s, peak {s['check_mb']:.0f} MB"
            for s in r["scaled"]
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250000,1000000,2000000,4000000", help="messages per corpus, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step under 10 s (the median is reported)")
    parser.add_argument("--check-scale", default="", help="full checks on the largest warehouse replicated k times, "
                        "comma-separated k (e.g. 2,4)")
    parser.add_argument("--spark", action="store_true", help="also time the full build on Spark (classchat[spark], Java)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.md"), help="where to write the table")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    scales = [int(x) for x in args.check_scale.split(",") if x]
    rows = []
    with tempfile.TemporaryDirectory(prefix="classchat-bench-") as tmp:
        for n in sizes:
            print(f"bench: {n:,} messages ...", file=sys.stderr, flush=True)
            rows.append(bench(n, Path(tmp), args.repeat, scales if n == max(sizes) else [], args.spark))
            print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    machine = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    text = (
        f"{table(rows)}\n\n{notes(rows)}\n\nMachine: {machine}; Python {sys.version.split()[0]}; "
        f"{time.strftime('%Y-%m-%d')}; medians of {args.repeat} runs for steps under 10 s.\n"
    )
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
