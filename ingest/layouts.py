"""The export layouts classchat reads, each as data: a header pattern and a continuation rule.

A message is one header line (time and sender, maybe more) plus the
continuation lines after it, up to the next header. A layout is therefore
described by one regular expression for its header lines, with named groups
(`time` required; `date`, `sender`, `recipient`, `private`, `text` optional),
and by the prefix its continuation lines carry. Patterns use the Rust regex
dialect that Polars runs. Detection picks, per file, the layout whose header
matches most of the file's first lines; `--format` overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    header: str  # Rust regex, anchored, with named groups
    continuation_prefix: str = ""  # regex of what to strip from continuation lines
    example: str = ""


PLAIN = Layout(
    name="plain",
    description="HH:MM:SS<TAB><spaces>sender : text  (no 'From'; e.g. Chinese lecture exports)",
    header=r"^(?P<time>\d{1,2}:\d{2}:\d{2})\t[ ]*(?P<sender>[^\t]+?) : ?(?P<text>.*)$",
    example="10:05:42\t  46149090 : 1",
)

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (PLAIN,)}


def get_layout(name: str) -> Layout:
    try:
        return LAYOUTS[name]
    except KeyError:
        known = ", ".join(sorted(LAYOUTS))
        raise ValueError(f"unknown layout {name!r}; known layouts: {known}") from None
