"""The lake's manifest, `lake/files.parquet`: its columns, reading and writing it, and checking the lake against it.

Owns MANIFEST_SCHEMA (one row per raw file: status, encoding, layout, line
counts, where its rows are and their data files' sha256), reading an
existing manifest (an older one gains the new columns as nulls), writing
Parquet as the lake writes it (replacing the target in one rename), marking
sessions quarantined, and `verify_lake`: which data files the manifest names
are missing or damaged. `land` decides what goes in it and re-exports these
names.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from classchat.config import Paths
from classchat.files import atomic_path


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


def _fail(row: dict, status: str, reason: str) -> None:
    row["status"], row["reason"] = status, reason
