"""Data in markdown: user-controlled text shown exactly as written, never as markup.

Owns `plain(text)` and `code(text)`, the two ways the report puts data (names,
titles, file names, course and session ids, paths, error messages) into a
Streamlit element that renders markdown (title, header, caption, markdown,
info/warning/error, tab and expander labels): no link, no bold, no
`:red[...]` colour, no HTML, no formula. Widgets' options (selectbox
`format_func`) and tables are plain text already.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character: CommonMark shows a backslash-escaped one literally,
# which also stops emphasis, links, images, HTML, Streamlit's `:color[...]` directives,
# `:material/...:` icons, emoji short codes and $math$.
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# GFM also links bare URLs (`https://`, `www.`) and e-mail addresses found in the text after
# escapes are read, so a WORD JOINER (invisible) goes where it breaks those patterns.
_AUTOLINK = re.compile(r"\\:(?=\\/)|(?i:www)(?=\\\.)|\\@")
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """`text` as markdown that shows it exactly as written, on one line (see the module docstring)."""
    escaped = _MD_PUNCT.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
    return _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, escaped)


def code(text: object) -> str:
    """`text` as an inline code span (ids, paths), whatever backticks it holds; nothing inside is markup."""
    body = _LINE_BREAKS.sub(" ", str(text))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"
