"""Bytes of a file to clean text: encoding detection, binary refusal, spacing, titles."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANKS = re.compile(r"\n\s*\n\s*")
_SPACES = re.compile(r"[ \t\u00a0]+")
# UTF-32 LE first: its mark begins with the UTF-16 LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def clean(text: str) -> str:
    """Normalise line ends and spacing, drop control characters, fold runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = _CONTROL.sub("", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    controls = len(_CONTROL.findall(sample.decode("latin-1")))
    return b"\x00" in sample and controls / len(sample) > 0.05 or controls / len(sample) > 0.3


def decode(data: bytes) -> str | None:
    """Text of ``data``: UTF-16/32 when a byte-order mark says so, UTF-8 when it is, else
    the encoding charset-normalizer finds. None for binary data."""
    for bom, encoding in _BOMS:  # before the binary test: UTF-16/32 text is full of NULs
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue  # a UTF-16 LE text may begin like a UTF-32 LE BOM
    if _looks_binary(data):
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.chaos > 0.3:
        return None
    return data.decode(best.encoding, errors="replace")


def derive_title(text: str, limit: int = 90) -> str:
    """A headline for an article without one: its first sentence, shortened at a word."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].strip()
    if len(first) <= limit:
        return first.rstrip(".")
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
