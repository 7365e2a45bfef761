"""Property tests: random chats written in every layout and variant parse back unchanged; random bytes never crash.

Variants: the header words' language (every one in layouts.LANGUAGES) and
case, the separators between header parts, role tags before or after names,
private suffixes. Names hold colons, brackets, quotes and "To"/"to"; bodies
hold times. What cannot round-trip is excluded by name (see `_ambiguous`),
and each exclusion is a documented limit of the grammar (docs/layouts.md).
"""

import re
from datetime import date, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from classchat.ingest.decode import UnreadableFile, decode_bytes
from classchat.ingest.layouts import (
    ANY_PRIVATE,
    COLLECTED_REACTIONS,
    LANGUAGES,
    LAYOUTS,
    NAME_WITH_TAGS,
    RULE_PREFIX,
    unnamed,
)
from classchat.ingest.parse import FileText, parse_batch
from classchat.ingest.render import LAYOUT_NAMES, PRIVATE_LAYOUTS, ChatMessage, Style, languages_of, render

# Names as people set them: letters of several scripts, digits, emoji, brackets, quotes, dots, dashes,
# apostrophes, inner spaces or colons, and words that are header words ("to", "To", "a", "De").
NAME_CHARS = st.sampled_from(list("abcxyzABCXYZ李王晶品Иван0189'\"().-_[]😀é ,:"))
NAME_WORDS = st.sampled_from(["to", "To", "TO", "a", "an", "De", "von", "Lee", "Ng", "(Laptop)", "[x]", "12:30"])
TEXT_CHARS = st.sampled_from(list("abcxyzABC李王偏置现象？?!.,:;'\"()[]{}@#😀👍 -–0123456789/=") + ["\u3000"])
TIMES = st.sampled_from(["10:00:00", "9:05:01", "[10:01]", "00:58:04", "2026-03-16 17:11:42", "25:61:99"])
ROLES = st.sampled_from([None, None, "TA", "Host", "Co-host", "Instructor", "主持人", "联席主持人", "Gastgeber"])

ALL_HEADERS = [unnamed(p) for layout in LAYOUTS.values() for p in (layout.header, *(q for q, _ in layout.invalid_headers))]


# A private header is split at the first "to" word of its language, or of a language with the same "from"
# word (De: French, Spanish, Portuguese), whichever is tried first; a recipient may hold its own language's.
def _to_words(lang, *, own: bool) -> list[str]:
    return sorted({
        w.lower() for other in LANGUAGES
        if set(other.from_) & set(lang.from_) and (own or other is not lang) for w in other.to
    })


TO_WORDS = {lang.language: _to_words(lang, own=True) for lang in LANGUAGES}
OTHER_TO_WORDS = {lang.language: _to_words(lang, own=False) for lang in LANGUAGES}
FROM_WORDS = [w.lower() for lang in LANGUAGES for w in lang.from_ if w]
EVERYONE_WORDS = [w.lower() for lang in LANGUAGES for w in lang.everyone]


def _ok_name(name: str) -> bool:
    return (
        name == name.strip()
        and name != ""
        and ": " not in name
        and not name.endswith(":")
        and name != "system"
        and "\t" not in name
    )


def _tokens(name: str) -> list[str]:
    return name.lower().split()


def _ambiguous(name: str, layout: str, style: Style, *, private: str | None = None) -> bool:
    """A name the grammar cannot tell from header words, with the reason (each is in docs/layouts.md).

    `private`: the name is the "sender" or the "recipient" of a private message.
    """
    tokens = _tokens(name)
    if layout == "plain" and (" :" in name or name.startswith(":")):
        return True  # the plain layout's sender runs to the first " :" (a role tag and a space may precede it)
    to_words = {"sender": TO_WORDS, "recipient": OTHER_TO_WORDS}.get(private, {}).get(style.language, [])
    if any(w in tokens or (" " in w and w in name.lower()) for w in to_words):
        return True  # "From A to B to C(Direct Message)": a private header is split at its first "to" word
    if tokens and tokens[0] in FROM_WORDS:
        return True  # a name starting with a "from" word reads as that word, then a name
    m = re.match(NAME_WITH_TAGS, name)
    return bool(m and (m.group("pre") or m.group("post")))  # a name ending in "(Host)" loses it as a tag


def _header_like(lines: list[str]) -> bool:
    if not lines:
        return False
    s = pl.Series(lines, dtype=pl.String)
    return bool(pl.select(pl.any_horizontal(s.str.contains(p) for p in ALL_HEADERS).any()).item())


names = st.one_of(
    st.text(NAME_CHARS, min_size=1, max_size=20),
    st.lists(st.one_of(NAME_WORDS, st.text(NAME_CHARS, min_size=1, max_size=6)), min_size=1, max_size=4).map(" ".join),
).filter(_ok_name)
lines = st.one_of(
    st.text(TEXT_CHARS, min_size=1, max_size=40),
    st.tuples(TIMES, st.text(TEXT_CHARS, max_size=20)).map(" ".join),
    st.tuples(st.text(TEXT_CHARS, max_size=20), TIMES).map(" ".join),
).filter(lambda s: s.strip() != "")


