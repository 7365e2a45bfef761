"""Lines to messages: one vectorised Polars pass over a batch of decoded files.

Owns the reading of text into the lake's row model and the accounting of
every line. Every line of every file in the batch becomes one row of a single
Polars frame; layout detection, header extraction, message numbering, body
rules (replies, reactions), body joining, date roll-over and the accounting
of each line (header, continuation, blank or rejected) are column expressions
over that frame, never a per-line Python loop. The result is one frame of
messages, one of rejected lines and one of per-file statistics.

This module runs the pass (`parse_batch`), numbers messages, decides each
line's kind and counts them (`_parse_layout`, `_stats`); the steps live in
`rows` (schemas, `FileText`, shared helpers), `lines` (splitting text into
lines, choosing layouts), `headers` (the header grammar, header-shaped
rejects) and `messages` (joining bodies, timestamps, the final rows). Their
public names are importable from here as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from classchat.ingest.headers import FIELDS, TIME_START, _header_expr, _header_shaped_rejects, _headers
from classchat.ingest.layouts import LAYOUTS, Layout
from classchat.ingest.lines import DETECT_LINES, _choose_layouts, _lines_frame, _split_at_cr_headers
from classchat.ingest.messages import ROLLOVER_SECONDS, _finish_messages, _join_tails
from classchat.ingest.rows import (
    LINE_SCHEMA,
    MESSAGE_SCHEMA,
    REACTION_STRUCT,
    REJECT_SCHEMA,
    FileText,
    _collect,
    _per_file_cumsum,
)

__all__ = [
    "BEFORE_FIRST_HEADER", "CONTINUES_REJECTED", "DETECT_LINES", "FIELDS", "LINE_SCHEMA", "MESSAGE_SCHEMA",
    "PARSER_VERSION", "REACTION_STRUCT", "REJECT_SCHEMA", "ROLLOVER_SECONDS", "TIME_START", "FileText",
    "ParsedBatch", "parse_batch",
]

# Bump when parsing changes what lands: files landed by an older parser are re-read.
# 3: per-file columns of the lake written as categorical (dictionary) strings
# 4: header grammar in every language and case, role tags (role_tag column), no header glued into a body,
#    impossible times rejected, CR-only files split at CR
# 5: a lone CR before a header of the file's layout ends a line (mixed line ends), it no longer glues it
# 6: a Zoom webinar's group recipients are no direct message (recipient `hosts and panelists` / `everyone`)
PARSER_VERSION = 6

BEFORE_FIRST_HEADER = "text before the first message header"
CONTINUES_REJECTED = "continues a rejected header line above"


@dataclass
class ParsedBatch:
    messages: pl.DataFrame  # MESSAGE_SCHEMA
    rejects: pl.DataFrame  # REJECT_SCHEMA
    stats: pl.DataFrame  # one row per file_idx: layout, line counts, n_messages, layout_fit
    lines: pl.DataFrame | None = None  # keep_lines: one row per line, how it was read (LINE_SCHEMA)
    detection: pl.DataFrame | None = None  # keep_lines: per file_idx, each layout's header lines among its first


def parse_batch(
    files: list[FileText], *, layouts: Mapping[str, Layout] | None = None, keep_lines: bool = False
) -> ParsedBatch:
    """Parse a batch of decoded files into messages, rejects and per-file statistics.

    `layouts`: the layouts detection chooses among, in tie order, and whose headers no body may hold
    (default: the built-ins, `layouts.LAYOUTS`; `user_layouts.load_layouts` adds raw/layouts.toml's).
    `keep_lines`: also return how each line was read (`lines`) and the detection scores
    (`detection`), as `classchat ingest --explain` shows them; the parse itself is the same.
    """
    known = LAYOUTS if layouts is None else layouts
    lines = _lines_frame(files)
    chosen, scores = _choose_layouts(lines, files, known)
    lines = _split_at_cr_headers(lines, chosen, known)
    names = chosen.get_column("layout").drop_nulls().unique().sort().to_list()
    meta = _file_meta(files)
    messages, rejects, kinds, per_line = [], [], [], []
    for name in names:
        of_layout = chosen.filter(pl.col("layout") == name).get_column("file_idx")
        part = lines if len(names) == 1 and of_layout.len() == chosen.height else lines.filter(
            pl.col("file_idx").is_in(of_layout.implode())
        )
        m, r, k, read = _parse_layout(part, known[name], meta, known, keep_lines=keep_lines)
        messages.append(m)
        rejects.append(r)
        kinds.append(k)
        per_line.append(read)
    batch = ParsedBatch(
        messages=pl.concat(messages) if messages else pl.DataFrame(schema=MESSAGE_SCHEMA),
        rejects=pl.concat(rejects) if rejects else pl.DataFrame(schema=REJECT_SCHEMA),
        stats=_stats(lines, chosen, kinds, messages),
    )
    if keep_lines:
        unread = lines.join(chosen.filter(pl.col("layout").is_null()), on="file_idx", how="semi").select(
            "file_idx", "line_no", "line", *(pl.lit(None).alias(c) for c in list(LINE_SCHEMA)[3:])
        )
        batch.lines = pl.concat([f.cast(LINE_SCHEMA) for f in (*per_line, unread)]).sort("file_idx", "line_no")
        batch.detection = scores
    return batch


def _file_meta(files: list[FileText]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "file_idx": pl.Series([f.file_idx for f in files], dtype=pl.UInt32),
            "file_date": pl.Series([f.session_date for f in files], dtype=pl.Date),
            "recording_start": pl.Series([f.recording_start for f in files], dtype=pl.Datetime("us")),
        }
    )


def _parse_layout(
    lines: pl.DataFrame, layout: Layout, meta: pl.DataFrame, layouts: Mapping[str, Layout], *, keep_lines: bool = False
):
    """Messages, rejects and per-file line counts of files of one layout (and, with `keep_lines`, each
    line's reading: LINE_SCHEMA; else None).

    Every line is one of: header, continuation, blank, rejected. A line is
    rejected when it comes before the first header, or when it is shaped like a
    header but is not one of this layout: an impossible time or date, or a
    header of another layout of `layouts`. Such a line is never glued into a message body.
    """
    is_header = _header_expr(layout)
    lines = _collect(
        lines.lazy().with_columns(is_header.alias("is_header"), ~pl.col("line").str.contains(r"\S").alias("is_blank"))
    )
    lines = _header_shaped_rejects(lines, layout, layouts)
    # the lines after a rejected header-shaped line, up to the next header, are its body: rejected with it
    shaped = pl.col("reason").is_not_null()
    after_shaped = (
        pl.when(pl.col("is_header")).then(False)
        .when(shaped).then(True)
        .when(pl.col("line_no") == 1).then(False)
        .otherwise(None)
        .forward_fill()
    )
    lines = _collect(
        lines.lazy()
        .with_columns(
            _per_file_cumsum(pl.col("is_header"), pl.col("line_no") == 1).alias("msg_no"),
            pl.when(~shaped & ~pl.col("is_blank") & ~pl.col("is_header") & after_shaped)
            .then(pl.lit(CONTINUES_REJECTED))
            .otherwise(pl.col("reason"))
            .alias("reason"),
        )
        .with_columns(
            pl.when((pl.col("msg_no") == 0) & ~pl.col("is_blank") & ~pl.col("is_header"))
            .then(pl.coalesce("reason", pl.lit(BEFORE_FIRST_HEADER)))
            .otherwise(pl.col("reason"))
            .alias("reason")
        )
        .with_columns(pl.col("reason").is_not_null().alias("is_rejected"))
    )
    is_continuation = ~pl.col("is_header") & ~pl.col("is_blank") & ~pl.col("is_rejected")
    out_of_shape = pl.col("time_start")
    # a rejected line is out of shape, except a preamble without a time stamp (a title line before the chat)
    misfit_reject = pl.col("is_rejected") & ((pl.col("reason") != BEFORE_FIRST_HEADER) | pl.col("time_start"))
    if layout.continuation_prefix:
        out_of_shape = out_of_shape | ~pl.col("line").str.starts_with(layout.continuation_prefix)
    misfit = misfit_reject | (is_continuation & out_of_shape)
    kinds = lines.group_by("file_idx").agg(
        pl.col("is_header").sum().cast(pl.Int64).alias("n_header_lines"),
        is_continuation.sum().cast(pl.Int64).alias("n_continuation_lines"),
        (pl.col("is_blank") & ~pl.col("is_header")).sum().cast(pl.Int64).alias("n_blank_lines"),
        pl.col("is_rejected").sum().cast(pl.Int64).alias("n_rejected_lines"),
        misfit.sum().cast(pl.Int64).alias("n_misfit_lines"),
    )
    read = None
    if keep_lines:  # the same expressions as the counts above, kept per line
        kind = (
            pl.when(pl.col("is_header")).then(pl.lit("header"))
            .when(pl.col("is_blank")).then(pl.lit("blank"))
            .when(pl.col("is_rejected")).then(pl.lit("rejected"))
            .when(is_continuation).then(pl.lit("continuation"))
        )
        read = lines.select(
            "file_idx", "line_no", "line", pl.lit(layout.name).alias("layout"), kind.alias("kind"), "reason",
            misfit.alias("misfit"), "time_start", pl.col("msg_no").cast(pl.Int32),
        ).cast(LINE_SCHEMA)
    rejects = (
        lines.filter(pl.col("is_rejected"))
        .select("file_idx", "line_no", pl.col("line").alias("raw_text"), "reason")
        .cast(REJECT_SCHEMA)
    )

    headers = _headers(lines.filter(pl.col("is_header")), layout)
    tails = lines.filter((pl.col("msg_no") > 0) & ~pl.col("is_header") & ~pl.col("is_rejected"))
    messages = _join_tails(headers, tails, layout)
    return _finish_messages(messages, meta, layout), rejects, kinds, read


def _stats(
    lines: pl.DataFrame, layouts: pl.DataFrame, kinds: list[pl.DataFrame], messages: list[pl.DataFrame]
) -> pl.DataFrame:
    """Per file: layout, line counts by kind (they add up to n_lines), messages, first and last time, fit.

    `layout_fit` is the share of the file's non-blank lines read as its layout
    expects: headers, continuation lines of the shape the layout writes them
    (indented where it indents them; never starting with a time stamp), and
    lines without a time stamp before the first header (a title line).
    `n_misfit_lines` counts the others: such continuation lines and the
    rejected lines (impossible times, headers of other layouts, what follows
    them, time-stamped lines before the first header). A file without a layout
    has no fit (null). Compare with layouts.LAYOUT_FIT_THRESHOLD.
    """
    counts = [
        "n_header_lines", "n_continuation_lines", "n_blank_lines", "n_rejected_lines", "n_misfit_lines",
        "n_messages", "n_undated",
    ]
    out = lines.group_by("file_idx").agg(pl.len().cast(pl.Int64).alias("n_lines")).join(
        layouts, on="file_idx", how="left"
    )
    if kinds:
        out = out.join(pl.concat(kinds), on="file_idx", how="left")
        msgs = pl.concat(messages).group_by("file_idx").agg(
            pl.len().cast(pl.Int64).alias("n_messages"),
            pl.col("sent_at").min().alias("started_at"),
            pl.col("sent_at").max().alias("ended_at"),
            pl.col("sent_at").null_count().cast(pl.Int64).alias("n_undated"),
        )
        out = out.join(msgs, on="file_idx", how="left")
    else:
        out = out.with_columns(
            *(pl.lit(None, dtype=pl.Int64).alias(c) for c in counts[:5]),
            pl.lit(None, dtype=pl.Datetime("us")).alias("started_at"),
            pl.lit(None, dtype=pl.Datetime("us")).alias("ended_at"),
        )
    for c in counts:
        if c not in out.columns:
            out = out.with_columns(pl.lit(0, dtype=pl.Int64).alias(c))
    out = out.with_columns(pl.col(c).fill_null(0) for c in counts)
    non_blank = pl.col("n_header_lines") + pl.col("n_continuation_lines") + pl.col("n_rejected_lines")
    return out.with_columns(
        pl.when(pl.col("layout").is_not_null() & (non_blank > 0))
        .then(1.0 - pl.col("n_misfit_lines") / non_blank)
        .otherwise(None)
        .cast(pl.Float64)
        .alias("layout_fit")
    )
