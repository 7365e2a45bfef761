"""Header grammar: reading a layout's header lines into fields, and rejecting header-shaped lines.

Owns what the parser reads off a header line: time, date, sender,
recipient, role tag and text (by the layout's pattern, or by byte offsets for
the plain layout), a role tag moved off a name, the first-line rules
(replies, reactions), the seconds a time stamp stands for (clock or offset,
built-in or declared formats), and why a line shaped like a header that is
not one of the file's layout is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import polars as pl

from classchat.ingest.layouts import (
    HEADER_START,
    INVALID_DATE,
    INVALID_TIME,
    MAY_HAVE_TAG,
    NAME_WITH_TAGS,
    REACTION,
    REPLY,
    ROLE_TAG_LOOKUP,
    RULE_PREFIX,
    Layout,
    offset_format_regex,
    unnamed,
)
from classchat.ingest.rows import _collect

FIELDS = ("date", "time", "sender", "recipient", "role", "text")
# a line that starts like a time stamp (or a date): out of shape as a continuation line
TIME_START = r"^(?:\[?[0-9]{1,2}:[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2})"


def _header_expr(layout: Layout) -> pl.Expr:
    """True where the column `line` reads as a header of `layout` (a system line included)."""
    is_header = pl.col("line").str.contains(layout.header)
    if layout.time_formats:  # a declared layout: a header's time (and date) must read by its formats
        time_ok, date_ok = _declared_checks(layout)
        is_header = is_header & time_ok & date_ok
    if layout.system:
        is_header = is_header | pl.col("line").str.contains(layout.system)
    return is_header


def _extract(pattern: str, prefix: str, fields: tuple[str, ...], source: str = "line") -> list[pl.Expr]:
    """Columns `<prefix><field>` from a pattern's named groups, merging `sender`, `sender2`, ..."""
    groups = re.findall(r"\?P<([a-z_]+?)(\d*)>", pattern)
    struct = pl.col(source).str.extract_groups(pattern).struct
    out = []
    for f in fields:
        names = [base + n for base, n in groups if base == f]
        if names:
            out.append(pl.coalesce(struct.field(n) for n in names).alias(prefix + f))
        else:
            out.append(pl.lit(None, dtype=pl.String).alias(prefix + f))
    return out


def _plain_fields(rows: pl.DataFrame) -> pl.DataFrame:
    """The header fields (h_time, h_sender, h_text; the others null) of plain-layout header lines.

    The plain layout, the bulk of large corpora, is cut by byte offsets rather
    than by its regex, with the same meaning as the pattern: the time before
    the first tab or space; after it, tabs and spaces, then the sender up to
    the first " :", then the text after one optional space. Each offset is
    found once and the parts are cut as slices; cutting UTF-8 at an ASCII byte
    keeps it valid.
    """
    line = pl.col("line")
    rows = rows.lazy().with_columns(
        pl.min_horizontal(line.str.find("\t", literal=True), line.str.find(" ", literal=True)).alias("_tab")
    )
    rows = rows.with_columns(
        line.str.head(pl.col("_tab")).alias("h_time"),  # ASCII digits: characters are bytes
        line.str.slice(pl.col("_tab") + 1).str.strip_chars_start(" \t").alias("_rest"),
    )
    rows = rows.with_columns(
        pl.col("_rest").str.find(" :", literal=True).alias("_colon"), pl.col("_rest").cast(pl.Binary).alias("_bin")
    )
    sender = pl.col("_bin").bin.head(pl.col("_colon")).cast(pl.String)
    text = pl.col("_bin").bin.slice(pl.col("_colon") + 2).cast(pl.String).str.strip_prefix(" ")
    return _collect(
        rows.with_columns(
            pl.when(pl.col("_colon").is_null()).then(pl.col("_rest")).otherwise(sender).alias("h_sender"),
            text.alias("h_text"),
            *(pl.lit(None, dtype=pl.String).alias(f"h_{f}") for f in ("date", "recipient", "role")),
        ).drop("_tab", "_rest", "_colon", "_bin")
    )


