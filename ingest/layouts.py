"""The export layouts classchat reads, each as data: header patterns and body rules.

A message is one header line (time and sender, maybe more) plus the
continuation lines after it, up to the next header. A layout is described by
one regular expression for its header lines, with named groups: `time`
(required), `date`, `sender`, `recipient` (set only for private messages),
`role` and `text`. A group name may carry a digit suffix (`sender2`) so that
alternatives of one pattern can each name their parts; the parser merges
them. Alternatives are tried left to right, so "to Everyone" wins over a
sender name that contains " to ". Patterns use the Rust regex dialect that
Polars runs; digits are written `[0-9]`, because `\\d` there also matches
other scripts' digits and the parser reads times and dates as ASCII. Body
rules (replies, reactions) are shared by all layouts and live here too.
Detection picks, per file, the layout whose header matches most of the
file's first lines; ties go to the earlier layout in `LAYOUTS`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Header words Zoom writes in other languages ("From X to Y" in Russian: "От X кому Y").
_FROM = r"(?:From|От)"
_TO = r"(?:to|кому)"
_EVERYONE = r"(?:Everyone|everyone|Все|всем|Всем)"
_PRIVATE = r"\((?i:direct message|privately|private|личное сообщение)\)"
_TIME = r"(?P<time>[0-9]{1,2}:[0-9]{2}:[0-9]{2})"


def _zoom_header(date_prefix: str) -> str:
    return (
        rf"^{date_prefix}{_TIME} {_FROM} +"
        rf"(?:(?P<sender>.+?) +{_TO} +{_EVERYONE}"
        rf"|(?P<sender2>.+?) +{_TO} +(?P<recipient2>.+?) ?{_PRIVATE}"
        rf"|(?P<sender3>.+?) +{_TO} +(?P<recipient3>.+?)) ?:\s*$"
    )


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    header: str  # Rust regex, anchored, with named groups
    system: str | None = None  # regex of a header line with no time (a system message)
    continuation_prefix: str = ""  # regex of what to strip from continuation lines
    time_kind: str = "clock"  # clock: time of day; offset: time since the recording started
    collected_reactions: bool = False  # body lines "Ann, Bo:👍" hold the reactions to the message
    example: str = ""


ZOOM_2025 = Layout(
    name="zoom_2025",
    description="YYYY-MM-DD HH:MM:SS From X to Everyone:, then tab-indented lines (Zoom 2025+)",
    header=_zoom_header(r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}) "),
    continuation_prefix="\t",
    collected_reactions=True,
    example="2026-03-16 17:11:42 From Adam Zable to Everyone:\n\tHow do we begin?\n\t\n",
)

ZOOM_2021 = Layout(
    name="zoom_2021",
    description="HH:MM:SS From X to Everyone:, then tab-indented lines (Zoom 2021+, also localised)",
    header=_zoom_header(""),
    continuation_prefix="\t",
    collected_reactions=True,
    example="09:52:47 From Starta Institute 36 to Everyone:\n\tString s1 = \"Java\";\n",
)

ZOOM_LEGACY = Layout(
    name="zoom_legacy",
    description="HH:MM:SS<TAB> From X : text  (Zoom before 2021; private: From X to Y(Privately) :)",
    header=(
        rf"^{_TIME}[\t ] ?{_FROM} +"
        rf"(?:(?P<sender>.+?) +{_TO} +{_EVERYONE}"
        rf"|(?P<sender2>.+?) +{_TO} +(?P<recipient2>.+?) ?{_PRIVATE}"
        rf"|(?P<sender3>.+?)) *:(?: (?P<text>.*))?$"
    ),
    example="12:45:05\t From  Carolina Chocolate Drops : I can see the whole thing",
)

PLAIN = Layout(
    name="plain",
    description="HH:MM:SS<TAB><spaces>sender : text  (no 'From'; e.g. Chinese lecture exports)",
    header=r"^(?P<time>[0-9]{1,2}:[0-9]{2}:[0-9]{2})\t[ ]*(?P<sender>[^\t]+?) : ?(?P<text>.*)$",
    example="10:05:42\t  46149090 : 1",
)

ZOOM_CLOUD = Layout(
    name="zoom_cloud",
    description="HH:MM:SS<TAB>Name:<TAB>text  (Zoom cloud recording; times are offsets from its start)",
    header=(
        r"^(?P<time>[0-9]{1,2}:[0-9]{2}:[0-9]{2})\t(?P<sender>[^\t]+?):\t(?P<text>.*)$"
        r"|^(?P<time2>[0-9]{1,2}:[0-9]{2}:[0-9]{2}) (?:\[(?P<role2>[^\]]+)\] )?(?P<sender2>[^:\t\[]+?): (?P<text2>.*)$"
    ),
    time_kind="offset",
    example="00:58:04\tAlex:\tDepends on your teaching style, I guess.",
)

BIGBLUEBUTTON = Layout(
    name="bigbluebutton",
    description="[HH:MM] Name: text or [HH:MM] [Name : ROLE]: text  (BigBlueButton public chat)",
    header=(
        r"^\[(?P<time>[0-9]{1,2}:[0-9]{2})\] \[(?P<sender>.+?) : (?P<role>[A-Z_]+)\]: (?P<text>.*)$"
        r"|^\[(?P<time2>[0-9]{1,2}:[0-9]{2})\] (?P<sender2>[^\[\]]+?) ?: (?P<text2>.*)$"
    ),
    system=r"^ ?system: (?P<text>.*)$",
    example="[10:01] [Ana Lima : MODERATOR]: Welcome!",
)

# Order breaks detection ties: the more specific layouts first.
LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (ZOOM_2025, ZOOM_2021, ZOOM_LEGACY, PLAIN, ZOOM_CLOUD, BIGBLUEBUTTON)
}

# Body rules, applied to a message's first content line (replies, reactions) or later lines.
REPLY = r'^Replying to "(?P<quote>.*)":?\s*$'
REACTION = (
    r'^Reacted to "(?P<target>.*)" with (?P<emoji>\S+)\s*$'
    r'|^Removed a (?P<emoji2>\S+) reaction from "(?P<target2>.*)"\s*$'
)
# Zoom 2025+ collects reactions to a message on one of its body lines: "Ann, Bo Li:👍".
EMOJI = r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\x{FE0F}\x{200D}\x{20E3}]"
COLLECTED_REACTIONS = rf"^(?P<reactors>[^\t:]+):(?P<emoji>{EMOJI}+)\s*$"


def get_layout(name: str) -> Layout:
    try:
        return LAYOUTS[name]
    except KeyError:
        known = ", ".join(LAYOUTS)
        raise ValueError(f"unknown layout {name!r}; known layouts: {known}") from None
