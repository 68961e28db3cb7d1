"""Which kinds of detail a question asks for ("when", "how much does it cost"...).

A question can be recognised as a topic yet ask a detail its answer does not hold: "which year
did the Espace CDPQ open?" is about the Espace CDPQ, but its answer has no year. The phrases
that ask for each kind of detail are data (knowledge/assistant.yml `details:`); each topic
lists the kinds its answer holds (`details:` in its file). A phrase starting with "^" only
counts at the start of a clause ("When was...", "ok, quand..."), not inside one ("...when I
visit").
"""

from __future__ import annotations

import re
from functools import lru_cache

from actions.knowledge import KnowledgeStore, normalise


@lru_cache(maxsize=4)
def _patterns(details: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, re.Pattern]:
    patterns = {}
    for kind, phrases in details:
        alternatives = []
        for phrase in phrases:
            at_start = phrase.startswith("^")
            words = re.escape(normalise(phrase.lstrip("^")))
            alternatives.append(rf"(?:^|\|)\s*{words}\b" if at_start else rf"\b{words}\b")
        patterns[kind] = re.compile("|".join(alternatives))
    return patterns


def _clauses(text: str) -> str:
    """The text normalised like the phrases, with "|" where a clause starts."""
    marked = re.sub(r"[.,;:!?¿¡()\n]+", " | ", text)
    return " | ".join(normalise(part) for part in marked.split("|"))


def asked_details(store: KnowledgeStore, text: str) -> set[str]:
    """The kinds of detail `text` asks for."""
    plain = _clauses(text)
    patterns = _patterns(store.detail_phrases)
    return {kind for kind, pattern in patterns.items() if pattern.search(plain)}
