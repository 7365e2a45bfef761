"""The lake's data files: one batch of exports parsed and written as Parquet, and leftovers removed.

Owns where data files go (`lake/{messages,rejects}/course=<partition>/`,
`partition_value` making any course folder name a safe path segment), how a
batch becomes files (decoded, parsed in one pass, its manifest rows filled
in, one messages and one rejects file per course, per-file columns as
categoricals), the session date and time basis each landed export settles
on, writing each file atomically with its sha256, and deleting the files the
committed manifest does not name. `land` re-exports the public names.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import polars as pl

from classchat.config import Paths
from classchat.files import atomic_path
from classchat.ingest.decode import UnreadableFile, decode_many
from classchat.ingest.layouts import LAYOUT_FIT_THRESHOLD, get_layout
from classchat.ingest.manifest import _fail, _sha256_file
from classchat.ingest.outcome import IngestReport
from classchat.ingest.parse import FileText, parse_batch

# lake column -> manifest field, repeated on every row of a data file (categorical: a code per row)
PER_FILE_COLUMNS = {
    "source_file": "source_file", "file_sha256": "sha256", "session_id": "session_id", "course_id": "course_id",
}
PARTITION_KEY = "course"  # lake/<kind>/course=<partition_value(course_id)>/
_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


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
