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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from classchat.ingest.layouts import (
    COLLECTED_REACTIONS,
    HEADER_START,
    INVALID_DATE,
    INVALID_TIME,
    LAYOUTS,
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

# Bump when parsing changes what lands: files landed by an older parser are re-read.
# 3: per-file columns of the lake written as categorical (dictionary) strings
# 4: header grammar in every language and case, role tags (role_tag column), no header glued into a body,
#    impossible times rejected, CR-only files split at CR
# 5: a lone CR before a header of the file's layout ends a line (mixed line ends), it no longer glues it
PARSER_VERSION = 5

DETECT_LINES = 200  # first lines of a file that decide its layout
ROLLOVER_SECONDS = 12 * 3600  # a clock going back by more than this is the next day
FIELDS = ("date", "time", "sender", "recipient", "role", "text")
BEFORE_FIRST_HEADER = "text before the first message header"
CONTINUES_REJECTED = "continues a rejected header line above"
# a line that starts like a time stamp (or a date): out of shape as a continuation line
TIME_START = r"^(?:\[?[0-9]{1,2}:[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2})"

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


def _lines_frame(files: list[FileText]) -> pl.DataFrame:
    """One row per line: file_idx, line_no (1-based), line (trailing CRs removed).

    The files' UTF-8 bytes become one String column (one copy, no Python
    strings) that Polars splits on LF; a final LF ends the last line, it does
    not start an empty one. A file with CR but no LF anywhere (old Mac line
    ends) is split at CR; elsewhere a lone CR is a break typed inside a line,
    except before a header of the file's layout (`_split_at_cr_headers`, once
    the layout is known).
    """
    data = [f.text.encode("utf-8") if isinstance(f.text, str) else f.text for f in files]
    texts = pl.DataFrame(
        {
            "file_idx": pl.Series([f.file_idx for f in files], dtype=pl.UInt32),
            "line": pl.Series(data, dtype=pl.Binary).cast(pl.String),
        }
    )
    has_cr = texts.select(pl.col("line").str.contains("\r", literal=True).any()).item()
    if has_cr:
        line = pl.col("line")
        cr_only = line.str.contains("\r", literal=True) & ~line.str.contains("\n", literal=True)
        if texts.select(cr_only.any()).item():
            texts = texts.with_columns(
                pl.when(cr_only).then(line.str.replace_all("\r", "\n", literal=True)).otherwise(line).alias("line")
            )
    lines = (
        texts.lazy()
        .with_columns(pl.col("line").str.strip_suffix("\n").str.split("\n"))
        .with_columns(pl.int_ranges(1, pl.col("line").list.len() + 1, dtype=pl.Int32).alias("line_no"))
        .explode("line", "line_no")
    )
    return _collect(lines.with_columns(pl.col("line").str.strip_chars_end("\r")) if has_cr else lines)


def _split_at_cr_headers(
    lines: pl.DataFrame, chosen: pl.DataFrame, layouts: Mapping[str, Layout]
) -> pl.DataFrame:
    """The lines again, cut at each lone CR whose following text reads as a header of the file's layout.

    A lone CR left inside a line (one not before LF; a CR-only file was split
    already) is a line break the sender typed and stays in the body, except
    where the text after it, up to the next CR or the line's end, reads as a
    header of the file's layout (`_header_expr`): there the CR ended a line of
    an export with mixed line ends, and the header starts a line of its own.
    A header of another layout after a CR stays text. Files that are cut are
    numbered again (line_no counts the lines so cut). Columns only: the lines
    holding a CR are split into their parts and tested at once; a batch
    without a lone CR pays one test per line.
    """
    has_cr = pl.col("line").str.contains("\r", literal=True)
    if not lines.select(has_cr.any()).item():
        return lines
    columns = lines.columns
    lines = lines.with_row_index("_row")
    parts = (
        lines.filter(has_cr)
        .join(chosen.filter(pl.col("layout").is_not_null()), on="file_idx", how="inner")
        .with_columns(pl.col("line").str.split("\r"))
        .with_columns(pl.int_ranges(0, pl.col("line").list.len(), dtype=pl.Int32).alias("_part"))
        .explode("line", "_part")
    )
    tested = [
        parts.filter(pl.col("layout") == name).with_columns(
            ((pl.col("_part") > 0) & _header_expr(layouts[name])).alias("_cut")
        )
        for name in parts.get_column("layout").unique().to_list()
    ]
    parts = pl.concat(tested) if tested else parts.with_columns(pl.lit(False).alias("_cut"))
    parts = parts.filter(pl.col("_cut").any().over("_row"))
    if parts.is_empty():
        return lines.drop("_row")
    pieces = (
        parts.sort("_row", "_part")
        .with_columns(pl.col("_cut").cast(pl.Int32).cum_sum().over("_row").alias("_piece"))
        .group_by("_row", "_piece", maintain_order=True)
        .agg(pl.col("file_idx").first(), pl.col("line_no").first(), pl.col("line").str.join("\r"))
    )
    cut = pieces.get_column("_row").unique().implode()
    cut_files = pieces.get_column("file_idx").unique().implode()
    out = pl.concat([
        lines.filter(~pl.col("_row").is_in(cut)).with_columns(pl.lit(0, dtype=pl.Int32).alias("_piece")),
        pieces.select(lines.columns + ["_piece"]),
    ]).sort("_row", "_piece")
    renumbered = pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("file_idx")
    line_no = pl.when(pl.col("file_idx").is_in(cut_files)).then(renumbered).otherwise(pl.col("line_no"))
    return out.with_columns(line_no.alias("line_no")).select(columns).cast(lines.select(columns).schema)


def _header_expr(layout: Layout) -> pl.Expr:
    """True where the column `line` reads as a header of `layout` (a system line included)."""
    is_header = pl.col("line").str.contains(layout.header)
    if layout.time_formats:  # a declared layout: a header's time (and date) must read by its formats
        time_ok, date_ok = _declared_checks(layout)
        is_header = is_header & time_ok & date_ok
    if layout.system:
        is_header = is_header | pl.col("line").str.contains(layout.system)
    return is_header


def _choose_layouts(
    lines: pl.DataFrame, files: list[FileText], layouts: Mapping[str, Layout]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """file_idx -> layout name: the forced one, else the best match on the first lines (null if none);
    and the scores it chose by (per file_idx, a column per layout: its header lines among the first)."""
    names = list(layouts)
    head = lines.filter(pl.col("line_no") <= DETECT_LINES)
    scores = head.group_by("file_idx").agg(
        pl.col("line").str.contains(layouts[name].header).sum().alias(name) for name in names
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
    return best, scores


def _file_meta(files: list[FileText]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "file_idx": pl.Series([f.file_idx for f in files], dtype=pl.UInt32),
            "file_date": pl.Series([f.session_date for f in files], dtype=pl.Date),
            "recording_start": pl.Series([f.recording_start for f in files], dtype=pl.Datetime("us")),
        }
    )


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


def _join_tails(headers: pl.DataFrame, tails: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Attach each message's continuation and blank lines: body text, line count, rules on them."""
    if tails.is_empty():
        return headers.with_columns(
            pl.lit(None, dtype=pl.String).alias("tail"),
            pl.lit(0, dtype=pl.Int32).alias("n_tail"),
            pl.lit([], dtype=pl.List(REACTION_STRUCT)).alias("collected_reactions"),
        )
    part = pl.col("line")
    if layout.continuation_prefix:
        part = part.str.strip_prefix(layout.continuation_prefix)
    new_message = (pl.col("msg_no") != pl.col("msg_no").shift(1)) | (pl.col("file_idx") != pl.col("file_idx").shift(1))
    tails = (
        tails.select("file_idx", "msg_no", part.alias("part"), "is_blank")
        .join(headers.select("file_idx", "msg_no", "h_has_text"), on=["file_idx", "msg_no"], how="left")
        .with_columns(
            (
                _per_file_cumsum(~pl.col("is_blank"), new_message.fill_null(True))
                + pl.col("h_has_text").cast(pl.Int32)
            ).alias("content_rank")
        )
    )
    tails = _first_line_rules(tails, "part", (pl.col("content_rank") == 1) & ~pl.col("is_blank"))
    collected = pl.col("part").str.extract_groups(COLLECTED_REACTIONS).struct
    tails = tails.with_columns(
        pl.when((pl.col("content_rank") > 1) & ~pl.col("is_blank") & pl.lit(layout.collected_reactions))
        .then(
            pl.struct(
                collected.field("emoji").alias("emoji"),
                collected.field("reactors").str.split(", ").list.eval(pl.element().str.strip_chars()).alias("reactors"),
            )
        )
        .alias("collected")
    )
    is_collected = pl.col("collected").struct.field("emoji").is_not_null()
    agg = tails.group_by("file_idx", "msg_no", maintain_order=True).agg(
        pl.len().cast(pl.Int32).alias("n_tail"),
        # a reply's quote line and a line of collected reactions are not body text
        pl.when(pl.col("reply_quote").is_null() & ~is_collected).then(pl.col("part")).str.join("\n").alias("tail"),
        pl.col("reply_quote").drop_nulls().first().alias("t_reply_quote"),
        pl.col("reaction_emoji").drop_nulls().first().alias("t_reaction_emoji"),
        pl.col("reaction_target").drop_nulls().first().alias("t_reaction_target"),
        pl.col("is_reaction_removal").drop_nulls().first().alias("t_is_reaction_removal"),
        pl.col("collected").filter(is_collected).alias("collected_reactions"),
    )
    return headers.join(agg, on=["file_idx", "msg_no"], how="left").with_columns(
        pl.coalesce("reply_quote", "t_reply_quote").alias("reply_quote"),
        pl.coalesce("reaction_emoji", "t_reaction_emoji").alias("reaction_emoji"),
        pl.coalesce("reaction_target", "t_reaction_target").alias("reaction_target"),
        pl.coalesce("is_reaction_removal", "t_is_reaction_removal").alias("is_reaction_removal"),
        pl.col("n_tail").fill_null(0),
        pl.col("collected_reactions").fill_null([]),
    ).drop("t_reply_quote", "t_reaction_emoji", "t_reaction_target", "t_is_reaction_removal")


def _finish_messages(m: pl.DataFrame, meta: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Timestamps (with day roll-over or recording offsets), kinds, recipients and the final body."""
    seconds = _seconds_by_format(pl.col("time_text"), layout) if layout.time_formats else _seconds_of_day(
        pl.col("time_text")
    )
    first_of_file = pl.col("file_idx") != pl.col("file_idx").shift(1)
    back_jump = ((pl.col("secs") - pl.col("secs").shift(1)) < -ROLLOVER_SECONDS) & ~first_of_file.fill_null(True)
    clock = (
        pl.coalesce(pl.col("h_date").str.to_date(layout.date_format, strict=False), pl.col("file_date")).cast(pl.Datetime("us"))
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
        .when(pl.col("reply_quote").is_not_null()).then(pl.lit("reply"))
        .otherwise(pl.lit("text"))
    )
    header_text = pl.when(pl.col("reply_quote").is_not_null() & pl.col("h_has_text")).then(None).otherwise(pl.col("h_text"))
    m = m.with_columns(header_text.alias("h_text"))
    m = _bodies(m, layout)
    m = m.join(meta, on="file_idx", how="left").rename({"h_time": "time_text"}).lazy()
    if layout.system:  # a system line (BigBlueButton's welcome) has no time: it takes the next message's
        m = m.with_columns(pl.col("time_text").fill_null(strategy="backward").over("file_idx"))
    return _collect(
        m.with_columns(seconds.alias("secs"))
        .with_columns(
            _per_file_cumsum(back_jump.fill_null(False), first_of_file.fill_null(True)).alias("day_offset")
        )
        .with_columns(
            (offset if layout.time_kind == "offset" else clock).alias("sent_at"),
            pl.col("msg_no").alias("seq"),
            pl.col("line_no").alias("source_line"),
            (pl.col("n_tail") + 1).alias("n_lines"),
            pl.col("h_sender").alias("sender_name"),
            pl.col("h_role").alias("sender_role"),
            pl.col("h_role_tag").alias("role_tag"),
            pl.coalesce(pl.col("h_recipient"), pl.lit("everyone")).alias("recipient"),
            pl.col("h_recipient").is_not_null().alias("is_private"),
            kind.alias("message_kind"),
            pl.col("is_reaction_removal").fill_null(False),
            pl.col("reply_quote").str.replace(r"(?:\.\.\.|…)$", "").alias("reply_to_text"),
            pl.col("reaction_target").str.replace(r"(?:\.\.\.|…)$", ""),
        )
        .select(list(MESSAGE_SCHEMA))
        .cast(MESSAGE_SCHEMA)
    )


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


def _bodies(m: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """The body column: the header's text, then the continuation lines.

    Single-line messages (most of a large corpus) take their header text as it
    is; only multi-line ones pay for joining and trimming. A lone CR inside a
    line is a line break the sender typed (Zoom indents what follows it with a tab);
    one before a header of the layout ended the line already (`_split_at_cr_headers`).
    """
    body = m.get_column("h_text").fill_null("")
    multi = m.with_row_index("_row").filter(pl.col("tail").is_not_null())
    if not multi.is_empty():
        joined = multi.select(
            pl.concat_str([pl.col("h_text"), pl.col("tail")], separator="\n", ignore_nulls=True)
            # trailing blank lines separate messages; leading ones come from a header without text
            .str.replace(r"(?:\n[ \t]*)+$", "")
            .str.replace(r"^(?:[ \t]*\n)+", "")
        ).to_series()
        body = body.scatter(multi.get_column("_row"), joined)
    out = m.with_columns(body.alias("body"))
    cr = "\r" + layout.continuation_prefix if layout.continuation_prefix else "\r"
    has_cr = pl.col("body").str.contains("\r", literal=True)
    if out.select(has_cr.any()).item():
        out = out.with_columns(
            pl.when(has_cr).then(pl.col("body").str.replace_all(cr, "\n", literal=True).str.replace_all("\r", "\n", literal=True))
            .otherwise(pl.col("body")).alias("body")
        )
    return out


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
