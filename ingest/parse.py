"""Lines to messages: one vectorised Polars pass over a batch of decoded files.

Owns the reading of text into the lake's row model. Every line of every file
in the batch becomes one row of a single Polars frame; layout detection,
header extraction, message numbering, body joining, date roll-over and the
accounting of each line (header, continuation, blank or rejected) are column
expressions over that frame, never a per-line Python loop. The result is one
frame of messages, one of rejected lines and one of per-file statistics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import polars as pl

from ingest.layouts import LAYOUTS, Layout

# Bump when parsing changes what lands: files landed by an older parser are re-read.
PARSER_VERSION = 1

DETECT_LINES = 200  # first lines of a file that decide its layout
ROLLOVER_SECONDS = 12 * 3600  # a clock going back by more than this is the next day

MESSAGE_SCHEMA = {
    "file_idx": pl.UInt32,
    "seq": pl.Int32,
    "source_line": pl.Int32,
    "n_lines": pl.Int32,
    "sent_at": pl.Datetime("us"),
    "time_text": pl.String,
    "sender_name": pl.String,
    "recipient": pl.String,
    "is_private": pl.Boolean,
    "message_kind": pl.String,
    "body": pl.String,
}

REJECT_SCHEMA = {
    "file_idx": pl.UInt32,
    "line_no": pl.Int32,
    "raw_text": pl.String,
    "reason": pl.String,
}


@dataclass(frozen=True)
class FileText:
    """One decoded file handed to the parser."""

    file_idx: int
    text: str
    session_date: date | None  # from sessions.csv or the path; None if unknown
    layout: str | None = None  # forced layout (--format), else detected


@dataclass
class ParsedBatch:
    messages: pl.DataFrame  # MESSAGE_SCHEMA
    rejects: pl.DataFrame  # REJECT_SCHEMA
    stats: pl.DataFrame  # one row per file_idx: layout, line counts, n_messages


def parse_batch(files: list[FileText]) -> ParsedBatch:
    """Parse a batch of decoded files into messages, rejects and per-file statistics."""
    lines = _lines_frame(files)
    layouts = _choose_layouts(lines, files)
    lines = lines.join(layouts, on="file_idx", how="left")

    parts = [
        _classify(lines.filter(pl.col("layout") == name), LAYOUTS[name])
        for name in layouts.get_column("layout").drop_nulls().unique().sort()
    ]
    classified = pl.concat(parts, how="vertical") if parts else _empty_classified()

    messages = _messages(classified, files)
    rejects = (
        classified.filter(pl.col("kind") == "rejected")
        .select(
            "file_idx",
            pl.col("line_no").cast(pl.Int32),
            pl.col("line").alias("raw_text"),
            pl.lit("text before the first message header").alias("reason"),
        )
        .cast(REJECT_SCHEMA)
    )
    stats = _stats(lines, classified, messages, layouts)
    return ParsedBatch(messages=messages, rejects=rejects, stats=stats)


def _lines_frame(files: list[FileText]) -> pl.DataFrame:
    """One row per line: file_idx, line_no (1-based), line (trailing CRs removed)."""
    texts = pl.DataFrame(
        {
            "file_idx": pl.Series([f.file_idx for f in files], dtype=pl.UInt32),
            # a final LF ends the last line; it does not start an empty one
            "line": [f.text[:-1] if f.text.endswith("\n") else f.text for f in files],
        }
    )
    return (
        texts.with_columns(pl.col("line").str.split("\n"))
        .explode("line")
        .with_columns(
            pl.col("line").str.strip_chars_end("\r"),
            (pl.int_range(pl.len()).over("file_idx") + 1).cast(pl.Int32).alias("line_no"),
        )
    )


def _choose_layouts(lines: pl.DataFrame, files: list[FileText]) -> pl.DataFrame:
    """file_idx -> layout name: the forced one, else the best match on the first lines (null if none)."""
    forced = {f.file_idx: f.layout for f in files if f.layout}
    head = lines.filter(pl.col("line_no") <= DETECT_LINES)
    scores = head.group_by("file_idx").agg(
        [pl.col("line").str.contains(layout.header).sum().alias(name) for name, layout in LAYOUTS.items()]
    )
    names = list(LAYOUTS)
    best = scores.select(
        "file_idx",
        pl.when(pl.max_horizontal(names) > 0)
        .then(pl.concat_list(names).list.arg_max().replace_strict(list(range(len(names))), names))
        .otherwise(None)
        .cast(pl.String)
        .alias("layout"),
    )
    if forced:
        best = best.with_columns(
            pl.col("file_idx").replace_strict(forced, default=pl.col("layout"), return_dtype=pl.String).alias("layout")
        )
    return best


def _classify(lines: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Mark each line header / continuation / blank / rejected and number the messages."""
    groups = set(re.findall(r"\?P<(\w+)>", layout.header))
    fields = pl.col("line").str.extract_groups(layout.header).struct
    out = lines.with_columns(
        *(fields.field(g).alias(f"h_{g}") for g in sorted(groups)),
        *(pl.lit(None, dtype=pl.String).alias(f"h_{g}") for g in ("date", "recipient", "private", "text") if g not in groups),
    )
    is_header = pl.col("h_time").is_not_null()
    out = out.with_columns(
        is_header.alias("is_header"),
        is_header.cast(pl.Int32).cum_sum().over("file_idx").alias("msg_no"),
    )
    is_blank = pl.col("line").str.strip_chars() == ""
    continuation = pl.col("line")
    if layout.continuation_prefix:
        continuation = continuation.str.replace(f"^{layout.continuation_prefix}", "")
    return out.with_columns(
        pl.when(pl.col("is_header"))
        .then(pl.lit("header"))
        .when(is_blank)
        .then(pl.lit("blank"))
        .when(pl.col("msg_no") == 0)
        .then(pl.lit("rejected"))
        .otherwise(pl.lit("continuation"))
        .alias("kind"),
        pl.when(pl.col("is_header")).then(pl.col("h_text")).otherwise(continuation).alias("part"),
    )


