"""The words visitors use in each language, as counted in the NLU training data.

A general-purpose detector reads "entreprizes creees grace a mila" or "Joshua Bengio a eu le
prix Touring?" as English; our own French examples hold "creees", "grace", "eu" and "prix"
many times and the English ones never. `log_ratio` turns those counts into evidence: the log
of how much likelier the words are in the French examples than in the English ones (naive
Bayes with add-one smoothing). actions/language.py uses it before the detector when it is
strong enough (`training_words_min_log_ratio` in settings.yml; figures in docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

logger = logging.getLogger(__name__)

NLU_DIR = Path(__file__).resolve().parent.parent / "data" / "nlu"
LANGUAGES = ("fr", "en")
# "[Korbit](application)" or "[Poly]{"entity": ...}": the text between the brackets.
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Vocabulary:
    counts: dict[str, Counter]

    @cached_property
    def _smoothed_totals(self) -> tuple[int, int]:
        """Words counted in each language, plus one per distinct word (add-one smoothing)."""
        size = len(self.counts["fr"].keys() | self.counts["en"].keys())
        return sum(self.counts["fr"].values()) + size, sum(self.counts["en"].values()) + size

    def log_ratio(self, words: Iterable[str]) -> float:
        """log P(words | French examples) - log P(words | English examples); words seen in
        neither count for nothing. Positive: French."""
        fr, en = self.counts["fr"], self.counts["en"]
        fr_total, en_total = self._smoothed_totals
        score = 0.0
        for word in words:
            word = word.lower()
            if word in fr or word in en:
                score += math.log((fr[word] + 1) / fr_total) - math.log((en[word] + 1) / en_total)
        return score

    def known_share(self, words: Iterable[str]) -> float | None:
        """Share of `words` seen in the French or English examples; None without examples
        (nothing to compare with) or without words."""
        words = [word.lower() for word in words]
        if not words or not (self.counts["fr"] or self.counts["en"]):
            return None
        return sum(w in self.counts["fr"] or w in self.counts["en"] for w in words) / len(words)


def examples(path: Path) -> Iterable[str]:
    """The plain text of every example of one NLU file, annotations removed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for block in data.get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield ANNOTATION.sub(r"\1", line[2:])


@lru_cache(maxsize=1)
def get_vocabulary(nlu_dir: Path = NLU_DIR) -> Vocabulary:
    """Read once per process. Without the training data (an image that ships only the
    actions), the evidence is empty and the detector decides alone, as it did before."""
    counts = {lang: Counter() for lang in LANGUAGES}
    for lang in LANGUAGES:
        for path in sorted((nlu_dir / lang).glob("*.yml")):
            for text in examples(path):
                counts[lang].update(word.lower() for word in WORD.findall(text))
    if not all(counts.values()):
        logger.warning(
            "No NLU training examples under %s: the reply language is decided without them.",
            nlu_dir,
        )
    return Vocabulary(counts)
