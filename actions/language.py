"""Which language to answer in: metadata, then the message, then the conversation.

Order of precedence (see docs/design.md):
1. a `language` ("fr"/"en") in the message metadata (the web widget's toggle) wins;
2. button payloads ("/faq_x") and short messages keep the conversation's language;
3. otherwise a message clearly in another language is flagged so that the action answers
   "I speak French and English" (the detector below, or, for the Latin-script languages it
   does not compare, words unknown to our examples and a broad detector that agrees: see
   `_unknown_latin_language`); between French and English, two or more function words
   decide, then the words of our own training examples (actions/vocabulary.py) when they are
   clear, then the detector;
4. with nothing to go on, the configured default language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lingua import Language, LanguageDetectorBuilder

from actions.names import names_pattern
from actions.settings import get_settings
from actions.vocabulary import WORD, get_vocabulary  # words as counted in the examples

SUPPORTED = ("fr", "en")
# Languages the detector compares: ours, and the ones visitors of a Montréal site most often
# write in otherwise, so that a Spanish sentence is recognised as Spanish, not as bad French.
_DETECTED = (
    Language.FRENCH, Language.ENGLISH, Language.SPANISH, Language.GERMAN,
    Language.ITALIAN, Language.PORTUGUESE, Language.DUTCH,
)  # fmt: skip


@dataclass(frozen=True)
class LanguageDecision:
    """The reply language, and whether the message was in a language we do not speak."""

    language: str
    other_language: bool = False


@lru_cache(maxsize=1)
def _detector():
    return (
        LanguageDetectorBuilder.from_languages(*_DETECTED).with_preloaded_language_models().build()
    )


@lru_cache(maxsize=1)
def _broad_detector():
    """Every Latin-script language lingua knows (49), in its low-accuracy mode: a tenth of the
    memory of the full models, good enough for a second opinion on whole sentences."""
    return (
        LanguageDetectorBuilder.from_languages(*Language.all_with_latin_script())
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def warm_up() -> None:
    """Load the detectors' models and count the training words now, not at the first message."""
    _detector()
    _broad_detector()
    get_vocabulary()


def _strip_names(text: str, names: Iterable[str]) -> str:
    """Remove proper names (Mila, Korbit...), which belong to no language."""
    pattern = names_pattern(tuple(names))
    return pattern.sub(" ", text) if pattern else text


def detect(text: str, names: Iterable[str] = ()) -> dict[str, Any]:
    """Raw detection, proper names removed: word count, confidences per ISO code, and how many
    function words of each of our languages the message has."""
    plain = _strip_names(text, names)
    words = WORD.findall(plain)
    if not words:
        return {
            "words": 0, "scores": {}, "function_words": {}, "training_words": 0.0,
            "known_share": None,
        }  # fmt: skip
    values = _detector().compute_language_confidence_values(" ".join(words))
    scores = {v.language.iso_code_639_1.name.lower(): v.value for v in values}
    lexicon = get_settings().function_words
    lowered = [w.lower() for w in words]
    counts = {lang: sum(w in lexicon[lang] for w in lowered) for lang in SUPPORTED}
    vocabulary = get_vocabulary()
    return {
        "words": len(words),
        "scores": scores,
        "function_words": counts,
        "training_words": vocabulary.log_ratio(words),
        "known_share": vocabulary.known_share(words),
    }


def _unknown_latin_language(found: dict[str, Any], plain: str) -> bool:
    """A Polish, Danish or Swahili sentence: the detector above, which compares seven
    languages, reads it as French, English or Italian. Two signs that must agree: fewer than
    `other_language_max_known_words` of its words appear in our French or English training
    examples (`found`, from `detect`), and the broad detector finds `plain` less than
    `other_language_broad_max_fr_en` French or English. Neither alone is enough: a French
    question full of rare words, or an English fragment the broad detector reads as Dutch
    (benchmarks.md, other-language grid)."""
    settings = get_settings()
    share = found["known_share"]
    if (
        found["words"] < settings.other_language_min_words
        or share is None
        or share >= settings.other_language_max_known_words
    ):
        return False
    values = _broad_detector().compute_language_confidence_values(" ".join(WORD.findall(plain)))
    ours = sum(v.value for v in values if v.language in (Language.FRENCH, Language.ENGLISH))
    return ours < settings.other_language_broad_max_fr_en


def _mostly_other_script(text: str) -> bool:
    """At least two letters, and most of them not Latin (French and English are Latin)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2:
        return False
    latin = sum(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    return latin * 2 < len(letters)


def decide(
    text: str,
    current: str | None,
    metadata: dict[str, Any] | None = None,
    names: Iterable[str] = (),
) -> LanguageDecision:
    """The language to answer `text` in, given the conversation's `current` language."""
    settings = get_settings()
    fallback = current if current in SUPPORTED else settings.default_language
    requested = (metadata or {}).get("language") if isinstance(metadata, dict) else None
    if isinstance(requested, str) and requested.lower()[:2] in SUPPORTED:
        return LanguageDecision(requested.lower()[:2])
    if not isinstance(text, str) or text.startswith("/"):
        return LanguageDecision(fallback)

    plain = _strip_names(text, names)  # once, for the script check and the detector
    if _mostly_other_script(plain):
        # Chinese, Arabic, Cyrillic...: neither French nor English, whatever the detector
        # (which compares Latin-script languages only) would say.
        return LanguageDecision(settings.default_language, other_language=True)
    found = detect(plain)
    scores = found["scores"]
    if not scores:
        return LanguageDecision(fallback)
    fr, en = scores.get("fr", 0.0), scores.get("en", 0.0)
    best = max(scores, key=scores.get)
    if (
        found["words"] >= settings.short_message_words
        and best not in SUPPORTED
        and scores[best] >= settings.other_language_min_confidence
        and fr + en < settings.other_language_max_fr_en
    ) or _unknown_latin_language(found, plain):
        return LanguageDecision(settings.default_language, other_language=True)
    if found["words"] < settings.short_message_words and current in SUPPORTED:
        return LanguageDecision(current)
    by_words = found["function_words"]["fr"] - found["function_words"]["en"]
    if abs(by_words) >= 2:
        return LanguageDecision("fr" if by_words > 0 else "en")
    by_examples = found["training_words"]
    if abs(by_examples) >= settings.training_words_min_log_ratio:
        return LanguageDecision("fr" if by_examples > 0 else "en")
    if fr >= en * settings.fr_en_ratio and fr > 0:
        return LanguageDecision("fr")
    if en >= fr * settings.fr_en_ratio and en > 0:
        return LanguageDecision("en")
    if by_words:
        return LanguageDecision("fr" if by_words > 0 else "en")
    return LanguageDecision(fallback)
