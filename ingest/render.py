"""Messages to export text: the inverse of the parser, one writer per layout.

Owns how each layout looks on disk, as the meeting tools write it. The demo
generator renders its courses with these writers, the benchmarks render
their corpora, and the tests render random messages and parse them back, so
every layout the parser reads has a writer that is checked against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ChatMessage:
    sent: datetime
    sender: str
    text: str  # may span lines ("\n")
    recipient: str | None = None  # None: everyone; else a private message to this name


def _clock(m: ChatMessage) -> str:
    return m.sent.strftime("%H:%M:%S")


def _plain(m: ChatMessage) -> str:
    return f"{_clock(m)}\t  {m.sender} : {m.text}\n"


def _zoom_legacy(m: ChatMessage) -> str:
    who = f"{m.sender}  to  {m.recipient}(Privately)" if m.recipient else m.sender
    return f"{_clock(m)}\t From  {who} : {m.text}\n"


def _zoom_header(m: ChatMessage) -> str:
    to = f"{m.recipient}(Direct Message)" if m.recipient else "Everyone"
    return f"From {m.sender} to {to}:\n"


def _indented(text: str) -> str:
    return "".join(f"\t{line}\n" for line in text.split("\n"))


def _zoom_2021(m: ChatMessage) -> str:
    return f"{_clock(m)} {_zoom_header(m)}{_indented(m.text)}"


def _zoom_2025(m: ChatMessage) -> str:
    return f"{m.sent:%Y-%m-%d} {_clock(m)} {_zoom_header(m)}{_indented(m.text)}\t\n"


def _bigbluebutton(m: ChatMessage) -> str:
    return f"[{m.sent:%H:%M}] [{m.sender} : VIEWER]: {m.text}\n"


def _zoom_cloud_at(start: datetime) -> Callable[[ChatMessage], str]:
    def render(m: ChatMessage) -> str:
        seconds = int((m.sent - start).total_seconds())
        h, rest = divmod(seconds, 3600)
        return f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}\t{m.sender}:\t{m.text}\n"

    return render


WRITERS: dict[str, Callable[[ChatMessage], str]] = {
    "plain": _plain,
    "zoom_legacy": _zoom_legacy,
    "zoom_2021": _zoom_2021,
    "zoom_2025": _zoom_2025,
    "bigbluebutton": _bigbluebutton,
}
LAYOUT_NAMES = (*WRITERS, "zoom_cloud")


def render(messages: Iterable[ChatMessage], layout: str, *, recording_start: datetime | None = None) -> str:
    """The export text of `messages` in `layout`.

    Private messages are written only where the layout has them. A cloud
    recording writes offsets from `recording_start` (default: midnight of the
    first message's day), so parsing it back needs the same start.
    """
    messages = list(messages)
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
    return "".join(writer(m) for m in messages)
