"""Lines to messages: one vectorised Polars pass over a batch of decoded files.

Owns the reading of text into the lake's row model. Every line of every file
in the batch becomes one row of a single Polars frame; layout detection,
header extraction, message numbering, body rules (replies, reactions),
body joining, date roll-over and the accounting of each line (header,
continuation, blank or rejected) are column expressions over that frame,
never a per-line Python loop. The result is one frame of messages, one of
rejected lines and one of per-file statistics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from ingest.layouts import COLLECTED_REACTIONS, LAYOUTS, REACTION, REPLY, Layout

# Bump when parsing changes what lands: files landed by an older parser are re-read.
PARSER_VERSION = 2

DETECT_LINES = 200  # first lines of a file that decide its layout
ROLLOVER_SECONDS = 12 * 3600  # a clock going back by more than this is the next day
FIELDS = ("date", "time", "sender", "recipient", "role", "text")

REACTION_STRUCT = pl.Struct({"emoji": pl.String, "reactors": pl.List(pl.String)})
MESSAGE_SCHEMA = {
    "file_idx": pl.UInt32,
    "seq": pl.Int32,
    "source_line": pl.Int32,
    "n_lines": pl.Int32,
    "sent_at": pl.Datetime("us"),
    "time_text": pl.String,
    "sender_name": pl.String,
    "sender_role": pl.String,
    "recipient": pl.String,
    "is_private": pl.Boolean,
    "message_kind": pl.String,
    "body": pl.String,
    "reply_to_text": pl.String,
    "reaction_emoji": pl.String,
    "reaction_target": pl.String,
    "is_reaction_removal": pl.Boolean,
    "collected_reactions": pl.List(REACTION_STRUCT),
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
    recording_start: datetime | None = None  # what offset times count from (cloud recordings)


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
    classified = pl.concat(parts, how="vertical") if parts else None
    if classified is None or classified.is_empty():
        empty_stats = _stats(lines, None, None, layouts)
        return ParsedBatch(pl.DataFrame(schema=MESSAGE_SCHEMA), pl.DataFrame(schema=REJECT_SCHEMA), empty_stats)

    messages = _messages(classified, files)
    rejects = (
        classified.filter(pl.col("kind") == "rejected")
        .select(
            "file_idx",
            "line_no",
            pl.col("line").alias("raw_text"),
            pl.lit("text before the first message header").alias("reason"),
        )
        .cast(REJECT_SCHEMA)
    )
    return ParsedBatch(messages=messages, rejects=rejects, stats=_stats(lines, classified, messages, layouts))


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
    names = list(LAYOUTS)
    head = lines.filter(pl.col("line_no") <= DETECT_LINES)
    scores = head.group_by("file_idx").agg(
        pl.col("line").str.contains(LAYOUTS[name].header).sum().alias(name) for name in names
    )
    best = scores.select(
        "file_idx",
        pl.when(pl.max_horizontal(names) > 0)
        .then(pl.concat_list(names).list.arg_max().replace_strict(list(range(len(names))), names))
        .otherwise(None)
        .cast(pl.String)
        .alias("layout"),
    )
    forced = {f.file_idx: f.layout for f in files if f.layout}
    if forced:
        best = best.with_columns(
            pl.col("file_idx").replace_strict(forced, default=pl.col("layout"), return_dtype=pl.String).alias("layout")
        )
    return best


def _extract(pattern: str, prefix: str, fields: tuple[str, ...]) -> list[pl.Expr]:
    """Columns `<prefix><field>` from a pattern's named groups, merging `sender`, `sender2`, ..."""
    groups = re.findall(r"\?P<([a-z_]+?)(\d*)>", pattern)
    struct = pl.col("line").str.extract_groups(pattern).struct
    out = []
    for f in fields:
        names = [base + n for base, n in groups if base == f]
        if names:
            out.append(pl.coalesce(struct.field(n) for n in names).alias(prefix + f))
        else:
            out.append(pl.lit(None, dtype=pl.String).alias(prefix + f))
    return out


