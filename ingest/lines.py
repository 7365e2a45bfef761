"""Text to lines: the first pass of the parser, and the choice of each file's layout.

Owns turning a batch of decoded files into one frame of lines (split at LF,
at CR in CR-only files, and at a lone CR before a header of the file's
layout) and detecting each file's layout from its first lines (or taking the
forced one). Columns only, no per-line Python loop.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from classchat.ingest.headers import _header_expr
from classchat.ingest.layouts import Layout
from classchat.ingest.rows import FileText, _collect

DETECT_LINES = 200  # first lines of a file that decide its layout


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