def _header_shaped_rejects(lines: pl.DataFrame, layout: Layout, layouts: Mapping[str, Layout]) -> pl.DataFrame:
    """Columns `reason` (why a header-shaped line that is not a header is rejected) and `time_start`.

    Only lines that start like a header of some layout (a digit or "[" in the
    first column) and are not headers of this one are tested, so a file read
    well pays one cheap test per line. Tried in order: this layout's header
    with an impossible time or date; a header of another layout (a line that
    would otherwise be glued into the previous message); another layout's
    header with an impossible time. A declared layout's header (raw/layouts.toml)
    may start otherwise: lines matching one are tested too.
    """
    starts = pl.col("line").str.contains(HEADER_START)
    declared = [other.header for other in layouts.values() if other.time_formats]
    if declared:
        starts = starts | pl.any_horizontal(pl.col("line").str.contains(p) for p in declared)
    maybe = ~pl.col("is_header") & ~pl.col("is_blank") & starts
    lines = lines.with_row_index("_row")
    suspects = lines.filter(maybe).select("_row", "line")
    n = lines.height
    if suspects.is_empty():
        return lines.drop("_row").with_columns(
            pl.lit(None, dtype=pl.String).alias("reason"), pl.lit(False).alias("time_start")
        )
    tests = list(layout.invalid_headers)
    others = [other for other in layouts.values() if other.name != layout.name]
    tests += [(unnamed(other.header), f"a {other.name} message header in a file read as {layout.name}") for other in others]
    tests += [(unnamed(p), f"{INVALID_TIME} ({other.name} header)") for other in others for p, _ in other.invalid_headers]
    reason = pl.lit(None, dtype=pl.String)
    for pattern, why in reversed(tests):
        reason = pl.when(pl.col("line").str.contains(pattern)).then(pl.lit(why)).otherwise(reason)
    if layout.time_formats:  # a declared layout's own header whose time or date does not read
        time_ok, date_ok = _declared_checks(layout)
        own = pl.col("line").str.contains(layout.header)
        reason = (
            pl.when(own & ~time_ok).then(pl.lit(INVALID_TIME))
            .when(own & ~date_ok).then(pl.lit(INVALID_DATE))
            .otherwise(reason)
        )
    suspects = suspects.select(
        "_row", reason.alias("reason"), pl.col("line").str.contains(TIME_START).alias("time_start")
    )
    rows = suspects.get_column("_row")
    return lines.drop("_row").with_columns(
        pl.Series("reason", [None] * n, dtype=pl.String).scatter(rows, suspects.get_column("reason")),
        pl.Series("time_start", [False] * n, dtype=pl.Boolean).scatter(rows, suspects.get_column("time_start")),
    )