@st.composite
def styles(draw, layout: str) -> Style:
    return Style(
        language=draw(st.sampled_from(languages_of(layout))),
        case=draw(st.sampled_from(["as-is", "lower", "upper", "title"])),
        word=draw(st.integers(0, 3)),
        sep=draw(st.sampled_from([None, " ", "  ", "\t", " \t ", "    "])),
        private_gap=draw(st.sampled_from(["", " "])),
        role_before=draw(st.booleans()),
        brackets=draw(st.sampled_from(["[]", "()", "（）"])),
    )


@st.composite
def chats(draw, layout: str, style: Style):
    senders = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    n = draw(st.integers(1, 6))
    t = datetime(2024, 5, 6, 9, 0, 0)
    out = []
    for _ in range(n):
        t += timedelta(minutes=draw(st.integers(0, 30)), seconds=0 if layout == "bigbluebutton" else draw(st.integers(0, 59)))
        body = draw(st.lists(lines, min_size=1, max_size=3))
        text = "\n".join(body)
        assume(not pl.Series(body).str.contains(RULE_PREFIX).any())
        assume(not pl.Series(body).str.contains(COLLECTED_REACTIONS).any())
        if layout in ("zoom_cloud", "bigbluebutton"):
            assume(not text[:1].isspace())  # the separator run after "Name:" takes leading blanks
        if layout in ("zoom_legacy", "plain", "zoom_cloud", "bigbluebutton"):
            assume(not _header_like(body[1:]))  # an unindented line shaped as a header is never a body line
        sender = draw(st.sampled_from(senders))
        recipient = None
        if layout in PRIVATE_LAYOUTS and draw(st.booleans()):
            recipient = draw(names)
            assume(recipient.lower() not in EVERYONE_WORDS)
            assume(not re.search(ANY_PRIVATE + "$", recipient))
            assume(not _ambiguous(recipient, layout, style, private="recipient"))
        role = None if layout == "bigbluebutton" else draw(ROLES)
        assume(not _ambiguous(sender, layout, style, private="sender" if recipient else None))
        out.append(ChatMessage(t, sender, text, recipient, role))
    return out


def _roundtrip(layout: str, msgs: list[ChatMessage], style: Style = Style()):
    text = render(msgs, layout, style=style)
    batch = parse_batch([FileText(0, text, date(2024, 5, 6), layout=layout)])
    return text, batch


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(st.data())
def test_every_layout_and_variant_round_trips(data):
    layout = data.draw(st.sampled_from(LAYOUT_NAMES))
    style = data.draw(styles(layout))
    msgs = data.draw(chats(layout, style))
    text, batch = _roundtrip(layout, msgs, style)
    got = batch.messages
    assert batch.rejects.height == 0, (text, batch.rejects.rows())
    assert got.height == len(msgs), text
    assert got["sender_name"].to_list() == [m.sender for m in msgs], text
    assert got["body"].to_list() == [m.text for m in msgs], text
    assert got["recipient"].to_list() == [m.recipient or "everyone" for m in msgs], text
    assert got["is_private"].to_list() == [m.recipient is not None for m in msgs], text
    assert got["sent_at"].to_list() == [m.sent for m in msgs], text
    assert got["sender_role"].to_list() == [m.role or ("VIEWER" if layout == "bigbluebutton" else None) for m in msgs], text
    if layout in ("zoom_2021", "zoom_2025"):  # every line is a header or an indented line: a perfect fit
        assert batch.stats.row(0, named=True)["layout_fit"] == 1.0, text


def test_detection_picks_the_layout_the_text_was_written_in():
    msgs = [
        ChatMessage(datetime(2024, 5, 6, 10, 0, 5), "Ann Lee", "is the final in person?"),
        ChatMessage(datetime(2024, 5, 6, 10, 1, 0), "李 王", "会的\n第二行", recipient=None),
        ChatMessage(datetime(2024, 5, 6, 10, 2, 0), "Bo", "thanks", recipient="Ann Lee"),
    ]
    files = []
    for i, layout in enumerate(LAYOUT_NAMES):
        keep = msgs if layout in PRIVATE_LAYOUTS else [m for m in msgs if not m.recipient]
        files.append(FileText(i, render(keep, layout), date(2024, 5, 6)))
    stats = parse_batch(files).stats.sort("file_idx")
    assert stats["layout"].to_list() == list(LAYOUT_NAMES)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(LAYOUT_NAMES), st.data())
def test_detection_holds_in_every_variant(layout, data):
    style = data.draw(styles(layout))
    msgs = [
        ChatMessage(datetime(2024, 5, 6, 10, 0, 5), "Ann Lee", "is the final in person?", role="TA"),
        ChatMessage(datetime(2024, 5, 6, 10, 1, 0), "Bo", "yes"),
    ]
    text = render(msgs, layout, style=style)
    assert parse_batch([FileText(0, text, date(2024, 5, 6))]).stats["layout"].to_list() == [layout], text


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
        assert stats["n_rejected_lines"] == batch.rejects.height
        assert 0.0 <= stats["layout_fit"] <= 1.0