def _classify(lines: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Mark each line header / continuation / blank / rejected, number the messages, apply body rules."""
    out = lines.with_columns(_extract(layout.header, "h_", FIELDS))
    if layout.system:
        out = out.with_columns(_extract(layout.system, "sys_", ("text",))).with_columns(
            (pl.col("h_time").is_null() & pl.col("sys_text").is_not_null()).alias("is_system"),
        )
        out = out.with_columns(
            pl.when(pl.col("is_system")).then(pl.col("sys_text")).otherwise(pl.col("h_text")).alias("h_text"),
            pl.when(pl.col("is_system")).then(pl.lit("system")).otherwise(pl.col("h_sender")).alias("h_sender"),
        ).drop("sys_text")
    else:
        out = out.with_columns(pl.lit(False).alias("is_system"))
    is_header = pl.col("h_time").is_not_null() | pl.col("is_system")
    out = out.with_columns(
        is_header.alias("is_header"),
        is_header.cast(pl.Int32).cum_sum().over("file_idx").alias("msg_no"),
    )
    continuation = pl.col("line")
    if layout.continuation_prefix:
        continuation = continuation.str.replace(f"^{layout.continuation_prefix}", "")
    is_blank = pl.col("line").str.strip_chars() == ""
    out = out.with_columns(
        pl.when(pl.col("is_header")).then(pl.lit("header"))
        .when(is_blank).then(pl.lit("blank"))
        .when(pl.col("msg_no") == 0).then(pl.lit("rejected"))
        .otherwise(pl.lit("continuation"))
        .alias("kind"),
        pl.when(pl.col("is_header")).then(pl.col("h_text")).otherwise(continuation).alias("part"),
    )
    return _body_rules(out, layout)


def _body_rules(out: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Replies and reactions on the first content line; collected reactions on later lines."""
    has_content = pl.col("part").is_not_null() & (pl.col("part").str.strip_chars() != "") & (pl.col("msg_no") > 0)
    out = out.with_columns(
        pl.when(has_content)
        .then(has_content.cast(pl.Int32).cum_sum().over("file_idx", "msg_no"))
        .alias("content_rank")
    )
    first = pl.col("content_rank") == 1
    reply = pl.col("part").str.extract_groups(REPLY).struct.field("quote")
    reaction = pl.col("part").str.extract_groups(REACTION).struct
    collected = pl.col("part").str.extract_groups(COLLECTED_REACTIONS).struct
    out = out.with_columns(
        pl.when(first).then(reply).alias("reply_quote"),
        pl.when(first).then(pl.coalesce(reaction.field("emoji"), reaction.field("emoji2"))).alias("reaction_emoji"),
        pl.when(first).then(pl.coalesce(reaction.field("target"), reaction.field("target2"))).alias("reaction_target"),
        pl.when(first & reaction.field("emoji2").is_not_null()).then(True).alias("is_reaction_removal"),
        pl.when((pl.col("content_rank") > 1) & pl.lit(layout.collected_reactions))
        .then(
            pl.struct(
                collected.field("emoji").alias("emoji"),
                collected.field("reactors").str.split(", ").list.eval(pl.element().str.strip_chars()).alias("reactors"),
            )
        )
        .alias("collected"),
    )
    is_collected = pl.col("collected").struct.field("emoji").is_not_null()
    return out.with_columns(
        # a reply's quote line and a line of collected reactions are not body text
        pl.when(pl.col("reply_quote").is_not_null() | is_collected).then(None).otherwise(pl.col("part")).alias("part"),
        pl.when(is_collected).then(pl.col("collected")).alias("collected"),
    )


def _messages(classified: pl.DataFrame, files: list[FileText]) -> pl.DataFrame:
    """One row per message: header fields, body joined from its lines, timestamp with roll-over."""
    meta = pl.DataFrame(
        {
            "file_idx": pl.Series([f.file_idx for f in files], dtype=pl.UInt32),
            "file_date": pl.Series([f.session_date for f in files], dtype=pl.Date),
            "recording_start": pl.Series([f.recording_start for f in files], dtype=pl.Datetime("us")),
        }
    )
    offset_layouts = [name for name, layout in LAYOUTS.items() if layout.time_kind == "offset"]
    grouped = classified.filter(pl.col("msg_no") > 0).group_by("file_idx", "msg_no", maintain_order=True).agg(
        pl.col("layout").first(),
        pl.col("line_no").first().alias("source_line"),
        pl.len().cast(pl.Int32).alias("n_lines"),
        pl.col("h_time").first().alias("time_text"),
        pl.col("h_date").first(),
        pl.col("h_sender").first().str.strip_chars().alias("sender_name"),
        pl.col("h_role").first().alias("sender_role"),
        pl.col("h_recipient").first().str.strip_chars().alias("recipient"),
        pl.col("is_system").first(),
        pl.col("part").str.join("\n").alias("body"),
        pl.col("reply_quote").drop_nulls().first().alias("reply_to_text"),
        pl.col("reaction_emoji").drop_nulls().first(),
        pl.col("reaction_target").drop_nulls().first(),
        pl.col("is_reaction_removal").drop_nulls().first(),
        pl.col("collected").drop_nulls().alias("collected_reactions"),
    )
    parts = pl.col("time_text").str.split(":")
    seconds = (
        parts.list.get(0).cast(pl.Int64) * 3600
        + parts.list.get(1).cast(pl.Int64) * 60
        + parts.list.get(2, null_on_oob=True).cast(pl.Int64).fill_null(0)
    )
    back_jump = (pl.col("secs").diff().over("file_idx") < -ROLLOVER_SECONDS).fill_null(False)
    clock = (
        pl.coalesce(pl.col("h_date").str.to_date("%Y-%m-%d", strict=False), pl.col("file_date")).cast(pl.Datetime("us"))
        + pl.duration(days=pl.when(pl.col("h_date").is_null()).then(pl.col("day_offset")).otherwise(0),
                      seconds=pl.col("secs"))
    )
    offset = (
        pl.coalesce(pl.col("recording_start"), pl.col("file_date").cast(pl.Datetime("us")))
        + pl.duration(seconds=pl.col("secs"))
    )
    kind = (
        pl.when(pl.col("is_system")).then(pl.lit("system"))
        .when(pl.col("reaction_emoji").is_not_null()).then(pl.lit("reaction"))
        .when(pl.col("reply_to_text").is_not_null()).then(pl.lit("reply"))
        .otherwise(pl.lit("text"))
    )
    return (
        grouped.join(meta, on="file_idx", how="left")
        .with_columns(
            # a system line (BigBlueButton's welcome) has no time: it takes the next message's
            pl.col("time_text").fill_null(strategy="backward").over("file_idx"),
        )
        .with_columns(seconds.alias("secs"))
        .with_columns(back_jump.cast(pl.Int32).cum_sum().over("file_idx").alias("day_offset"))
        .with_columns(
            pl.when(pl.col("layout").is_in(offset_layouts)).then(offset).otherwise(clock).alias("sent_at"),
            pl.col("msg_no").alias("seq"),
            pl.coalesce(pl.col("recipient"), pl.lit("everyone")).alias("recipient"),
            pl.col("recipient").is_not_null().alias("is_private"),
            kind.alias("message_kind"),
            pl.col("is_reaction_removal").fill_null(False),
            pl.col("reply_to_text").str.replace(r"(?:\.\.\.|…)$", ""),
            pl.col("reaction_target").str.replace(r"(?:\.\.\.|…)$", ""),
            # trailing blank lines separate messages; a lone CR inside a line is a typed line break
            pl.col("body")
            .fill_null("")
            .str.replace(r"(?:\n[ \t]*)+$", "")
            .str.replace(r"^(?:[ \t]*\n)+", "")
            .str.replace_all("\r\t?", "\n"),
        )
        .select(list(MESSAGE_SCHEMA))
        .cast(MESSAGE_SCHEMA)
    )


def _stats(
    lines: pl.DataFrame, classified: pl.DataFrame | None, messages: pl.DataFrame | None, layouts: pl.DataFrame
) -> pl.DataFrame:
    """Per file: layout, line counts by kind (they add up to n_lines), messages, first and last time."""
    totals = lines.group_by("file_idx").agg(pl.len().cast(pl.Int64).alias("n_lines"))
    counts = ["n_header_lines", "n_continuation_lines", "n_blank_lines", "n_rejected_lines", "n_messages", "n_undated"]
    out = totals.join(layouts, on="file_idx", how="left")
    if classified is not None:
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
        out = out.join(kinds, on="file_idx", how="left").join(msgs, on="file_idx", how="left")
    else:
        out = out.with_columns(
            *(pl.lit(None, dtype=pl.Int64).alias(c) for c in counts),
            pl.lit(None, dtype=pl.Datetime("us")).alias("started_at"),
            pl.lit(None, dtype=pl.Datetime("us")).alias("ended_at"),
        )
    return out.with_columns(pl.col(c).fill_null(0) for c in counts)
