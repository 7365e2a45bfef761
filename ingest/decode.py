"""Bytes to lines: encoding detection and line splitting for one export file.

Owns the rules for reading text: a byte-order mark wins (UTF-8, UTF-16 LE/BE);
else strict UTF-8; else UTF-16 without a mark when every other byte is NUL;
else GB18030 (Chinese Windows exports, a superset of GBK). Bytes that fit none
of these, or that hold NULs outside UTF-16, are not text and the file is
refused with a reason. Splitting into lines happens in Polars (`parse`).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass


class UnreadableFile(Exception):
    """The file's bytes are not text in any encoding classchat reads."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode_bytes(data: bytes) -> Decoded:
    """Decode an export's bytes, naming the encoding that was used."""
    if not data.strip():
        raise UnreadableFile("the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(_strict(data[3:], "utf-8"), "utf-8-sig")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return Decoded(_strict(data, "utf-16"), "utf-16")
    if _looks_utf16(data):
        enc = "utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be"
        return Decoded(_strict(data, enc), enc)
    if b"\x00" in data:
        raise UnreadableFile("the file holds NUL bytes: it looks binary, not a text export")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("gb18030"), "gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"not text in UTF-8, UTF-16 or GB18030 (bad byte at offset {exc.start}); "
            "re-save the export as UTF-8"
        ) from None


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
