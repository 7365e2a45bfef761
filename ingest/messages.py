"""Message assembly: header rows and their continuation lines made into the lake's messages.

Owns joining each message's continuation and blank lines to its header
(body text, line count, the rules on the first content line, collected
reactions) and finishing the rows: timestamps (day roll-over, recording
offsets), kinds, recipients (a Zoom webinar's group recipients are no direct
message) and the final body in MESSAGE_SCHEMA.
"""

from __future__ import annotations

import polars as pl

from classchat.ingest.headers import _first_line_rules, _seconds_by_format, _seconds_of_day
from classchat.ingest.layouts import COLLECTED_REACTIONS, WEBINAR_EVERYONE, WEBINAR_PERSON_AND_STAFF, WEBINAR_STAFF, Layout
from classchat.ingest.rows import MESSAGE_SCHEMA, REACTION_STRUCT, _collect, _per_file_cumsum
from classchat.namebook import STAFF_AUDIENCE

ROLLOVER_SECONDS = 12 * 3600  # a clock going back by more than this is the next day


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
    # Zoom webinars' group recipients are no direct message (layouts.WEBINAR_EVERYONE, WEBINAR_STAFF)
    group = pl.col("h_recipient").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    to_everyone = pl.col("h_recipient").is_null() | group.is_in(WEBINAR_EVERYONE)
    to_staff = group.is_in(WEBINAR_STAFF).fill_null(False)
    # `to Ana, Hosts and panelists:` -- one attendee, with the panelists in copy (layouts.WEBINAR_PERSON_AND_STAFF)
    attendee = pl.col("h_recipient").str.extract(WEBINAR_PERSON_AND_STAFF, 1)
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
            # only a webinar's host or panelist can write to one attendee with the panelists in copy
            # (`to Ana, Hosts and panelists:`): the export's own word that the sender is a panelist
            pl.when(pl.col("h_role_tag").is_null() & attendee.is_not_null())
            .then(pl.lit("panelist")).otherwise(pl.col("h_role_tag")).alias("role_tag"),
            pl.when(to_everyone).then(pl.lit("everyone"))
            .when(to_staff).then(pl.lit(STAFF_AUDIENCE))
            .otherwise(pl.coalesce(attendee, pl.col("h_recipient"))).alias("recipient"),
            (pl.col("h_recipient").is_not_null() & ~to_everyone & ~to_staff).alias("is_private"),
            kind.alias("message_kind"),
            pl.col("is_reaction_removal").fill_null(False),
            pl.col("reply_quote").str.replace(r"(?:\.\.\.|…)$", "").alias("reply_to_text"),
            pl.col("reaction_target").str.replace(r"(?:\.\.\.|…)$", ""),
        )
        .select(list(MESSAGE_SCHEMA))
        .cast(MESSAGE_SCHEMA)
    )


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
