"""One regular expression that finds any of a list of names (Mila, Korbit, Ph.D....)."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=8)
def names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    """All the names, longest first ("Korbit AI" before "Korbit"), case-insensitive, not inside
    a word; built once per list. Not `\\b`: names such as "Ph.D." or "Element A.I." end with a
    dot, after which `\\b` never matches before a space."""
    if not names:
        return None
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(rf"(?i)(?<!\w)(?:{alternatives})(?!\w)")
