"""Plain text (.txt, .text, .rst, no suffix): the file's bytes decoded, nothing taken away.

UTF-8, with a UTF-8 or UTF-16 byte-order mark honoured; otherwise Windows-1252 (or Latin-1
where 1252 has holes). A file with NUL bytes or mostly control characters is binary, whatever
its name, and is refused with that reason.
"""

from __future__ import annotations

import codecs

from assistant.readers.base import Format, Reading

SNIFF_BYTES = 8192


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name of a file's bytes; raises ValueError for binary data."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:SNIFF_BYTES]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace") if _is_cp1252(data) else data.decode("latin-1")
    if _mostly_control(text):
        raise ValueError("binary file (mostly control characters)")
    return text, "cp1252" if _is_cp1252(data) else "latin-1"


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_control(text: str) -> bool:
    sample = text[:SNIFF_BYTES]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bool(sample) and bad / len(sample) > 0.1


def read(data: bytes) -> Reading:
    text, encoding = decode(data)
    return Reading(text, "text", encoding=encoding)


FORMAT = Format("text", frozenset({".txt", ".text", ".rst", ""}), read, kept=False, chrome=True)