def _empty_classified() -> pl.DataFrame:
    cols = {"file_idx": pl.UInt32, "line_no": pl.Int32, "line": pl.String, "layout": pl.String,
            "h_time": pl.String, "h_sender": pl.String, "h_date": pl.String, "h_recipient": pl.String,
            "h_private": pl.String, "h_text": pl.String, "is_header": pl.Boolean, "msg_no": pl.Int32,
            "kind": pl.String, "part": pl.String}
    return pl.DataFrame(schema=cols)


def _messages(classified: pl.DataFrame, files: list[FileText]) -> pl.DataFrame:
    """One row per message: header fields, body joined from its lines, timestamp with roll-over."""
    dates = pl.DataFrame(
        {
            "file_idx": pl.Series([f.file_idx for f in files], dtype=pl.UInt32),
            "file_date": pl.Series([f.session_date for f in files], dtype=pl.Date),
        }
    )
    in_message = classified.filter(pl.col("msg_no") > 0)
    grouped = in_message.group_by("file_idx", "msg_no", maintain_order=True).agg(
        pl.col("line_no").first().alias("source_line"),
        pl.len().cast(pl.Int32).alias("n_lines"),
        pl.col("h_time").first().alias("time_text"),
        pl.col("h_date").first(),
        pl.col("h_sender").first().str.strip_chars().alias("sender_name"),
        pl.col("h_recipient").first(),
        pl.col("h_private").first(),
        pl.col("part").str.join("\n").alias("body"),
    )
    parts = pl.col("time_text").str.split(":")
    seconds = (
        parts.list.get(0).cast(pl.Int64) * 3600
        + parts.list.get(1).cast(pl.Int64) * 60
        + parts.list.get(2).cast(pl.Int64)
    )
    back_jump = (pl.col("secs").diff().over("file_idx") < -ROLLOVER_SECONDS).fill_null(False)
    return (
        grouped.join(dates, on="file_idx", how="left")
        .with_columns(seconds.alias("secs"))
        .with_columns(back_jump.cast(pl.Int32).cum_sum().over("file_idx").alias("day_offset"))
        .with_columns(
            pl.coalesce(pl.col("h_date").str.to_date("%Y-%m-%d", strict=False), pl.col("file_date")).alias("day"),
        )
        .with_columns(
            (
                pl.col("day").cast(pl.Datetime("us"))
                + pl.duration(days=pl.col("day_offset"), seconds=pl.col("secs"))
            ).alias("sent_at"),
            pl.col("msg_no").alias("seq"),
            pl.coalesce(pl.col("h_recipient").str.strip_chars(), pl.lit("everyone")).alias("recipient"),
            pl.col("h_private").is_not_null().alias("is_private"),
            pl.lit("text").alias("message_kind"),
            # trailing blank lines separate messages; a lone CR inside a line is a typed line break
            pl.col("body").str.replace(r"(?:\n[ \t]*)+$", "").str.replace_all("\r", "\n"),
        )
        .select(list(MESSAGE_SCHEMA))
        .cast(MESSAGE_SCHEMA)
    )


def _stats(
    lines: pl.DataFrame, classified: pl.DataFrame, messages: pl.DataFrame, layouts: pl.DataFrame
) -> pl.DataFrame:
    """Per file: layout, line counts by kind (they add up to n_lines), messages, first and last time."""
    totals = lines.group_by("file_idx").agg(pl.len().cast(pl.Int64).alias("n_lines"))
    kinds = classified.group_by("file_idx").agg(
        (pl.col("kind") == k).sum().cast(pl.Int64).alias(f"n_{k}_lines")
        for k in ("header", "continuation", "blank", "rejected")
    )
    msgs = messages.group_by("file_idx").agg(
        pl.len().cast(pl.Int64).alias("n_messages"),
        pl.col("sent_at").min().alias("started_at"),
        pl.col("sent_at").max().alias("ended_at"),
        pl.col("sent_at").null_count().cast(pl.Int64).alias("n_undated"),
    )
    counts = ["n_header_lines", "n_continuation_lines", "n_blank_lines", "n_rejected_lines", "n_messages", "n_undated"]
    return (
        totals.join(layouts, on="file_idx", how="left")
        .join(kinds, on="file_idx", how="left")
        .join(msgs, on="file_idx", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in counts)
    )
