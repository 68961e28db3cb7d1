"""Is a question about Mila, or about some other organisation or place it names?

"Who founded Amii, the AI institute in Edmonton?" or « La Croix-Rouge, c'est un OSBL ? » look
like Mila's founding or non-profit questions to the intent classifier, which knows words, not
subjects. A question recognised as a topic that names neither Mila nor anything of
knowledge/, but names something else with a capital letter in the middle of a sentence, is
about that something else: the assistant declines it instead of answering with Mila's fact.
Words that are capitalised but belong to Mila's own story (Montréal, Québec, Canada, AI...) are
listed in `own_words` (actions/settings.yml).

The partner universities and the companies of knowledge/ are organisations of their own: "How
many students are enrolled at McGill?" is about McGill's students, not Mila's. A question that
names one of them but not Mila, recognised as another topic than the one that thing belongs
to, is about that organisation (`other_organisation`, over the things NLU found).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from actions.knowledge import Thing
from actions.names import names_pattern

TOKEN = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
MILA = re.compile(r"(?i)\bmila\b")
# After these, a capital letter starts a sentence or a quotation, not a name.
SENTENCE_START = (".", "?", "!", ":", "«", '"', "(", "“")


def other_subject(text: str, names: Iterable[str], own_words: Iterable[str]) -> str | None:
    """The first name in `text` that is neither Mila, nor a thing of knowledge/, nor one of
    `own_words`; None when the text names Mila or a known thing, or no other name."""
    known = names_pattern(tuple(names))
    if MILA.search(text) or (known is not None and known.search(text)):
        return None
    own = {word.lower() for word in own_words}
    for match in TOKEN.finditer(text):
        word = match.group(0)
        if not word[0].isupper() or word.lower() in own:
            continue
        before = text[: match.start()].rstrip()
        if not before or before.endswith(SENTENCE_START):
            continue
        return word
    return None


def other_organisation(
    text: str, named: Iterable[Thing], topic: str, types: Iterable[str]
) -> str | None:
    """The id of a thing of one of `types` (separate organisations: universities, companies)
    among the things `named` in `text` (NLU's entities), answered by another `topic` than the
    thing's own; None when the text names Mila (then the question is about Mila and that
    organisation together)."""
    if MILA.search(text):
        return None
    kinds = set(types)
    return next((t.id for t in named if t.type in kinds and t.topic != topic), None)
