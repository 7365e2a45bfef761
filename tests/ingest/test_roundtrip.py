"""Property tests: random messages written in each layout parse back unchanged; random bytes never crash."""

import re
from datetime import date, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ingest.decode import UnreadableFile, decode_bytes
from ingest.layouts import COLLECTED_REACTIONS, LAYOUTS
from ingest.parse import FileText, parse_batch
from ingest.render import LAYOUT_NAMES, ChatMessage, render

# Names as people set them: letters of several scripts, digits, emoji, brackets, quotes, dots, dashes,
# apostrophes, and inner spaces or colons.
NAME_CHARS = st.sampled_from(list("abcxyzABCXYZ李王晶品Иван0189'\"().-_[]😀é ,:"))
TEXT_CHARS = st.sampled_from(list("abcxyzABC李王偏置现象？?!.,:;'\"()[]{}@#😀👍 -–0123456789/=") + ["\u3000"])

RESERVED = re.compile(r"^(Replying to |Reacted to |Removed a )")


def _ok_name(name: str) -> bool:
    return (
        name == name.strip()
        and name != ""
        and " : " not in name
        and ": " not in name
        and not name.endswith(":")
        and " to " not in f" {name} "
        and not name.startswith("[")
        and name != "system"
    )


names = st.text(NAME_CHARS, min_size=1, max_size=20).filter(_ok_name)
lines = st.text(TEXT_CHARS, min_size=1, max_size=40).filter(lambda s: s.strip() != "")


@st.composite
def messages(draw, layout: str):
    senders = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    n = draw(st.integers(1, 6))
    t = datetime(2024, 5, 6, 9, 0, 0)
    out = []
    for _ in range(n):
        t += timedelta(minutes=draw(st.integers(0, 30)), seconds=0 if layout == "bigbluebutton" else draw(st.integers(0, 59)))
        body = draw(st.lists(lines, min_size=1, max_size=3))
        text = "\n".join(body)
        assume(not RESERVED.match(text))
        assume(not pl.Series(body).str.contains(COLLECTED_REACTIONS).any())
        recipient = None
        if layout in ("zoom_legacy", "zoom_2021", "zoom_2025") and draw(st.booleans()):
            recipient = draw(names)
        out.append(ChatMessage(t, draw(st.sampled_from(senders)), text, recipient))
    return out


def _roundtrip(layout: str, msgs: list[ChatMessage]):
    text = render(msgs, layout)
    batch = parse_batch([FileText(0, text, date(2024, 5, 6), layout=layout)])
    return text, batch


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(st.data())
def test_every_layout_round_trips(data):
    layout = data.draw(st.sampled_from(LAYOUT_NAMES))
    msgs = data.draw(messages(layout))
    text, batch = _roundtrip(layout, msgs)
    got = batch.messages
    # continuation lines that happen to look like a header of the layout would start a new message
    header = LAYOUTS[layout].header
    conts = [line for m in msgs for line in m.text.split("\n")[1:]]
    assume(not any(pl.Series(conts, dtype=pl.String).str.contains(header).to_list()))
    assert got.height == len(msgs), text
    assert got["sender_name"].to_list() == [m.sender for m in msgs], text
    assert got["body"].to_list() == [m.text for m in msgs], text
    assert got["recipient"].to_list() == [m.recipient or "everyone" for m in msgs], text
    assert got["is_private"].to_list() == [m.recipient is not None for m in msgs], text
    assert got["sent_at"].to_list() == [m.sent for m in msgs], text
    assert batch.rejects.height == 0


def test_detection_picks_the_layout_the_text_was_written_in():
    msgs = [
        ChatMessage(datetime(2024, 5, 6, 10, 0, 5), "Ann Lee", "is the final in person?"),
        ChatMessage(datetime(2024, 5, 6, 10, 1, 0), "李 王", "会的\n第二行", recipient=None),
        ChatMessage(datetime(2024, 5, 6, 10, 2, 0), "Bo", "thanks", recipient="Ann Lee"),
    ]
    files = []
    for i, layout in enumerate(LAYOUT_NAMES):
        keep = msgs if layout in ("zoom_legacy", "zoom_2021", "zoom_2025") else [m for m in msgs if not m.recipient]
        files.append(FileText(i, render(keep, layout), date(2024, 5, 6)))
    stats = parse_batch(files).stats.sort("file_idx")
    assert stats["layout"].to_list() == list(LAYOUT_NAMES)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_ingest(data):
    try:
        decoded = decode_bytes(data)
    except UnreadableFile:
        return
    batch = parse_batch([FileText(0, decoded.text, date(2024, 1, 1))])
    stats = batch.stats.row(0, named=True)
    # every line is accounted for, whatever the bytes were
    if stats["layout"] is not None:
        assert (
            stats["n_header_lines"] + stats["n_continuation_lines"] + stats["n_blank_lines"] + stats["n_rejected_lines"]
            == stats["n_lines"]
        )
        assert stats["n_header_lines"] == batch.messages.height
