"""Showing names that come from the corpus (file names, record ids) in reports.

A file name may hold a newline, a carriage return or a right-to-left override: printed
as is, it forges report lines ("added  forged.txt") or shows ``exe.txt`` reversed. Here
such characters become visible escapes, as ``repr`` writes them, and Markdown gets its
own escaping on top.
"""

from __future__ import annotations

import re
import unicodedata

# Control (Cc), format (Cf: bidi overrides, zero-width), line and paragraph separators.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # CommonMark: all may be escaped
_BACKTICKS = re.compile(r"`+")


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


def markdown_code(name: str) -> str:
    """``name`` as a Markdown code span that no character in it can end early."""
    text = shown(name)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # A span starting or ending with a backtick needs a space inside the fence.
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_text(text: str) -> str:
    """``text`` shown literally in Markdown: no emphasis, links or HTML from it."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", shown(text))
