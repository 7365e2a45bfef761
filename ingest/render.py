"""Messages to export text: the inverse of the parser, one writer per layout, in every variant it reads.

Owns how each layout looks on disk, as the meeting tools write it. The demo
generator renders its courses with these writers, the benchmarks render
their corpora, and the tests render random messages in every layout and
variant (header language, capitalisation, separators, role tags) and parse
them back, so every form the parser reads has a writer that is checked
against it. A `Style` picks the variant; the default is the form the tools
write in English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from classchat.ingest.layouts import LANGUAGES, HeaderWords

LANGUAGE_CODES = tuple(lang.language for lang in LANGUAGES)
_BY_CODE = {lang.language: lang for lang in LANGUAGES}


@dataclass(frozen=True)
class ChatMessage:
    sent: datetime
    sender: str
    text: str  # may span lines ("\n")
    recipient: str | None = None  # None: everyone; else a private message to this name
    role: str | None = None  # a role tag shown with the sender's name, as written ("TA", "Host", "主持人")


@dataclass(frozen=True)
class Style:
    """One variant of a layout's header: the words' language and case, separators, where role tags go."""

    language: str = "en"  # a code of layouts.LANGUAGES
    case: str = "as-is"  # header words: as-is | lower | upper | title
    word: int = 0  # which of the language's words (when it has several) for from / to / everyone / private
    sep: str | None = None  # between a header's parts (None: the layout's usual separator)
    private_gap: str = ""  # between a recipient and "(Direct Message)"
    role_before: bool = True  # a role tag before the name ("[TA] Wei"), else after ("Wei (Host)")
    brackets: str = "[]"  # around a role tag: [] () （）


def _pick(words: tuple[str, ...], style: Style) -> str:
    w = words[style.word % len(words)]
    return {"lower": w.lower(), "upper": w.upper(), "title": w.title()}.get(style.case, w)


def _words(style: Style) -> HeaderWords:
    return _BY_CODE[style.language]


def _who(name: str, role: str | None, style: Style) -> str:
    if not role:
        return name
    tag = f"{style.brackets[0]}{role}{style.brackets[1]}"
    return f"{tag} {name}" if style.role_before else f"{name} {tag}"


def _clock(m: ChatMessage) -> str:
    return m.sent.strftime("%H:%M:%S")


def _plain(m: ChatMessage, style: Style) -> str:
    return f"{_clock(m)}{style.sep or chr(9) + '  '}{_who(m.sender, m.role, style)} : {m.text}\n"


def _zoom_legacy(m: ChatMessage, style: Style) -> str:
    words, sep = _words(style), style.sep or "  "
    frm = _pick(tuple(w for w in words.from_ if w), style)
    who = _who(m.sender, m.role, style)
    if m.recipient:
        private = _pick(words.private, style)
        who = f"{who}{sep}{_pick(words.to, style)}{sep}{m.recipient}{style.private_gap}({private})"
    return f"{_clock(m)}{style.sep or chr(9) + ' '}{frm}{sep}{who} : {m.text}\n"


def _zoom_header(m: ChatMessage, style: Style) -> str:
    words, sep = _words(style), style.sep or " "
    frm = _pick(words.from_, style)  # may be "" (Chinese): the separators stay, "10:05:42  X 对 所有人:"
    if m.recipient:
        to = f"{m.recipient}{style.private_gap}({_pick(words.private, style)})"
    else:
        to = _pick(words.everyone, style)
    return f"{frm}{sep}{_who(m.sender, m.role, style)}{sep}{_pick(words.to, style)}{sep}{to}:\n"


def _indented(text: str) -> str:
    return "".join(f"\t{line}\n" for line in text.split("\n"))


def _zoom_2021(m: ChatMessage, style: Style) -> str:
    return f"{_clock(m)}{style.sep or ' '}{_zoom_header(m, style)}{_indented(m.text)}"


def _zoom_2025(m: ChatMessage, style: Style) -> str:
    sep = style.sep or " "
    return f"{m.sent:%Y-%m-%d}{sep}{_clock(m)}{sep}{_zoom_header(m, style)}{_indented(m.text)}\t\n"


def _bigbluebutton(m: ChatMessage, style: Style) -> str:
    return f"[{m.sent:%H:%M}]{style.sep or ' '}[{m.sender} : {(m.role or 'VIEWER').upper()}]: {m.text}\n"


def _zoom_cloud_at(start: datetime) -> Callable[[ChatMessage, Style], str]:
    def render(m: ChatMessage, style: Style) -> str:
        seconds = int((m.sent - start).total_seconds())
        h, rest = divmod(seconds, 3600)
        sep = style.sep or "\t"
        return f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}{sep}{_who(m.sender, m.role, style)}:{sep}{m.text}\n"

    return render


WRITERS: dict[str, Callable[[ChatMessage, Style], str]] = {
    "plain": _plain,
    "zoom_legacy": _zoom_legacy,
    "zoom_2021": _zoom_2021,
    "zoom_2025": _zoom_2025,
    "bigbluebutton": _bigbluebutton,
}
LAYOUT_NAMES = (*WRITERS, "zoom_cloud")
# the layouts whose headers name a recipient (private messages) and are written in the user's language
PRIVATE_LAYOUTS = ("zoom_legacy", "zoom_2021", "zoom_2025")


def languages_of(layout: str) -> tuple[str, ...]:
    """The header languages a layout is written in (Zoom's legacy layout without a "from" word is `plain`)."""
    if layout == "zoom_legacy":
        return tuple(lang.language for lang in LANGUAGES if any(lang.from_))
    if layout in PRIVATE_LAYOUTS:
        return LANGUAGE_CODES
    return ("en",)


def render(
    messages: Iterable[ChatMessage],
    layout: str,
    *,
    recording_start: datetime | None = None,
    style: Style = Style(),
) -> str:
    """The export text of `messages` in `layout`, in the variant `style`.

    Private messages are written only where the layout has them. A cloud
    recording writes offsets from `recording_start` (default: midnight of the
    first message's day), so parsing it back needs the same start.
    """
    messages = list(messages)
    if style.language not in _BY_CODE:
        raise ValueError(f"unknown header language {style.language!r}; known: {', '.join(LANGUAGE_CODES)}")
    if layout == "zoom_cloud":
        start = recording_start or (
            datetime.combine(messages[0].sent.date(), datetime.min.time()) if messages else datetime.min
        )
        writer = _zoom_cloud_at(start)
    else:
        try:
            writer = WRITERS[layout]
        except KeyError:
            raise ValueError(f"no writer for layout {layout!r}; known: {', '.join(LAYOUT_NAMES)}") from None
    return "".join(writer(m, style) for m in messages)
