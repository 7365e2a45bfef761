"""Bytes to text: encoding detection for export files, one at a time or a batch at once.

Owns the rules for reading text: a byte-order mark wins (UTF-8, UTF-16 LE/BE);
else strict UTF-8; else UTF-16 without a mark when every other byte is NUL;
else GB18030 (Chinese Windows exports, a superset of GBK), but only for a file
that is not damaged UTF-8. Bytes that fit none of these, or that hold NULs
outside UTF-16, are not text and the file is refused with a reason. Whatever
the file was written in, the result is its text as UTF-8 bytes (the form
Polars reads without a copy through Python strings). For a batch, one UTF-8
check covers every file at once (in Polars); only when it fails are the files
checked one by one. Splitting into lines happens in Polars (`parse`).

Damaged UTF-8. GB18030 gives a meaning to almost any byte pair, so a UTF-8
file with one cut or stray byte often "decodes" as GB18030, every valid
character then read wrong ('老师' as '鑰佸笀'). A file is damaged UTF-8 when
its bytes outside ASCII are almost all valid UTF-8: at most
`DAMAGED_UTF8_MAX_SHARE` (a fifth) of them are bytes the UTF-8 decoder
rejects. Text really written in GB18030 is nowhere near that: about half or
more of its non-ASCII bytes are not valid UTF-8 (Chinese 67 %, Russian 55 %
in the real samples; 50 % and more in the shortest phrases), while a UTF-8
file with a damaged character has a few percent. A damaged UTF-8 file is
refused, never read as GB18030 and never landed with the bad bytes replaced
(a silent repair would change what lands with no one told): the reason names
the first bad byte (its offset from the start of the file, 0-based, its line,
1-based, and its value) and how many bad bytes there are, and says to repair
or export again, not to "re-save as UTF-8" (it already is). A file that is
neither UTF-8 nor GB18030 is refused naming the first bad byte as UTF-8 (and
as GB18030 where that differs). A NUL byte anywhere outside UTF-16 refuses
the whole file (binary): one NUL in an otherwise good export is refused too.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import polars as pl


# a file whose non-ASCII bytes are at most this share invalid UTF-8 is damaged UTF-8 (see above), not GB18030
DAMAGED_UTF8_MAX_SHARE = 0.2
_ASCII = bytes(range(128))
_ESCAPED = re.compile("[\udc80-\udcff]")  # a byte the UTF-8 decoder rejected, under errors="surrogateescape"


class UnreadableFile(Exception):
    """The file's bytes are not text in any encoding classchat reads."""


@dataclass(frozen=True)
class Decoded:
    data: bytes  # the text as UTF-8, without a byte-order mark
    encoding: str  # what the file was written in

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


def decode_bytes(data: bytes) -> Decoded:
    """Decode one export's bytes, naming the encoding that was used; raise UnreadableFile if it is not text."""
    result = decode_many([data])[0]
    if isinstance(result, UnreadableFile):
        raise result
    return result


def decode_many(datas: list[bytes]) -> list[Decoded | UnreadableFile]:
    """Decode a batch of exports: per file, its UTF-8 text and encoding, or why it is not text."""
    out: list[Decoded | UnreadableFile | None] = []
    unchecked: list[int] = []  # files that may be UTF-8: checked together below
    for data in datas:
        try:
            decoded = _decode_unless_utf8(data)
        except UnreadableFile as exc:
            decoded = exc
        if decoded is None:
            unchecked.append(len(out))
        out.append(decoded)
    if unchecked:
        try:  # every file valid UTF-8, the usual case: one check in Rust
            pl.Series([datas[i] for i in unchecked], dtype=pl.Binary).cast(pl.String)
            valid = dict.fromkeys(unchecked, True)
        except pl.exceptions.PolarsError:
            valid = {i: _is_utf8(datas[i]) for i in unchecked}
        for i in unchecked:
            out[i] = Decoded(datas[i], "utf-8") if valid[i] else _not_utf8(datas[i])
    return out  # type: ignore[return-value]


def _decode_unless_utf8(data: bytes) -> Decoded | None:
    """The file decoded, if a mark or its shape says what it is; None if it may be plain UTF-8."""
    if not data or data.isspace():
        raise UnreadableFile("the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(_strict(data[3:], "utf-8", skipped=3).encode("utf-8"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(_strict(data, "utf-16").encode("utf-8"), "utf-16")
    if _looks_utf16(data):
        enc = "utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be"
        return Decoded(_strict(data, enc).encode("utf-8"), enc)
    if b"\x00" in data:
        raise UnreadableFile("the file holds NUL bytes: it looks binary, not a text export")
    if data.isascii():
        return Decoded(data, "utf-8")
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _not_utf8(data: bytes) -> Decoded | UnreadableFile:
    """A file that is not valid UTF-8 (and not UTF-16): GB18030 unless it is damaged UTF-8; else why not."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first = exc.start
    else:  # not reached: only files that failed the UTF-8 check come here
        return Decoded(data, "utf-8")
    n_bad = len(_ESCAPED.findall(data.decode("utf-8", "surrogateescape")))
    n_non_ascii = len(data.translate(None, _ASCII))
    where = f"bad byte at offset {first} ({_line_of(data, first)}: 0x{data[first]:02X})"
    if n_bad <= DAMAGED_UTF8_MAX_SHARE * n_non_ascii:
        return UnreadableFile(
            f"damaged UTF-8, {where}; the rest of the file is UTF-8 ({n_bad} bad byte(s) of "
            f"{n_non_ascii} outside ASCII), so it is not read as another encoding: repair that character "
            "or export the chat again"
        )
    try:
        return Decoded(data.decode("gb18030").encode("utf-8"), "gb18030")
    except UnicodeDecodeError as exc:
        gb = exc.start
        also = f"; as GB18030 at offset {gb} ({_line_of(data, gb)})" if gb != first else ""
        return UnreadableFile(
            f"not text in UTF-8, UTF-16 or GB18030: {where}{also}; re-save the export as UTF-8"
        )


def _line_of(data: bytes, offset: int) -> str:
    """'line N' (1-based) of a byte offset: lines end at LF, or at CR in a file without LF."""
    end = b"\n" if b"\n" in data else b"\r"
    return f"line {data.count(end, 0, offset) + 1}"


def _strict(data: bytes, encoding: str, skipped: int = 0) -> str:
    """`data` decoded, or UnreadableFile naming the bad byte's offset in the file (`skipped`: bytes before
    `data`, a byte-order mark)."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"invalid {encoding} at byte offset {exc.start + skipped}") from None


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 4:
        return False
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    return max(even_nuls, odd_nuls) > 0.4 * half and min(even_nuls, odd_nuls) < 0.05 * half