def _headers(rows: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """One row per message from its header line; role tags off the names; the first-line rules on its text."""
    out = rows.select("file_idx", "msg_no", "line_no", "line")
    if layout.name == "plain":
        out = _plain_fields(out)
    elif layout.common_header:  # most headers are in the common form: extract them with its smaller pattern
        out = out.with_row_index("_row")
        common = pl.col("line").str.contains(layout.common_header)
        out = pl.concat([
            _collect(out.lazy().filter(common).with_columns(_extract(layout.common_header, "h_", FIELDS))),
            _collect(out.lazy().filter(~common).with_columns(_extract(layout.header, "h_", FIELDS))),
        ]).sort("_row").drop("_row")
    else:
        out = _collect(out.lazy().with_columns(_extract(layout.header, "h_", FIELDS)))
    out = _role_tags(out.with_columns(pl.col("h_sender").str.strip_chars(), pl.col("h_recipient").str.strip_chars()))
    if layout.system:
        system_text = pl.col("line").str.extract(layout.system.replace("(?P<text>", "("), 1)
        is_system = pl.col("h_time").is_null()
        out = out.with_columns(
            pl.when(is_system).then(system_text).otherwise(pl.col("h_text")).alias("h_text"),
            pl.when(is_system).then(pl.lit("system")).otherwise(pl.col("h_sender")).alias("h_sender"),
            is_system.alias("is_system"),
        )
    elif layout.time_formats:  # a declared layout's header without a sender is the tool's own line: system
        is_system = pl.col("h_sender").is_null() | (pl.col("h_sender") == "")
        out = out.with_columns(
            pl.when(is_system).then(pl.lit("system")).otherwise(pl.col("h_sender")).alias("h_sender"),
            is_system.alias("is_system"),
        )
    else:
        out = out.with_columns(pl.lit(False).alias("is_system"))
    out = out.with_columns(pl.col("h_text").str.contains(r"\S").fill_null(False).alias("h_has_text"))
    return _first_line_rules(out, "h_text", pl.col("h_has_text")).drop("line")


def _role_tags(out: pl.DataFrame) -> pl.DataFrame:
    """A role tag before or after the sender's (or recipient's) name moves out of it into h_role.

    Only names holding a bracket are tested; h_role keeps a tag the header
    pattern itself found (BigBlueButton's `[Name : ROLE]`).
    """
    may = (
        pl.col("h_sender").str.contains(MAY_HAVE_TAG) | pl.col("h_recipient").str.contains(MAY_HAVE_TAG)
    ).fill_null(False)
    out = out.with_row_index("_row")
    hits = out.filter(may)
    if not hits.is_empty():
        sender = pl.col("h_sender").str.extract_groups(NAME_WITH_TAGS).struct
        recipient = pl.col("h_recipient").str.extract_groups(NAME_WITH_TAGS).struct
        hits = hits.select(
            "_row",
            pl.coalesce(sender.field("name"), "h_sender").alias("h_sender"),
            pl.coalesce(recipient.field("name"), "h_recipient").alias("h_recipient"),
            pl.coalesce("h_role", sender.field("pre"), sender.field("post")).alias("h_role"),
        )
        out = out.update(hits, on="_row")
    tag = pl.col("h_role").str.strip_chars().str.to_lowercase().str.replace_all(r"[ \t]+", " ")
    return out.drop("_row").with_columns(
        tag.replace_strict(ROLE_TAG_LOOKUP, default=None, return_dtype=pl.String).alias("h_role_tag")
    )


def _first_line_rules(frame: pl.DataFrame, column: str, is_first: pl.Expr) -> pl.DataFrame:
    """reply_quote, reaction_emoji/target and is_reaction_removal from the first content line in `column`.

    The patterns run only on lines that start like one of them (a cheap filter),
    so a corpus without replies or reactions pays one prefix test per line.
    """
    maybe = (pl.col(column).str.contains(RULE_PREFIX) & is_first).fill_null(False)
    frame = frame.with_row_index("_row")
    hits = frame.filter(maybe).select(
        "_row",
        pl.col(column).str.extract_groups(REPLY).struct.field("quote").alias("reply_quote"),
        *_extract(REACTION, "r_", ("emoji", "target"), source=column),
        pl.col(column).str.starts_with("Removed a ").alias("_removal"),
    )
    hits = hits.select(
        "_row",
        "reply_quote",
        pl.col("r_emoji").alias("reaction_emoji"),
        pl.col("r_target").alias("reaction_target"),
        pl.when(pl.col("r_emoji").is_not_null()).then(pl.col("_removal")).alias("is_reaction_removal"),
    )
    if hits.is_empty():
        return frame.drop("_row").with_columns(
            pl.lit(None, dtype=pl.String).alias("reply_quote"),
            pl.lit(None, dtype=pl.String).alias("reaction_emoji"),
            pl.lit(None, dtype=pl.String).alias("reaction_target"),
            pl.lit(None, dtype=pl.Boolean).alias("is_reaction_removal"),
        )
    return frame.join(hits, on="_row", how="left").drop("_row")


def _seconds_of_day(time_text: pl.Expr) -> pl.Expr:
    """Seconds since midnight of H:MM:SS, HH:MM:SS or (BigBlueButton) H:MM, HH:MM.

    The digits are read as bytes: no string is made for 2M timestamps.
    """
    size = time_text.str.len_bytes()
    raw = time_text.cast(pl.Binary)

    def digit(i: int) -> pl.Expr:
        return raw.bin.get(i, null_on_oob=True).cast(pl.Int64) - ord("0")

    def two(i: int) -> pl.Expr:
        return digit(i) * 10 + digit(i + 1)

    has_seconds = size > 5
    hour_digits = size - pl.when(has_seconds).then(len(":MM:SS")).otherwise(len(":MM"))
    hours = pl.when(hour_digits == 2).then(two(0)).otherwise(digit(0))
    return hours * 3600 + pl.when(has_seconds).then(two(-5) * 60 + two(-2)).otherwise(two(-2) * 60)


def _seconds_by_format(time_text: pl.Expr, layout: Layout) -> pl.Expr:
    """Seconds of a declared layout's times, read by its formats in order (null if none reads it).

    Clock times by strftime formats (`%H:%M:%S`, `%I:%M %p`, ...); offsets by formats of %H, %M and
    %S, whose hours may pass 24 (layouts.offset_format_regex).
    """
    if layout.time_kind == "offset":
        tried = []
        for fmt in layout.time_formats:
            pattern = offset_format_regex(fmt)
            parts = time_text.str.extract_groups(pattern).struct
            weights = [(g, w) for g, w in (("h", 3600), ("m", 60), ("s", 1)) if f"(?P<{g}>" in pattern]
            tried.append(sum(parts.field(g).cast(pl.Int64) * w for g, w in weights))
        return pl.coalesce(tried)
    clock = pl.coalesce(time_text.str.to_time(fmt, strict=False) for fmt in layout.time_formats)
    return (
        clock.dt.hour().cast(pl.Int64) * 3600 + clock.dt.minute().cast(pl.Int64) * 60 + clock.dt.second().cast(pl.Int64)
    )


def _declared_checks(layout: Layout) -> tuple[pl.Expr, pl.Expr]:
    """(the time reads, the date reads or is absent) for a line as a declared layout's header."""
    time_text, date_text = _extract(layout.header, "_", ("time", "date"))
    time_ok = _seconds_by_format(time_text, layout).is_not_null()
    date_ok = date_text.is_null() | date_text.str.to_date(layout.date_format, strict=False).is_not_null()
    return time_ok, date_ok
