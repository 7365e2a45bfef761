"""Landing: scan `raw/`, parse what is new or changed, and commit it to the Parquet lake atomically.

Owns the lake's files and their bookkeeping. Two threads read and hash the
exports ahead of the parser; new ones are decoded and parsed in batches of
about `BATCH_BYTES`; each batch writes one Parquet file of messages and one
of rejected lines per course, under `lake/{messages,rejects}/course=<partition>/`
(`partition_value`: the course folder's name when it is a safe path segment,
else a slug plus a hash; the real name is the `course_id` column of every
row), on a writer thread while the next batch is parsed. Every row carries
its export's path, sha256, session and course (categorical columns: a code
per row).
`lake/files.parquet` (the manifest, one row per raw file with its status,
encoding, layout and line counts) is the commit point: it is replaced in one
atomic rename after every data file is in place, and the warehouse reads only
rows whose (path, sha256) the manifest names as landed. A crash before that
rename leaves the previous lake in force; files no manifest row names are
removed after the commit (a batch file lives while any of its exports is current).

What counts as a change of a raw file:
- new bytes at a known path land only if they extend what landed (the landed
  bytes are a prefix of the new ones, checked by hashing that prefix); a shorter
  or different re-export keeps the landed version and says so, unless
  `accept_shorter`;
- the same bytes under a new name, whose old name is gone, are a rename: the
  session moves to the new name;
- a landed export gone from raw/ keeps its session until `prune`; records of
  files that never landed (failed, duplicate) disappear with the file;
- anything named *.txt that cannot be read (no permission, a FIFO, a
  directory, a dangling link) is listed as failed with the reason; the other
  files land.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import polars as pl

from classchat.config import Paths
from classchat.files import atomic_path
from classchat.ingest.attendance import AttendanceReport, land_attendance
from classchat.ingest.decode import UnreadableFile, decode_many
from classchat.ingest.layouts import LAYOUT_FIT_THRESHOLD, get_layout
from classchat.ingest.parse import PARSER_VERSION, FileText, parse_batch
from classchat.ingest.roster import RosterError, land_roster
from classchat.ingest.session_meta import SessionMeta, SessionsCsvError, read_sessions_csv, session_meta
from classchat.ingest.user_layouts import layouts_fingerprint, load_layouts

BATCH_BYTES = 16_000_000  # export bytes parsed in one Polars pass; bounds memory
READERS = 2  # threads reading and hashing files ahead of the parser (both release the GIL)
READ_AHEAD = 64  # files read ahead at most
READ_AHEAD_BYTES = 32_000_000  # and bytes
EXPORT_SUFFIXES = {".txt"}
# lake column -> manifest field, repeated on every row of a data file (categorical: a code per row)
PER_FILE_COLUMNS = {
    "source_file": "source_file", "file_sha256": "sha256", "session_id": "session_id", "course_id": "course_id",
}
PARTITION_KEY = "course"  # lake/<kind>/course=<partition_value(course_id)>/
_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

MANIFEST_SCHEMA = {
    "source_file": pl.String,
    "course_id": pl.String,
    "session_id": pl.String,
    "sha256": pl.String,
    "size_bytes": pl.Int64,
    "parser_version": pl.Int32,
    "layout": pl.String,
    "encoding": pl.String,
    "status": pl.String,  # landed | duplicate | failed | needs_date | quarantined
    "reason": pl.String,
    "meta_fingerprint": pl.String,  # of the raw/sessions.csv row that applies
    "layouts_fingerprint": pl.String,  # of the layouts raw/layouts.toml declares (null: none); a change re-reads
    "session_date": pl.Date,
    "title": pl.String,
    "timezone": pl.String,
    "instructor": pl.String,
    "recording_start": pl.Datetime("us"),
    "n_lines": pl.Int64,
    "n_header_lines": pl.Int64,
    "n_continuation_lines": pl.Int64,
    "n_blank_lines": pl.Int64,
    "n_rejected_lines": pl.Int64,
    "n_misfit_lines": pl.Int64,  # non-blank lines out of the layout's shape (parse.py), rejected ones included
    "time_basis": pl.String,
    "continuation_marked": pl.Boolean,  # its layout marks continuation lines (a tab): a body line may look like a header  # clock (times of day) | offset (times since a recording started, start unknown)
    "poor_fit": pl.Boolean,  # layout_fit below LAYOUT_FIT_THRESHOLD: landed, but flagged for a person to look at
    "layout_fit": pl.Float64,  # share of non-blank lines that fit the layout; below layouts.LAYOUT_FIT_THRESHOLD: flag
    "n_messages": pl.Int64,
    "started_at": pl.Datetime("us"),
    "ended_at": pl.Datetime("us"),
    "messages_path": pl.String,
    "rejects_path": pl.String,
    "messages_sha256": pl.String,  # of the data file at messages_path, as written (verify_lake)
    "rejects_sha256": pl.String,
    "ingested_at": pl.Datetime("us"),
}



@dataclass
class IngestReport:
    """What one ingest did, for the command line and the tests."""

    landed: list[dict] = field(default_factory=list)  # manifest rows written this run
    n_unchanged: int = 0
    n_missing: int = 0  # landed exports whose raw file is gone; their sessions stay (unless pruned)
    n_pruned: int = 0  # landed exports dropped because their raw file is gone (prune)
    kept: list[str] = field(default_factory=list)  # re-exports not landed: the earlier version stays
    quarantined: list[str] = field(default_factory=list)  # unchanged exports still quarantined
    repaired: list[str] = field(default_factory=list)  # exports re-landed because their lake file was damaged
    warnings: list[str] = field(default_factory=list)  # landed, but a person should look (dates, time basis)
    n_roster_rows: int = 0
    attendance: AttendanceReport | None = None  # attendance reports (raw/<course>/*.csv), ingest/attendance.py
    seconds: float = 0.0

    @property
    def problems(self) -> list[dict]:
        return [row for row in self.landed if row["status"] in ("failed", "needs_date")]

    def summary_lines(self) -> list[str]:
        new = [r for r in self.landed if r["status"] == "landed"]
        lines = [
            f"ingest: {len(new)} file(s) landed ({sum(r['n_messages'] or 0 for r in new)} messages, "
            f"{sum(r['n_rejected_lines'] or 0 for r in new)} rejected lines), "
            f"{self.n_unchanged} unchanged, {len(self.problems)} not landed, in {self.seconds:.1f} s"
        ]
        if self.n_missing:
            lines.append(
                f"  {self.n_missing} landed file(s) are no longer in raw/; their sessions are kept "
                "(`classchat run --prune` drops them)"
            )
        if self.n_pruned:
            lines.append(f"  pruned {self.n_pruned} landed file(s) no longer in raw/ and their sessions")
        lines += [f"  KEPT EARLIER VERSION {line}" for line in self.kept]
        lines += [f"  QUARANTINED {line}" for line in self.quarantined]
        lines += [f"  REPAIRED {line}" for line in self.repaired]
        lines += [f"  WARNING {line}" for line in self.warnings]
        for row in self.landed:
            if row["status"] == "duplicate":
                lines.append(f"  skipped {row['source_file']}: {row['reason']}")
            elif row["status"] in ("failed", "needs_date"):
                lines.append(f"  NOT LANDED {row['source_file']}: {row['reason']}")
            else:
                if row.get("poor_fit"):
                    lines.append(
                        f"  POOR FIT {row['source_file']}: only {row['layout_fit']:.0%} of its lines read as "
                        f"{row['layout']} (flagged below {LAYOUT_FIT_THRESHOLD:.0%}); check it with "
                        f"`classchat ingest --explain {row['source_file']}`"
                    )
                if row["n_rejected_lines"]:
                    lines.append(
                        f"  {row['source_file']}: {row['n_rejected_lines']} line(s) rejected, see lake/rejects"
                    )
        return lines + (self.attendance.summary_lines() if self.attendance else [])


def ingest(
    paths: Paths,
    *,
    layout: str | None = None,
    progress: Callable[[str], None] | None = None,
    prune: bool = False,
    accept_shorter: bool = False,
    verify: bool = False,
    rebuild: bool = False,
) -> IngestReport:
    """Land every new or changed export under `paths.raw`; return what happened.

    `layout` forces one layout for all files (the `--format` option); `prune`
    drops landed exports whose raw file is gone; `accept_shorter` lets a
    re-export that does not extend the landed one replace it.

    Every run checks that the lake's data files are whole Parquet files (`verify`:
    also their sha256 against the manifest) and re-lands, from raw/, every export
    whose data file is missing or damaged. `rebuild` forgets the lake and lands
    everything in raw/ again (exports no longer in raw/ are then gone).
    """
    started = time.perf_counter()
    report = IngestReport()
    say = progress or (lambda _msg: None)
    if not paths.raw.is_dir():
        raise FileNotFoundError(
            f"no raw folder at {paths.raw}: put chat exports in {paths.raw}/<course>/<YYYY-MM-DD>_<slug>.txt"
        )
    known = load_layouts(paths.raw)  # the built-ins and those raw/layouts.toml declares (a bad one: ValueError)
    layouts_fp = layouts_fingerprint(known)
    if layout is not None:
        get_layout(layout, known)  # fail early on an unknown name
    try:
        sessions_csv = read_sessions_csv(paths.raw)
        report.n_roster_rows = land_roster(paths)
    except (SessionsCsvError, RosterError) as exc:
        raise ValueError(str(exc)) from None
    old = read_manifest(paths) if not rebuild else pl.DataFrame(schema=MANIFEST_SCHEMA)
    old_by_path = {row["source_file"]: row for row in old.iter_rows(named=True)}
    damaged = verify_lake(paths, old, deep=verify)
    for rel, row in list(old_by_path.items()):
        bad = [p for p in (row["messages_path"], row["rejects_path"]) if p in damaged]
        if bad and row["status"] in ("landed", "quarantined"):
            del old_by_path[rel]  # lands again from raw/ as if new
            fate = "re-landed from raw/" if (paths.raw / rel).is_file() else "LOST: its raw file is gone too"
            report.repaired.append(f"{rel}: lake file {bad[0]} {damaged[bad[0]]}; {fate}")
    landed_shas = {
        row["sha256"]: row["source_file"] for row in old_by_path.values() if row["status"] == "landed"
    }
    keep: dict[str, dict] = {}
    pending: list[tuple[dict, FileText]] = []  # FileText.text holds the raw bytes until the batch is decoded
    pending_bytes = 0
    now = datetime.now()  # microseconds kept: incremental builds take files landed after the newest held
    # unique per run: a data file the committed manifest names is never overwritten
    batch_prefix = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}-p{PARSER_VERSION}"

    raw_files, not_files = scan_raw(paths.raw)
    present = {p.relative_to(paths.raw).as_posix() for p in raw_files} | {rel for rel, _ in not_files}
    for rel, why in not_files:
        row = _new_row(rel, None, None, session_meta(rel, sessions_csv.get(rel)), now)
        _fail(row, "failed", why)
        keep[rel] = row
        report.landed.append(row)
    # a landed export whose path is gone from raw/ but whose bytes are still there (renamed) moves
    renamed_from = {sha: rel for sha, rel in landed_shas.items() if rel not in present}
    moved_away: set[str] = set()
    data_hashes: dict[str, str] = {}  # data file (relative to the lake) -> sha256, filled by the writer
    writes: list[Future] = []  # Parquet files being written while the next batch is parsed
    with ThreadPoolExecutor(max_workers=READERS) as pool, ThreadPoolExecutor(max_workers=1) as writer:
        for n, (path, data, sha, error) in enumerate(_read_ahead(pool, raw_files), 1):
            rel = path.relative_to(paths.raw).as_posix()
            meta = session_meta(rel, sessions_csv.get(rel))
            before = old_by_path.get(rel)
            if error is not None:
                row = _new_row(rel, None, None, meta, now)
                _fail(row, "failed", f"cannot read the file: {error}")
                if before and before["status"] == "landed":  # its landed session stays; say why it is stale
                    report.kept.append(f"{rel}: {row['reason']}")
                    row = before
                else:
                    report.landed.append(row)
                keep[rel] = row
                continue
            if (
                before
                and before["sha256"] == sha
                and before["parser_version"] == PARSER_VERSION
                and before["meta_fingerprint"] == meta.fingerprint
                and before["layouts_fingerprint"] == layouts_fp
                and (layout is None or before["layout"] == layout)
                and _in_current_lake_layout(before)
            ):
                keep[rel] = before
                report.n_unchanged += 1
                if before["status"] == "quarantined":
                    report.quarantined.append(f"{rel}: {before['reason']}")
                continue
            if (
                before
                and before["status"] == "landed"
                and before["sha256"] != sha
                and not accept_shorter
                and not _extends(data, before)
            ):
                keep[rel] = before
                report.kept.append(
                    f"{rel}: the new file ({len(data):,} bytes) is "
                    + ("shorter than" if len(data) < before["size_bytes"] else "not an extension of")
                    + f" the landed one ({before['size_bytes']:,} bytes); "
                    "rerun with --accept-shorter to replace it"
                )
                continue
            row = _new_row(rel, sha, len(data), meta, now)
            row["layouts_fingerprint"] = layouts_fp
            if sha in renamed_from:  # the old name's session moves here; it is not a duplicate of it
                moved_away.add(renamed_from.pop(sha))
                landed_shas.pop(sha)
            if row["course_id"] is None:
                _fail(row, "failed", f"not in a course folder: move it to raw/<course>/{path.name}")
            elif sha in landed_shas and landed_shas[sha] != rel:
                _fail(row, "duplicate", f"same bytes as {landed_shas[sha]}, which is already landed")
            else:
                landed_shas.setdefault(sha, rel)
                pending.append(
                    (row, FileText(len(pending), data, meta.session_date, layout, meta.recording_start))
                )
                pending_bytes += len(data)
            keep[rel] = row
            report.landed.append(row)
            if pending_bytes >= BATCH_BYTES:
                writes = _land_batch(
                    paths, pending, f"{batch_prefix}-{n}", writer, writes, data_hashes, report, known
                )
                say(f"ingest: {n}/{len(raw_files)} files read")
                pending, pending_bytes = [], 0
        if pending:
            writes = _land_batch(
                paths, pending, f"{batch_prefix}-{len(raw_files)}", writer, writes, data_hashes, report, known
            )
        for done in writes:
            done.result()  # a failed write stops the run here, before the manifest names anything
    for row in keep.values():
        if row["status"] == "landed" and row["messages_sha256"] is None:
            row["messages_sha256"] = data_hashes.get(row["messages_path"])
            row["rejects_sha256"] = data_hashes.get(row["rejects_path"])
    # an export that disappeared from raw/ keeps its landed session (nothing is lost by a mistaken
    # move) unless pruned or renamed; a record of a file that never landed goes with the file
    gone = {
        rel: row for rel, row in old_by_path.items()
        if rel not in keep and row["status"] == "landed" and rel not in moved_away
    }
    if prune:
        report.n_pruned = len(gone)
    else:
        report.n_missing = len(gone)
        keep.update(gone)

    manifest = pl.DataFrame(list(keep.values()), schema=MANIFEST_SCHEMA, orient="row")
    if (
        not paths.files_manifest.exists()
        or not manifest.equals(old)
        or list(pl.read_parquet_schema(paths.files_manifest)) != list(MANIFEST_SCHEMA)  # an older manifest's columns
    ):
        write_parquet_atomic(manifest.sort("source_file"), paths.files_manifest)
    _remove_unreferenced(paths, manifest)
    report.attendance = land_attendance(paths, prune=prune, rebuild=rebuild)  # after the chats, never instead
    report.seconds = time.perf_counter() - started
    return report


def _settle_date_and_time_basis(row: dict, ft: FileText, report: IngestReport, layouts: dict) -> None:
    """One date per session, and say how its times count.

    The session's date is the date of its first message: for layouts that write dates that is the
    file's own date, which wins over raw/sessions.csv and the file name (docs/layouts.md); a
    disagreement is a warning. Times of an offset layout (a cloud recording) whose start is unknown
    are offsets, not clock times: `time_basis = 'offset'` and a warning saying how to give the start.
    """
    rel = row["source_file"]
    if row["started_at"] is not None:
        first = row["started_at"].date()
        if row["session_date"] is not None and first != row["session_date"]:
            report.warnings.append(
                f"{rel}: the file's messages are dated {first}, its name or raw/sessions.csv says "
                f"{row['session_date']}; the session is dated {first} (the date inside the file wins)"
            )
        row["session_date"] = first
    offsets = row["layout"] is not None and get_layout(row["layout"], layouts).time_kind == "offset"
    row["time_basis"] = "offset" if offsets and ft.recording_start is None else "clock"
    row["continuation_marked"] = row["layout"] is not None and bool(get_layout(row["layout"], layouts).continuation_prefix)
    if row["time_basis"] == "offset":
        report.warnings.append(
            f"{rel}: times are offsets from the start of the recording, which is unknown; they are shown as "
            f"+HH:MM:SS. Give the start as a `start` (HH:MM:SS) in raw/sessions.csv, or keep Zoom's "
            "GMT<date>-<time> file name"
        )


def _write_data_file(frame: pl.DataFrame, lake: Path, rel: str, hashes: dict[str, str]) -> None:
    """Write one data file of the lake atomically and record its sha256 (read back from the disk)."""
    with atomic_path(lake / rel) as tmp:
        frame.write_parquet(tmp, compression="zstd", compression_level=1, statistics=True)
        hashes[rel] = _sha256_file(tmp)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def verify_lake(paths: Paths, manifest: pl.DataFrame, *, deep: bool = False) -> dict[str, str]:
    """The lake's data files that the manifest names but that are damaged: path -> what is wrong.

    Always: the file exists and is framed as Parquet (the magic bytes at both ends). With `deep`:
    its sha256 is the one recorded when it was written.
    """
    expected: dict[str, str | None] = {}
    for row in manifest.filter(pl.col("messages_path").is_not_null()).iter_rows(named=True):
        expected.setdefault(row["messages_path"], row.get("messages_sha256"))
        expected.setdefault(row["rejects_path"], row.get("rejects_sha256"))
    bad: dict[str, str] = {}
    for rel, sha in expected.items():
        path = paths.lake / rel
        try:
            size = path.stat().st_size
            with open(path, "rb") as fh:
                head = fh.read(4)
                fh.seek(max(size - 4, 0))
                tail = fh.read(4)
        except OSError as exc:
            bad[rel] = f"cannot be read ({exc.strerror or exc})"
            continue
        if size < 12 or head != b"PAR1" or tail != b"PAR1":
            bad[rel] = "is not a whole Parquet file"
        elif deep and sha is not None and _sha256_file(path) != sha:
            bad[rel] = "does not match the sha256 recorded when it was written"
    return bad


def quarantine_sessions(paths: Paths, sessions: dict[str, str]) -> int:
    """Mark the landed exports of `sessions` (session_id -> the check it failed) as quarantined in the
    manifest: the warehouse leaves them out until the file changes (it lands again and is checked
    again) or goes (its record goes with it). Returns the number of exports marked."""
    manifest = read_manifest(paths)
    hit = pl.col("session_id").is_in(list(sessions)) & (pl.col("status") == "landed")
    n = manifest.filter(hit).height
    if n:
        reasons = pl.col("session_id").replace_strict(
            {k: f"quarantined: failed {v}; fix or remove the file" for k, v in sessions.items()},
            default=None, return_dtype=pl.String,
        )
        manifest = manifest.with_columns(
            status=pl.when(hit).then(pl.lit("quarantined")).otherwise(pl.col("status")),
            reason=pl.when(hit).then(reasons).otherwise(pl.col("reason")),
        )
        write_parquet_atomic(manifest, paths.files_manifest)
    return n


def read_manifest(paths: Paths) -> pl.DataFrame:
    if paths.files_manifest.exists():
        manifest = pl.read_parquet(paths.files_manifest)
        missing = [pl.lit(None, dtype).alias(c) for c, dtype in MANIFEST_SCHEMA.items() if c not in manifest.columns]
        return manifest.with_columns(missing).select(list(MANIFEST_SCHEMA)).cast(MANIFEST_SCHEMA)
    return pl.DataFrame(schema=MANIFEST_SCHEMA)


def write_parquet_atomic(frame: pl.DataFrame, target: Path) -> None:
    """Write `frame` as the lake writes Parquet, replacing `target` in one rename (classchat.files)."""
    with atomic_path(target) as tmp:
        frame.write_parquet(tmp, compression="zstd", compression_level=1, statistics=True)


def _new_row(rel: str, sha: str | None, size: int | None, meta: SessionMeta, now: datetime) -> dict:
    parts = rel.split("/")
    course = parts[0] if len(parts) > 1 else None
    row = dict.fromkeys(MANIFEST_SCHEMA)
    row.update(
        source_file=rel,
        course_id=course,
        session_id=rel.rsplit(".", 1)[0],
        sha256=sha,
        size_bytes=size,
        parser_version=PARSER_VERSION,
        meta_fingerprint=meta.fingerprint,
        session_date=meta.session_date,
        title=meta.title,
        timezone=meta.timezone,
        instructor=meta.instructor,
        recording_start=meta.recording_start,
        ingested_at=now,
    )
    return row


def _fail(row: dict, status: str, reason: str) -> None:
    row["status"], row["reason"] = status, reason


def _land_batch(
    paths: Paths,
    pending: list[tuple[dict, FileText]],
    batch_name: str,
    writer: ThreadPoolExecutor,
    wait_for: list[Future],
    hashes: dict[str, str],
    report: IngestReport,
    layouts: dict,
) -> list[Future]:
    """Parse one batch; fill in its manifest rows; hand its files (messages, rejects per course) to `writer`.

    The previous batch's files (`wait_for`) are written while this one is
    parsed; they are waited for before this batch's are queued, so at most two
    batches are held in memory.

    Many small exports become a few Parquet files (one per course and batch), so
    landing costs little per file. A file's rows are found again through its
    (source_file, sha256) pair, which the manifest names.
    """
    texts = []
    for (row, ft), decoded in zip(pending, decode_many([ft.text for _, ft in pending]), strict=True):
        if isinstance(decoded, UnreadableFile):
            _fail(row, "failed", f"unreadable: {decoded}")
        else:
            row["encoding"] = decoded.encoding
            texts.append((row, replace(ft, text=decoded.data)))
    batch = parse_batch([ft for _, ft in texts], layouts=layouts)
    stats = {r["file_idx"]: r for r in batch.stats.iter_rows(named=True)}
    landed: list[tuple[int, dict]] = []
    for row, ft in texts:
        st = stats[ft.file_idx]
        for key in ("layout", "n_lines", "n_header_lines", "n_continuation_lines", "n_blank_lines",
                    "n_rejected_lines", "n_misfit_lines", "layout_fit", "n_messages", "started_at", "ended_at"):
            row[key] = st[key]
        row["poor_fit"] = row["layout_fit"] is not None and row["layout_fit"] < LAYOUT_FIT_THRESHOLD
        if st["layout"] is None:
            _fail(row, "failed", "unknown layout: no line looks like a chat message header "
                  "(`classchat layouts` lists those read; declare your own in raw/layouts.toml)")
        elif st["n_undated"]:
            _fail(row, "needs_date", "no date in the file or its name: rename it to "
                  "raw/<course>/<YYYY-MM-DD>_<slug>.txt, or add a line "
                  f"`{row['source_file']},<YYYY-MM-DD>` to raw/sessions.csv (header: file,date)")
        else:
            _settle_date_and_time_basis(row, ft, report, layouts)
            landed.append((ft.file_idx, row))
    for done in wait_for:
        done.result()
    if not landed:
        return []
    # rows of one course are contiguous (files come in path order), so each course's file is a slice;
    # per-file columns are categorical: each row holds a small code, and Parquet a dictionary of a few names
    courses: dict[str, list[int]] = {}
    for i, row in landed:
        courses.setdefault(row["course_id"], []).append(i)
    by_idx = dict(landed)
    writes: list[Future] = []
    for kind, frame in (("messages", batch.messages), ("rejects", batch.rejects)):
        if not frame.get_column("file_idx").is_sorted():
            frame = frame.sort("file_idx", maintain_order=True)
        idx = frame.get_column("file_idx")
        for course, members in courses.items():
            lo, hi = idx.search_sorted(members[0], "left"), idx.search_sorted(members[-1], "right")
            part = frame.slice(lo, hi - lo)
            if len(members) < members[-1] - members[0] + 1:  # files of the course that did not land
                part = part.filter(pl.col("file_idx").is_in(pl.Series(members, dtype=pl.UInt32).implode()))
            codes = pl.col("file_idx") - members[0]
            part = part.with_columns(
                _per_file(by_idx, members, key).gather(codes).alias(name) for name, key in PER_FILE_COLUMNS.items()
            ).drop("file_idx")
            rel = _data_path(kind, course, batch_name)
            writes.append(writer.submit(_write_data_file, part, paths.lake, rel, hashes))
    for _, row in landed:
        row["messages_path"] = _data_path("messages", row["course_id"], batch_name)
        row["rejects_path"] = _data_path("rejects", row["course_id"], batch_name)
        row["status"] = "landed"
    return writes


def _per_file(rows: dict[int, dict], members: list[int], key: str) -> pl.Expr:
    """A categorical of `key` for file_idx members[0] .. members[-1], to gather by file_idx - members[0]."""
    values = [rows[i][key] if i in rows else None for i in range(members[0], members[-1] + 1)]
    return pl.lit(pl.Series(values, dtype=pl.Categorical))


def _read_ahead(
    pool: ThreadPoolExecutor, files: list[Path]
) -> Iterator[tuple[Path, bytes | None, str | None, str | None]]:
    """(path, bytes, sha256, error) of each file in order, read and hashed by the pool ahead of the
    caller; a file that cannot be read gives (path, None, None, the reason).

    At most READ_AHEAD files or READ_AHEAD_BYTES (by their size on disk) are in flight.
    """
    queue: deque[tuple[Future, int]] = deque()
    in_flight = 0
    for path in files:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        queue.append((pool.submit(_read_and_hash, path), size))
        in_flight += size
        while queue and (len(queue) >= READ_AHEAD or in_flight >= READ_AHEAD_BYTES):
            done, size = queue.popleft()
            in_flight -= size
            yield done.result()
    while queue:
        yield queue.popleft()[0].result()


def _read_and_hash(path: Path) -> tuple[Path, bytes | None, str | None, str | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return path, None, None, exc.strerror or type(exc).__name__
    return path, data, hashlib.sha256(data).hexdigest(), None


def scan_raw(raw: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The exports under `raw` (regular files named *.txt, symbolic links followed), in path order,
    and (relative path, reason) for every *.txt entry that is not a readable regular file: a
    folder, a FIFO or other special file, a dangling link, a folder that cannot be listed.
    Nothing is opened here, so a FIFO cannot block the scan."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []

    def walk_error(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else raw
        rel = where.relative_to(raw).as_posix() if where != raw else "."
        problems.append((rel + "/", f"cannot list the folder: {exc.strerror or exc}"))

    for folder, dirs, names in os.walk(raw, onerror=walk_error):
        dirs.sort()
        for name in sorted(names + [d for d in dirs if Path(d).suffix.lower() in EXPORT_SUFFIXES]):
            path = Path(folder) / name
            if path.suffix.lower() not in EXPORT_SUFFIXES:
                continue
            rel = path.relative_to(raw).as_posix()
            try:
                st = path.stat()
            except FileNotFoundError:
                problems.append((rel, "a symbolic link to nothing (its target is gone)"))
                continue
            except OSError as exc:
                problems.append((rel, f"cannot read the file: {exc.strerror or exc}"))
                continue
            if stat.S_ISREG(st.st_mode):
                files.append(path)
            elif stat.S_ISDIR(st.st_mode):
                problems.append((rel, "a folder named like an export, not a file"))
            else:
                kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a special file"
                problems.append((rel, f"{kind}, not a regular file"))
    files.sort()
    return files, problems


def partition_value(course_id: str) -> str:
    """The lake's folder name for a course: the course name itself when it is a safe path segment
    (letters, digits, `.`, `_`, `-`), else a readable slug plus a hash of the name, so any folder
    name (with `=`, spaces or non-ASCII characters) gives one safe, distinct partition."""
    if _SAFE_SEGMENT.fullmatch(course_id):
        return course_id
    slug = re.sub(r"[^A-Za-z0-9]+", "_", course_id).strip("_")[:40] or "course"
    return f"{slug}-{hashlib.sha256(course_id.encode()).hexdigest()[:10]}"


def _data_path(kind: str, course_id: str, batch_name: str) -> str:
    """A data file's path relative to the lake (as the manifest names it)."""
    return f"{kind}/{PARTITION_KEY}={partition_value(course_id)}/{batch_name}.parquet"


def _in_current_lake_layout(row: dict) -> bool:
    """Whether a landed row's data file is in today's folder layout (older lakes are re-landed)."""
    path = row.get("messages_path")
    return path is None or path.startswith(f"messages/{PARTITION_KEY}=")


def _extends(data: bytes, before: dict) -> bool:
    """Whether `data` starts with the bytes that landed as `before` (sha256 of that long a prefix)."""
    size = before["size_bytes"]
    return size is not None and len(data) >= size and hashlib.sha256(data[:size]).hexdigest() == before["sha256"]


def _remove_unreferenced(paths: Paths, manifest: pl.DataFrame) -> None:
    """Delete data files (and stray temporaries) that the committed manifest does not name."""
    referenced = {
        paths.lake / p
        for col in ("messages_path", "rejects_path")
        for p in manifest.get_column(col).drop_nulls().to_list()
    }
    for folder in (paths.lake_messages, paths.lake_rejects):
        if not folder.exists():
            continue
        for f in folder.rglob("*"):
            if f.is_file() and f not in referenced:
                f.unlink()
        for d in sorted((d for d in folder.rglob("*") if d.is_dir()), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()
