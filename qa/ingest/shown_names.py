"""Showing names that come from the corpus (file names, record ids) in reports.

A file name may hold a newline, a carriage return or a right-to-left override: printed
as is, it forges report lines ("added  forged.txt") or shows ``exe.txt`` reversed. Here
such characters become visible escapes, as ``repr`` writes them (the chat's Markdown
escaping, :mod:`qa.web.markdown`, goes on top).
"""

from __future__ import annotations

import unicodedata

# Control (Cc), format (Cf: bidi overrides, zero-width), line and paragraph separators.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else \
        f"\\U{code:08x}"


def shown(name: str) -> str:
    """``name`` with control, bidi and other invisible characters written as escapes."""
    if name.isprintable():  # the common case, and a cheap check
        return name
    return "".join(
        _escape(ch) if unicodedata.category(ch) in _HIDDEN_CATEGORIES else ch for ch in name
    )
