"""Bytes to text: encoding detection for export files, one at a time or a batch at once.

Owns the rules for reading text: a byte-order mark wins (UTF-8, UTF-16 LE/BE);
else strict UTF-8; else UTF-16 without a mark when every other byte is NUL;
else GB18030 (Chinese Windows exports, a superset of GBK). Bytes that fit none
of these, or that hold NULs outside UTF-16, are not text and the file is
refused with a reason. Whatever the file was written in, the result is its
text as UTF-8 bytes (the form Polars reads without a copy through Python
strings). For a batch, one UTF-8 check covers every file at once (in Polars); only
when it fails are the files checked one by one. Splitting into lines happens
in Polars (`parse`).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import polars as pl


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
        return Decoded(_strict(data[3:], "utf-8").encode("utf-8"), "utf-8-sig")
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
    try:
        return Decoded(data.decode("gb18030").encode("utf-8"), "gb18030")
    except UnicodeDecodeError as exc:
        return UnreadableFile(
            f"not text in UTF-8, UTF-16 or GB18030 (bad byte at offset {exc.start}); re-save the export as UTF-8"
        )


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"invalid {encoding} at byte offset {exc.start}") from None


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 4:
        return False
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    return max(even_nuls, odd_nuls) > 0.4 * half and min(even_nuls, odd_nuls) < 0.05 * half
