"""How a file is read, line by line, and which layouts classchat reads.

`classchat ingest --explain` and `classchat layouts`.

`explain` runs the real parser on one file (`parse_batch(..., keep_lines=True)`: the same pass that
lands files, keeping the per-line reading it counts by), so what it prints cannot disagree with
what lands: each line's kind (header, continuation, blank, rejected and why), whether it counts
against the layout's fit, the fields read from each header, then the layout that won, the
detection scores of every layout and the file's fit. It lands nothing and takes no lock.

`layouts_listing` lists the built-in layouts (with example lines written by `render.py`, the
writers the round-trip tests check against the parser) and those raw/layouts.toml declares.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl

from classchat.config import Paths
from classchat.ingest.decode import UnreadableFile, decode_many
from classchat.ingest.layouts import LAYOUT_FIT_THRESHOLD, LAYOUTS, Layout, get_layout
from classchat.ingest.parse import DETECT_LINES, FileText, parse_batch
from classchat.ingest.render import PRIVATE_LAYOUTS, ChatMessage, render
from classchat.ingest.session_meta import read_sessions_csv, session_meta
from classchat.ingest.user_layouts import LAYOUTS_FILE, load_layouts

DEFAULT_LINES = 40
TEXT_WIDTH = 90  # characters of a line's text shown


def explain(paths: Paths, file: str, *, lines: int = DEFAULT_LINES, layout: str | None = None) -> list[str]:
    """The report of how `file` (a path, or a path below raw/) is read: its first `lines` lines (0: all),
    then the layout chosen, the detection scores and the fit. Raises FileNotFoundError / ValueError."""
    path, rel = _resolve(paths, file)
    known = load_layouts(paths.raw) if paths.raw.is_dir() else dict(LAYOUTS)
    if layout is not None:
        get_layout(layout, known)
    if rel is not None:
        meta = session_meta(rel, read_sessions_csv(paths.raw).get(rel))
    else:  # outside raw/: the date its name gives, as if it were in a course folder
        meta = session_meta(f"_/{path.name}", None)
    decoded = decode_many([path.read_bytes()])[0]
    if isinstance(decoded, UnreadableFile):
        raise ValueError(f"{file}: unreadable: {decoded}")
    batch = parse_batch(
        [FileText(0, decoded.data, meta.session_date, layout, meta.recording_start)],
        layouts=known,
        keep_lines=True,
    )
    stats = batch.stats.row(0, named=True)
    chosen = known.get(stats["layout"]) if stats["layout"] else None
    read = batch.lines.join(
        batch.messages.select(
            pl.col("source_line").alias("line_no"),
            "time_text",
            "sent_at",
            "sender_name",
            "recipient",
            "is_private",
            "role_tag",
            "message_kind",
        ),
        on="line_no",
        how="left",
    ).sort("line_no")
    shown = read if lines <= 0 else read.head(lines)

    out = [
        f"{path}: {decoded.encoding}, {stats['n_lines']} line(s)",
        "",
        f"{'LINE':>5}  {'KIND':<13} HOW IT WAS READ",
    ]
    out += [_line(row, chosen) for row in shown.iter_rows(named=True)]
    if shown.height < read.height:
        out.append(f"  … {read.height - shown.height} more line(s) (--lines N shows N, --lines 0 all)")
    out.append("")
    out += _summary(stats, batch.detection.row(0, named=True), known, chosen, forced=layout is not None)
    return out


def _resolve(paths: Paths, file: str) -> tuple[Path, str | None]:
    """The file to read, and its path below raw/ (None if it is elsewhere)."""
    given = Path(file)
    for candidate in (given,) if given.is_absolute() else (given, paths.raw / given):
        if candidate.is_file():
            break
    else:
        raise FileNotFoundError(f"no file {file} (looked here and in {paths.raw})")
    try:
        rel = candidate.resolve().relative_to(paths.raw.resolve()).as_posix()
    except ValueError:
        rel = None
    return candidate, rel


def _shown(text: str) -> str:
    """A line as typed, tabs and CRs visible, cut to TEXT_WIDTH characters."""
    text = text.replace("\t", "\\t").replace("\r", "\\r")
    return text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 1] + "…"


def _q(value: str | None) -> str:
    return "-" if value is None else json.dumps(value, ensure_ascii=False)


def _line(row: dict, layout: Layout | None) -> str:
    kind = row["kind"] or "unread"
    text = f"| {_shown(row['line'])}" if row["line"] else ""
    if row["kind"] == "header":
        when = row["sent_at"].isoformat(sep=" ") if isinstance(row["sent_at"], datetime) else "no date"
        how = (
            f"time={row['time_text']} ({when}) sender={_q(row['sender_name'])} "
            f"recipient={_q(row['recipient'])} "
            f"private={'yes' if row['is_private'] else 'no'} role_tag={row['role_tag'] or '-'} "
            f"kind={row['message_kind']}"
        )
    elif row["kind"] == "rejected":
        how = row["reason"] + ("" if row["misfit"] else " (not counted against the fit: no time stamp)")
    elif row["kind"] == "continuation":
        how = f"of message {row['msg_no']}"
        if row["misfit"]:
            why = (
                "starts like a time stamp"
                if row["time_start"]
                else f"does not start with {_q(layout.continuation_prefix)} "
                f"as {layout.name} continues a message"
            )
            how += f"; MISFIT: {why}"
    elif row["kind"] == "blank":
        how = "" if row["msg_no"] == 0 else f"of message {row['msg_no']}"
    else:
        how = "no layout read this file"
    return f"{row['line_no']:>5}  {kind:<13} {how}  {text}".rstrip()


def _summary(
    stats: dict, scores: dict, known: dict[str, Layout], chosen: Layout | None, *, forced: bool
) -> list[str]:
    ranked = sorted(
        (name for name in known), key=lambda n: -scores.get(n, 0)
    )  # stable: ties keep table order
    detection = ", ".join(f"{name} {scores.get(name, 0)}" for name in ranked)
    out = []
    if chosen is None:
        out.append(
            "layout: none; no line among the first lines is a header of any layout, "
            "so the file would not land "
            f"(`classchat layouts` lists them; declare your own in raw/{LAYOUTS_FILE})"
        )
    else:
        how = "forced by --format" if forced else "detected"
        where = "" if chosen.source == "built-in" else f", declared in {chosen.source}"
        out.append(f"layout: {chosen.name} ({how}{where}): {chosen.description}")
    out.append(f"detection, header lines among the first {DETECT_LINES} per layout: {detection}")
    if chosen is not None:
        non_blank = stats["n_header_lines"] + stats["n_continuation_lines"] + stats["n_rejected_lines"]
        fit = stats["layout_fit"]
        if fit is None:
            out.append("layout_fit: none (no non-blank line)")
        else:
            verdict = (
                f"POOR FIT: below {LAYOUT_FIT_THRESHOLD:.2f}, the file lands flagged"
                if fit < LAYOUT_FIT_THRESHOLD
                else f"at or above {LAYOUT_FIT_THRESHOLD:.2f}"
            )
            out.append(
                f"layout_fit: {fit:.3f} ({stats['n_misfit_lines']} of {non_blank} "
                "non-blank line(s) out of shape; "
                f"{verdict})"
            )
        out.append(
            f"lines: {stats['n_header_lines']} header, {stats['n_continuation_lines']} continuation, "
            f"{stats['n_blank_lines']} blank, {stats['n_rejected_lines']} rejected; "
            f"{stats['n_messages']} message(s)"
        )
        if stats["n_undated"]:
            out.append(
                "dates: none in the file or its name; it would not land until given one "
                "(name it <YYYY-MM-DD>_<slug>.txt or add it to raw/sessions.csv)"
            )
    return out


# ---------------------------------------------------------------------------
# classchat layouts
# ---------------------------------------------------------------------------
_EXAMPLE_AT = datetime(2024, 3, 5, 10, 1, 2)
_EXAMPLES = (
    ChatMessage(_EXAMPLE_AT, "Ana Lima", "Good morning! Is the recording on?"),
    ChatMessage(
        datetime(2024, 3, 5, 10, 2, 30), "Bo Chen", "Could you share the slides?", recipient="Ana Lima"
    ),
)


def example_lines(layout: Layout) -> list[str]:
    """Example lines of a layout: written by render.py for a built-in, as declared for a user's."""
    if layout.source != "built-in":
        return layout.example.splitlines()
    messages = [m for m in _EXAMPLES if not m.recipient or layout.name in PRIVATE_LAYOUTS]
    text = render(messages, layout.name, recording_start=datetime(2024, 3, 5, 10, 0, 0))
    return text.splitlines()


