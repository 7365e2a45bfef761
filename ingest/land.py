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

This module owns `ingest` itself: deciding, per raw file, whether it is
unchanged, kept, renamed, a duplicate, failed or new, batching the new ones,
and committing the manifest. The parts live beside it: `scan` (finding and
reading raw/), `lake_files` (a batch parsed and written as data files, the
partition folders, removing leftovers), `manifest` (files.parquet: schema,
reading, writing, quarantine, `verify_lake`) and `outcome` (`IngestReport`).
Their public names are importable from here as before.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import polars as pl

from classchat.config import Paths
from classchat.ingest.attendance import land_attendance
from classchat.ingest.lake_files import (
    PARTITION_KEY,
    PER_FILE_COLUMNS,
    _land_batch,
    _remove_unreferenced,
    partition_value,
)
from classchat.ingest.layouts import get_layout
from classchat.ingest.manifest import (
    MANIFEST_SCHEMA,
    _fail,
    quarantine_sessions,
    read_manifest,
    verify_lake,
    write_parquet_atomic,
)
from classchat.ingest.outcome import IngestReport
from classchat.ingest.parse import PARSER_VERSION, FileText
from classchat.ingest.roster import RosterError, land_roster
from classchat.ingest.scan import (
    EXPORT_SUFFIXES,
    READ_AHEAD,
    READ_AHEAD_BYTES,
    READERS,
    _read_ahead,
    file_signature,
    read_stat_record,
    scan_raw,
    write_stat_record,
)
from classchat.ingest.session_meta import SessionMeta, SessionsCsvError, read_sessions_csv, session_meta
from classchat.ingest.user_layouts import layouts_fingerprint, load_layouts

__all__ = [
    "BATCH_BYTES", "EXPORT_SUFFIXES", "MANIFEST_SCHEMA", "PARTITION_KEY", "PER_FILE_COLUMNS", "READERS",
    "READ_AHEAD", "READ_AHEAD_BYTES", "IngestReport", "ingest", "partition_value", "quarantine_sessions",
    "read_manifest", "scan_raw", "verify_lake", "write_parquet_atomic",
]

BATCH_BYTES = 16_000_000  # export bytes parsed in one Polars pass; bounds memory


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
    # an export whose file is provably the one hashed last time (scan.STAT_RECORD) and whose landing
    # would not change is not read again; `verify` and `rebuild` read everything
    last_stat = {} if verify or rebuild else read_stat_record(paths.lake)
    stat_record: dict[str, tuple[tuple[int, ...], str]] = {}

    def keep_unchanged(rel: str, before: dict) -> None:
        keep[rel] = before
        report.n_unchanged += 1
        if before["status"] == "quarantined":
            report.quarantined.append(f"{rel}: {before['reason']}")

    to_read = []
    for path in raw_files:
        rel = path.relative_to(paths.raw).as_posix()
        before, seen, signature = old_by_path.get(rel), last_stat.get(rel), file_signature(path)
        if (
            before is not None and seen is not None and signature is not None and seen == (signature, before["sha256"])
            and _is_unchanged(before, before["sha256"], session_meta(rel, sessions_csv.get(rel)), layouts_fp, layout)
        ):
            keep_unchanged(rel, before)
            stat_record[rel] = seen
        else:
            to_read.append((path, signature))
    signatures = dict(to_read)
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
        for n, (path, data, sha, error) in enumerate(_read_ahead(pool, list(signatures)), 1):
            rel = path.relative_to(paths.raw).as_posix()
            meta = session_meta(rel, sessions_csv.get(rel))
            before = old_by_path.get(rel)
            if sha is not None and signatures[path] is not None:  # the signature taken before the read
                stat_record[rel] = (signatures[path], sha)
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
            if before and _is_unchanged(before, sha, meta, layouts_fp, layout):
                keep_unchanged(rel, before)
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
                say(f"ingest: {n}/{len(signatures)} files read")
                pending, pending_bytes = [], 0
        if pending:
            writes = _land_batch(
                paths, pending, f"{batch_prefix}-{len(signatures)}", writer, writes, data_hashes, report, known
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
    if stat_record != last_stat:
        write_stat_record(paths.lake, stat_record)
    report.attendance = land_attendance(paths, prune=prune, rebuild=rebuild)  # after the chats, never instead
    report.seconds = time.perf_counter() - started
    return report


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


def _is_unchanged(before: dict, sha: str | None, meta: SessionMeta, layouts_fp: str, layout: str | None) -> bool:
    """Whether an export recorded as `before` stays as it is: the same bytes, read by the same parser,
    session metadata and layouts (and the forced layout, if any), in today's lake layout."""
    return (
        before["sha256"] == sha
        and before["parser_version"] == PARSER_VERSION
        and before["meta_fingerprint"] == meta.fingerprint
        and before["layouts_fingerprint"] == layouts_fp
        and (layout is None or before["layout"] == layout)
        and _in_current_lake_layout(before)
    )


def _in_current_lake_layout(row: dict) -> bool:
    """Whether a landed row's data file is in today's folder layout (older lakes are re-landed)."""
    path = row.get("messages_path")
    return path is None or path.startswith(f"messages/{PARTITION_KEY}=")


def _extends(data: bytes, before: dict) -> bool:
    """Whether `data` starts with the bytes that landed as `before` (sha256 of that long a prefix)."""
    size = before["size_bytes"]
    return size is not None and len(data) >= size and hashlib.sha256(data[:size]).hexdigest() == before["sha256"]
