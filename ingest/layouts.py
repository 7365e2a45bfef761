"""The export layouts classchat reads, each as data: header grammar, header words, role tags, body rules.

A message is one header line (time and sender, maybe more) plus the
continuation lines after it, up to the next header. A layout is described by
one regular expression for its header lines, with named groups: `time`
(required), `date`, `sender`, `recipient` (set only for private messages),
`role` and `text`. A group name may carry a digit suffix (`sender2`) so that
alternatives of one pattern can each name their parts; the parser merges
them. Alternatives are tried left to right, so "to Everyone" wins over a
sender name that contains " to ". Patterns use the Rust regex dialect that
Polars runs; digits are written `[0-9]`, because `\\d` there also matches
other scripts' digits and the parser reads times and dates as ASCII.

The grammar generalises in four ways, all data here:
  - header words (From, to, Everyone, the private suffix) are matched without
    regard to case, in every language of `LANGUAGES`; the words of one header
    come from one language (so a Spanish "a" never splits an English name);
  - any run of tabs or spaces separates the parts of a header;
  - a role tag before or after a name (`[TA] Wei`, `Wei (Host)`, `Wei（主持人）`)
    is a known word of `ROLE_TAGS`; the parser removes it from the name and
    keeps it (as written, and normalised to the keys of `ROLE_TAGS`);
  - times and dates are validated by the pattern itself: a clock hour is
    below 24, minutes and seconds below 60 (an offset layout, a recording's
    time since its start, allows any two-digit hour). Each layout also has a
    loose header (any digits) so that a line with an impossible time is
    rejected with a reason instead of being read as text.

Detection picks, per file, the layout whose header matches most of the file's
first lines; ties go to the earlier layout in `LAYOUTS`. A file whose lines fit
its layout poorly (`layout_fit` below `LAYOUT_FIT_THRESHOLD`) is flagged.
Where each language's words come from (a real export, a parser written for
real exports, documentation, or a guess) is recorded in docs/layouts.md and
in `HeaderWords.evidence`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

# A file is flagged as read with a poor fit when fewer than this share of its non-blank lines
# are headers or continuation lines of the shape its layout expects (see parse.py, `layout_fit`).
# One line in ten out of shape is already far from any export a meeting tool writes.
LAYOUT_FIT_THRESHOLD = 0.9

# ---------------------------------------------------------------------------
# Times, dates and separators
# ---------------------------------------------------------------------------
SEP = r"[ \t]+"  # any run of tabs or spaces
OPT_SEP = r"[ \t]*"
CLOCK = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"  # H:MM:SS or HH:MM:SS, a time of day
CLOCK_HM = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]"  # H:MM or HH:MM
OFFSET = r"[0-9]{1,2}:[0-5][0-9]:[0-5][0-9]"  # time since a recording started: any two-digit hour
DATE = r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
LOOSE_TIME = r"[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
LOOSE_HM = r"[0-9]{1,2}:[0-9]{2}"
LOOSE_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
INVALID_TIME = "invalid time"  # reject reasons
INVALID_DATE = "invalid date"

# ---------------------------------------------------------------------------
# Header words in the languages Zoom writes them in
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderWords:
    """The words of a Zoom header in one language: `<from> X <to> <everyone>:`, `<from> X <to> Y<private>:`.

    `from_` may hold "" (the language writes no word there: Chinese exports
    read `10:05:42  X 对 所有人:`). Words are matched without regard to case.
    `evidence` says where they come from (details and citations: docs/layouts.md):
    export (a real export file), parser (a tool written to read real exports of
    that language), docs (a documented example), guess.
    """

    language: str  # BCP 47
    from_: tuple[str, ...]
    to: tuple[str, ...]
    everyone: tuple[str, ...]
    private: tuple[str, ...]  # inside the parentheses that end a private header
    evidence: dict[str, str]  # word -> export | parser | docs | guess


def _words(language, frm, to, everyone, private, /, **evidence) -> HeaderWords:
    return HeaderWords(language, tuple(frm), tuple(to), tuple(everyone), tuple(private), evidence)


LANGUAGES: tuple[HeaderWords, ...] = (
    _words("en", ["From"], ["to"], ["Everyone"], ["Direct Message", "Privately", "Private"],
           from_="export", to="export", everyone="export", private="export"),
    _words("ru", ["От"], ["кому"], ["Все", "всем"], ["Личное сообщение", "Лично"],
           from_="export", to="export", everyone="parser", private="export"),
    _words("uk", ["Від"], ["до"], ["Всі", "всім"], ["Особисте повідомлення", "Приватно"],
           from_="parser", to="parser", everyone="parser", private="guess"),
    _words("de", ["Von"], ["an"], ["Alle"], ["Direktnachricht", "Privat"],
           from_="parser", to="parser", everyone="guess", private="parser"),
    _words("fr", ["De"], ["à"], ["Tout le monde"], ["Message direct", "En privé", "Privé"],
           from_="guess", to="parser", everyone="parser", private="parser"),
    _words("es", ["De"], ["a"], ["Todos"], ["Mensaje directo", "En privado", "Privado"],
           from_="docs", to="docs", everyone="docs", private="guess"),
    _words("pt", ["De"], ["para"], ["Todos"], ["Mensagem direta", "Em particular", "Privado"],
           from_="guess", to="guess", everyone="guess", private="guess"),
    _words("ja", ["開始", "送信元"], ["宛先", "送信先"], ["全員"], ["ダイレクトメッセージ", "プライベート"],
           from_="parser", to="guess", everyone="guess", private="guess"),
    _words("ko", ["시작", "보낸 사람"], ["수신자", "받는 사람"], ["모든 사람", "모두"], ["다이렉트 메시지", "비공개"],
           from_="parser", to="parser", everyone="parser", private="guess"),
    _words("zh-Hans", ["", "从", "来自"], ["对", "给"], ["所有人"], ["私聊", "直接消息", "私信"],
           from_="export", to="export", everyone="export", private="guess"),
    _words("zh-Hant", ["從", "來自"], ["對", "給"], ["所有人"], ["私人訊息", "直接訊息", "私訊"],
           from_="docs", to="docs", everyone="docs", private="guess"),
)

_META = set(".^$*+?()[]{}|\\")


def _alt(words) -> str:
    """A case-insensitive alternation of literal words (longest first); a space in a word matches any run."""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    for w in words:
        if _META & set(w):
            raise ValueError(f"header word {w!r} holds a regex metacharacter")
    return "(?i:" + "|".join(w.replace(" ", SEP) for w in words) + ")"


# Every private suffix of every language: exports mix them (a Russian header may end in "(Direct Message)").
ANY_PRIVATE = OPT_SEP + r"[(（]" + OPT_SEP + _alt(w for lang in LANGUAGES for w in lang.private) + OPT_SEP + r"[)）]"

# ---------------------------------------------------------------------------
# Role tags
# ---------------------------------------------------------------------------
# Normalised role -> the tags that say it, as exports write them (matched without regard to case).
# Zoom's own tags and their translations (Host, Co-host, 主持人, 联席主持人 ...), BigBlueButton's
# roles, and the tags teachers put in their display names ([TA], [Instructor]).
ROLE_TAGS: dict[str, tuple[str, ...]] = {
    "host": ("Host", "主持人", "Gastgeber", "Hôte", "Anfitrión", "Anfitrião", "ホスト", "호스트",
             "Организатор", "Організатор", "Me, Host", "Host, Me"),
    "co-host": ("Co-host", "Co host", "Cohost", "联席主持人", "聯席主持人", "共同主持人", "Co-Gastgeber",
                "Co-animateur", "Coanfitrión", "Coanfitrião", "共同ホスト", "공동 호스트", "Соорганизатор",
                "Співорганізатор"),
    "instructor": ("Instructor", "Teacher", "Professor", "Prof", "Lecturer", "讲师", "講師", "老师", "老師",
                   "教师", "Dozent", "Dozentin", "Lehrer", "Lehrerin", "Enseignant", "Enseignante",
                   "Profesor", "Profesora", "Professora", "Преподаватель", "Викладач", "教員", "강사"),
    "ta": ("TA", "Teaching Assistant", "Tutor", "助教", "Tutorin", "Ассистент", "Асистент", "조교"),
    "moderator": ("Moderator",),
    "presenter": ("Presenter",),
    "panelist": ("Panelist", "Panellist"),
    "viewer": ("Viewer", "Attendee"),
    "student": ("Student", "学生", "學生", "Студент", "Étudiant", "Étudiante", "Estudiante", "Aluno", "Aluna"),
    "guest": ("Guest", "Gast", "Invité", "Invitado", "Convidado", "Гость", "Гість", "游客", "ゲスト", "게스트"),
}
ROLE_TAG_VALUES = tuple(ROLE_TAGS)
# lower-cased tag as written -> normalised role
ROLE_TAG_LOOKUP: dict[str, str] = {tag.lower(): role for role, tags in ROLE_TAGS.items() for tag in tags}
_TAG = _alt(tag for tags in ROLE_TAGS.values() for tag in tags)
_OPEN, _CLOSE = r"[\[(（【]", r"[\])）】]"
# A name with a role tag before or after it (at most one each); `name` is what is left.
NAME_WITH_TAGS = (
    rf"^(?:{_OPEN}{OPT_SEP}(?P<pre>{_TAG}){OPT_SEP}{_CLOSE}{OPT_SEP})?"
    rf"(?P<name>.*?[^ \t])"
    rf"(?:{OPT_SEP}{_OPEN}{OPT_SEP}(?P<post>{_TAG}){OPT_SEP}{_CLOSE})?$"
)
MAY_HAVE_TAG = r"[\[(（【]"  # a cheap test before NAME_WITH_TAGS runs

# ---------------------------------------------------------------------------
# Layouts
# ---------------------------------------------------------------------------
_TIME_SLOTS = {"@CLOCK@": (CLOCK, LOOSE_TIME), "@HM@": (CLOCK_HM, LOOSE_HM), "@OFFSET@": (OFFSET, LOOSE_TIME)}
_DATE_SLOT = ("@DATE@", DATE, LOOSE_DATE)


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    template: str  # the header regex with @CLOCK@/@HM@/@OFFSET@ and @DATE@ where times and dates go
    # the same header in its most common form only (English words): extracting fields with it is
    # several times faster than with every language's alternatives, so the parser tries it first
    common_template: str | None = None
    system: str | None = None  # regex of a header line with no time (a system message)
    continuation_prefix: str = ""  # what continuation lines start with ("" = nothing in particular)
    time_kind: str = "clock"  # clock: time of day; offset: time since the recording started
    collected_reactions: bool = False  # body lines "Ann, Bo:👍" hold the reactions to the message
    example: str = ""
    # A layout declared in raw/layouts.toml (ingest/user_layouts.py) reads its `time` group by these
    # strftime formats, tried in order, and its `date` group by `date_format`; a header whose time or
    # date does not read is rejected. Empty for the built-ins: their patterns validate times themselves.
    time_formats: tuple[str, ...] = ()
    date_format: str = "%Y-%m-%d"
    source: str = "built-in"  # where the layout is defined: built-in, or the file that declares it

    @cached_property
    def header(self) -> str:
        """Anchored header regex with named groups; matches only valid times and dates."""
        return self._fill(strict_time=True, strict_date=True)

    @cached_property
    def common_header(self) -> str | None:
        return self._fill(strict_time=True, strict_date=True, template=self.common_template) if self.common_template else None

    @cached_property
    def invalid_headers(self) -> tuple[tuple[str, str], ...]:
        """(regex, reject reason) for header-shaped lines whose time or date is impossible, in test order.

        Empty for a declared layout: the parser checks its times and dates by their formats."""
        if self.time_formats:
            return ()
        out = [(self._fill(strict_time=False, strict_date=True), INVALID_TIME)]
        if _DATE_SLOT[0] in self.template:
            out.append((self._fill(strict_time=False, strict_date=False), INVALID_DATE))
        return tuple(out)

    def _fill(self, *, strict_time: bool, strict_date: bool, template: str | None = None) -> str:
        out = template or self.template
        for slot, (strict, loose) in _TIME_SLOTS.items():
            out = out.replace(slot, strict if strict_time else loose)
        return out.replace(_DATE_SLOT[0], _DATE_SLOT[1] if strict_date else _DATE_SLOT[2])


def _zoom_alternatives(end: str, *, legacy: bool, languages: tuple[HeaderWords, ...] = LANGUAGES) -> str:
    """`<from> X <to> <everyone>` in every language, then `<from> X <to> Y(<private>)`, then the bare forms.

    A public form is tried with every length of X before any private form, so a
    name holding a "to" word still reads as the sender of a public message; and
    every language's private form before any bare one, so languages that share
    a "from" word (De: French, Spanish, Portuguese) do not shadow each other.
    The bare form is `<from> X` in the legacy layout (a message to everyone) and
    `<from> X <to> Y` (private, no suffix) in Zoom 2021+.
    """
    public, private, bare = [], [], []
    n = 0
    # languages with an empty "from" word last: their headers are the least specific
    for lang in sorted(languages, key=lambda w: "" in w.from_):
        if legacy and not any(lang.from_):
            continue
        frm = _alt(w for w in lang.from_ if w) + SEP
        if "" in lang.from_ and not legacy:
            frm = f"(?:{frm})?"
        to, every = SEP + _alt(lang.to) + SEP, _alt(lang.everyone)
        public.append(rf"{frm}(?P<sender{n + 1}>.+?){to}{every}")
        private.append(rf"{frm}(?P<sender{n + 2}>.+?){to}(?P<recipient{n + 2}>.+?){ANY_PRIVATE}")
        if legacy:
            bare.append(rf"{frm}(?P<sender{n + 3}>.+?)")
        else:
            bare.append(rf"{frm}(?P<sender{n + 3}>.+?){to}(?P<recipient{n + 3}>.+?)")
        n += 3
    return "(?:" + "|".join(public + private + bare) + ")" + end


_ZOOM_END = rf"{OPT_SEP}:{OPT_SEP}$"
_LEGACY_END = rf"{OPT_SEP}:(?:[ \t](?P<text>.*))?$"
_DATE_TIME = rf"^(?P<date>@DATE@){SEP}(?P<time>@CLOCK@){SEP}"
_TIME = rf"^(?P<time>@CLOCK@){SEP}"

ZOOM_2025 = Layout(
    name="zoom_2025",
    description="YYYY-MM-DD HH:MM:SS From X to Everyone:, then tab-indented lines (Zoom 2025+, also localised)",
    template=_DATE_TIME + _zoom_alternatives(_ZOOM_END, legacy=False),
    common_template=_DATE_TIME + _zoom_alternatives(_ZOOM_END, legacy=False, languages=LANGUAGES[:1]),
    continuation_prefix="\t",
    collected_reactions=True,
    example="2024-03-05 10:01:12 From Mara Okafor to Everyone:\n\tWhere do we hand in the lab?\n\t\n",
)

ZOOM_2021 = Layout(
    name="zoom_2021",
    description="HH:MM:SS From X to Everyone:, then tab-indented lines (Zoom 2021+, also localised)",
    template=_TIME + _zoom_alternatives(_ZOOM_END, legacy=False),
    common_template=_TIME + _zoom_alternatives(_ZOOM_END, legacy=False, languages=LANGUAGES[:1]),
    continuation_prefix="\t",
    collected_reactions=True,
    example="10:02:11 From Jonas Weber to Everyone:\n\tint x = 3;\n",
)

ZOOM_LEGACY = Layout(
    name="zoom_legacy",
    description="HH:MM:SS<TAB> From X : text  (Zoom before 2021; private: From X to Y(Privately) :)",
    template=_TIME + _zoom_alternatives(_LEGACY_END, legacy=True),
    common_template=_TIME + _zoom_alternatives(_LEGACY_END, legacy=True, languages=LANGUAGES[:1]),
    example="10:05:20\t From  Priya Nair : can you zoom in on the slide?",
)

PLAIN = Layout(
    name="plain",
    description="HH:MM:SS<TAB><spaces>sender : text  (no 'From': Zoom's legacy layout in Chinese, which writes no word there)",
    # the sender runs to the first " :"
    template=rf"^(?P<time>@CLOCK@){SEP}(?P<sender>[^\t]+?) : ?(?P<text>.*)$",
    example="10:05:42\t  Li Wei : 老师好",
)

ZOOM_CLOUD = Layout(
    name="zoom_cloud",
    description="HH:MM:SS<TAB>Name:<TAB>text  (Zoom cloud recording; times are offsets from its start; tabs or spaces)",
    # the name runs to the first colon followed by a tab or space, and ends in no space
    template=rf"^(?P<time>@OFFSET@){SEP}(?P<sender>[^\t]*?[^ \t:]):{SEP}(?P<text>.*)$",
    time_kind="offset",
    example="00:12:05\tSam Ortiz:\tWhich chapter is this?",
)

BIGBLUEBUTTON = Layout(
    name="bigbluebutton",
    description="[HH:MM] Name: text or [HH:MM] [Name : ROLE]: text  (BigBlueButton public chat)",
    template=(
        rf"^\[(?P<time>@HM@)\]{SEP}\[(?P<sender>.+?) : (?P<role>[A-Za-z_]+)\]:{SEP}(?P<text>.*)$"
        rf"|^\[(?P<time2>@HM@)\]{SEP}(?P<sender2>[^\[\]]+?) ?: (?P<text2>.*)$"
    ),
    system=r"^ ?system: (?P<text>.*)$",
    example="[10:01] [Ana Lima : MODERATOR]: Welcome!",
)

# Order breaks detection ties: the more specific layouts first.
LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (ZOOM_2025, ZOOM_2021, ZOOM_LEGACY, PLAIN, ZOOM_CLOUD, BIGBLUEBUTTON)
}

# Every header line of every layout starts like this (a time, a bracketed time or a date, not indented):
# a cheap test before the patterns.
HEADER_START = r"^(?:\[?[0-9]{1,2}:|[0-9]{4}-)"


def unnamed(pattern: str) -> str:
    """The pattern with its named groups made non-capturing (for tests of a match only)."""
    return re.sub(r"\(\?P<[a-z_0-9]+>", "(?:", pattern)


# ---------------------------------------------------------------------------
# Body rules, applied to a message's first content line (replies, reactions) or later lines
# ---------------------------------------------------------------------------
# "Replying to" as Zoom writes it: English in every export seen (a Russian one included); the Russian and
# Ukrainian words are those a parser written for such exports reads (docs/layouts.md).
REPLY_WORDS = ("Replying to", "Ответ на", "Відповідь на")
REPLY = r"^(?:" + "|".join(REPLY_WORDS) + r') "(?P<quote>.*)":?\s*$'
REACTION = (
    r'^Reacted to "(?P<target>.*)" with (?P<emoji>\S+)\s*$'
    r'|^Removed a (?P<emoji2>\S+) reaction from "(?P<target2>.*)"\s*$'
)
RULE_PREFIX = r"^(?:" + "|".join(f"{w} " for w in REPLY_WORDS) + r"|Reacted to |Removed a )"
# Zoom 2025+ collects reactions to a message on one of its body lines: "Ann, Bo Li:👍".
EMOJI = r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\x{FE0F}\x{200D}\x{20E3}]"
# Zoom webinars' group recipients (`From Ana to Hosts and panelists:`), lower case with spacing folded:
# read as no direct message. A message to everyone under another name is public; a message to the
# webinar's hosts and panelists is a message to the staff (the readers of the report), public to
# them, with `recipient` the one value STAFF_AUDIENCE. Evidence: "Hosts and panelists" is in a
# parser's test of real Zoom webinar exports; the others are the chat's "To:" choices in Zoom's and a
# host's help pages (docs/layouts.md, "Webinar recipients").
WEBINAR_EVERYONE = ("all panelists and attendees", "all panellists and attendees")
WEBINAR_STAFF = (
    "hosts and panelists", "hosts and all panelists", "host and panelists", "host and all panelists",
    "all panelists", "panelists", "hosts and panellists", "all panellists", "panellists",
)
# `From Dana to Ana, Hosts and panelists:` -- a panelist's reply to one attendee that the hosts and
# panelists also see: a direct message to that attendee (group "name"). Evidence: two tools that read
# real webinar chats strip ", Hosts and panelists" / ", host and panelists" from such recipients.
# `… to Ana and all panelists:` / `… and other panelists:` are a guess at another wording (docs/layouts.md).
WEBINAR_PERSON_AND_STAFF = (
    r"(?i)^(?P<name>.+?)(?:\s+and\s+(?:all|other)\s+panell?ists|\s*,\s*hosts?\s+and\s+(?:all\s+)?panell?ists)$"
)

COLLECTED_REACTIONS = rf"^(?P<reactors>[^\t:]+):(?P<emoji>{EMOJI}+)\s*$"


def get_layout(name: str, layouts: dict[str, Layout] | None = None) -> Layout:
    """The layout called `name` among `layouts` (default: the built-ins; with raw/layouts.toml's: user_layouts)."""
    layouts = LAYOUTS if layouts is None else layouts
    try:
        return layouts[name]
    except KeyError:
        known = ", ".join(layouts)
        raise ValueError(f"unknown layout {name!r}; known layouts: {known}") from None


# The parts of a time offset a declared layout may write (a recording's time since its start: any hour).
OFFSET_DIRECTIVES = {"%H": r"(?P<h>[0-9]{1,3})", "%M": r"(?P<m>[0-5]?[0-9])", "%S": r"(?P<s>[0-5]?[0-9])"}


def offset_format_regex(fmt: str) -> str:
    """An anchored regex with groups h, m, s for a time-offset format made of %H, %M, %S and literal text."""
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            directive = fmt[i:i + 2]
            if directive not in OFFSET_DIRECTIVES:
                raise ValueError(f"{directive!r} is not one of {', '.join(OFFSET_DIRECTIVES)}")
            # minutes run past 59 when the format has no hours ("75:03" is 75 minutes)
            out.append(r"(?P<m>[0-9]{1,4})" if directive == "%M" and "%H" not in fmt else OFFSET_DIRECTIVES[directive])
            i += 2
        else:
            out.append("\\" + fmt[i] if fmt[i] in _META else fmt[i])
            i += 1
    if "%M" not in fmt and "%S" not in fmt:
        raise ValueError("an offset needs minutes (%M) or seconds (%S)")
    return "^" + "".join(out) + "$"
