"""The parser's row model: the frames it hands out and the Polars helpers its passes share.

Owns the schemas of what parsing produces (messages, rejected lines, and how
each line was read), the decoded file handed in (`FileText`), and two helpers
every pass uses: running a query on the streaming engine and a per-file
running count. `parse` re-exports the public names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

REACTION_STRUCT = pl.Struct({"emoji": pl.String, "reactors": pl.List(pl.String)})
MESSAGE_SCHEMA = {
    "file_idx": pl.UInt32,
    "seq": pl.Int32,
    "source_line": pl.Int32,
    "n_lines": pl.Int32,
    "sent_at": pl.Datetime("us"),
    "time_text": pl.String,
    "sender_name": pl.String,
    "sender_role": pl.String,  # the role tag as the export writes it ("TA", "主持人", "MODERATOR")
    "role_tag": pl.String,  # the same, normalised to a key of layouts.ROLE_TAGS (host, co-host, ta, ...)
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

# How each line was read (parse_batch(..., keep_lines=True)): the same columns the parser counts by.
LINE_SCHEMA = {
    "file_idx": pl.UInt32,
    "line_no": pl.Int32,
    "line": pl.String,
    "layout": pl.String,  # the layout the file was read as (null: none matched)
    "kind": pl.String,  # header | continuation | blank | rejected (null: the file has no layout)
    "reason": pl.String,  # why a rejected line was rejected
    "misfit": pl.Boolean,  # counted in n_misfit_lines: out of the layout's shape
    "time_start": pl.Boolean,  # a non-header line starting like a time stamp (or a date)
    "msg_no": pl.Int32,  # the message the line belongs to (1.., file order; 0 before the first header)
}


@dataclass(frozen=True)
class FileText:
    """One decoded file handed to the parser."""

    file_idx: int
    text: str | bytes  # the text, or its UTF-8 bytes (as `decode` gives them)
    session_date: date | None  # from sessions.csv or the path; None if unknown
    layout: str | None = None  # forced layout (--format), else detected
    recording_start: datetime | None = None  # what offset times count from (cloud recordings)


def _collect(query: pl.LazyFrame) -> pl.DataFrame:
    """Run a query on Polars' streaming engine: row-wise string work is spread over every core.

    (An eager frame op on one chunk runs on one core; the streaming engine
    splits the rows into morsels.)
    """
    return query.collect(engine="streaming")


def _per_file_cumsum(flag: pl.Expr, first_of_file: pl.Expr) -> pl.Expr:
    """A running count of `flag` that restarts at each file (rows in file order), without a group-by."""
    flag = flag.cast(pl.Int32)
    total = flag.cum_sum()
    return total - pl.when(first_of_file).then(total - flag).forward_fill()
