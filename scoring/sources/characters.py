"""Characters that make text look different from what it is.

Bidirectional overrides (U+202E turns "gpj.exe" into "exe.jpg" on screen), zero-width
characters and control characters let a title or a team name pass for another one, or hide
text from a reviewer. They have no use in a one-line name, so the loader warns about each
one (naming its code point) and strips them from what is rendered (see loading.py).
"""

from __future__ import annotations

import re
import unicodedata

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_ZERO_WIDTH = "\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
# C0 and C1 controls, DEL included; tab and line breaks are handled where text allows them.
_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)))
SUSPICIOUS = re.compile(f"[{re.escape(_BIDI + _ZERO_WIDTH + _CONTROLS)}]")
_JOINER = "\u200d"


def _is_emoji_join(text: str, index: int) -> bool:
    """A zero-width joiner between two symbols builds one emoji (a family, a flag): keep it."""
    if text[index] != _JOINER or index == 0 or index + 1 >= len(text):
        return False
    before, after = unicodedata.category(text[index - 1]), unicodedata.category(text[index + 1])
    return before in ("So", "Sk", "Mn") and after in ("So", "Sk")


def suspicious(text: str) -> list[str]:
    """The code points in ``text`` that hide or disguise text, as ``U+202E`` names."""
    found: list[str] = []
    for match in SUSPICIOUS.finditer(text):
        if _is_emoji_join(text, match.start()):
            continue
        name = f"U+{ord(match.group()):04X}"
        label = unicodedata.name(match.group(), "")
        shown = f"{name} {label}" if label else name
        if shown not in found:
            found.append(shown)
    return found


def strip_suspicious(text: str) -> str:
    if not SUSPICIOUS.search(text):
        return text
    return "".join(
        c for i, c in enumerate(text) if not SUSPICIOUS.fullmatch(c) or _is_emoji_join(text, i)
    )