def layouts_listing(paths: Paths) -> list[str]:
    """`classchat layouts`: the built-in and declared layouts, a description and example lines each."""
    known = load_layouts(paths.raw) if paths.raw.is_dir() else dict(LAYOUTS)
    declared = [lay for lay in known.values() if lay.source != "built-in"]
    out = ["Built-in layouts (detected in this order; a tie goes to the earlier):"]
    for lay in known.values():
        if lay.source == "built-in":
            out += _entry(lay)
    toml = paths.raw / LAYOUTS_FILE
    if declared:
        out += ["", f"Declared in {toml} (detected after the built-ins):"]
        for lay in declared:
            out += _entry(lay)
    else:
        out += ["", f'No declared layouts: declare your own in {toml} (docs/layouts.md, "Your own layout").']
    return out


def _entry(layout: Layout) -> list[str]:
    examples = example_lines(layout)
    out = [f"  {layout.name:<14} {layout.description}"]
    if layout.time_kind == "offset" and layout.source != "built-in":
        out.append(f"  {'':<14} times are offsets from the recording's start")
    if not examples:
        out.append(f'  {"":<14} (no example: add example = "..." to its declaration)')
    for i, line in enumerate(examples):
        out.append(f"  {'':<14} {'e.g.' if i == 0 else '':<4} {_shown(line)}")
    return out
