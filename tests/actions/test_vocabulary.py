"""The words of each language, counted in the NLU training data, as evidence of the language."""

from __future__ import annotations

import logging
from dataclasses import replace

from actions import language, vocabulary
from actions.base import proper_names
from actions.settings import get_settings
from actions.vocabulary import Vocabulary, examples, get_vocabulary

FRENCH_THE_DETECTOR_READS_AS_ENGLISH = "Bengio a eu un prix Touring?"


def write_nlu(root, lang: str, lines: list[str]) -> None:
    folder = root / lang
    folder.mkdir(parents=True)
    body = "".join(f"    - {line}\n" for line in lines)
    (folder / "faq.yml").write_text(
        f'version: "3.1"\nnlu:\n- intent: faq_x\n  examples: |\n{body}', encoding="utf-8"
    )


def test_examples_are_read_without_their_entity_annotations(tmp_path):
    write_nlu(tmp_path, "fr", ["c'est quoi [Korbit](application)", 'et [Poly]{"entity": "x"} ?'])
    assert list(examples(tmp_path / "fr" / "faq.yml")) == ["c'est quoi Korbit", "et Poly ?"]


def test_words_seen_in_one_language_only_point_to_it(tmp_path):
    write_nlu(tmp_path, "fr", ["qui a fondé mila", "prix turing de bengio"])
    write_nlu(tmp_path, "en", ["who founded mila", "bengio turing award"])
    words = get_vocabulary.__wrapped__(tmp_path)
    assert words.log_ratio(["prix", "fondé"]) > 0
    assert words.log_ratio(["award", "who"]) < 0
    # words of both languages weigh far less; unseen ones nothing
    assert abs(words.log_ratio(["mila", "turing"])) < words.log_ratio(["prix"]) / 2
    assert words.log_ratio(["zzz"]) == 0.0


def test_without_training_data_the_evidence_is_empty_and_said_so(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        words = get_vocabulary.__wrapped__(tmp_path / "missing")
    assert words.log_ratio(["prix", "award"]) == 0.0
    assert "No NLU training examples" in caplog.text


def test_the_real_training_data_decides_what_the_detector_gets_wrong(monkeypatch):
    names = proper_names()
    # The detector alone, in an English conversation: answered in English.
    without = replace(get_settings(), training_words_min_log_ratio=float("inf"))
    monkeypatch.setattr(language, "get_settings", lambda: without)
    assert decide(names) == "en"
    # With the words of our own French and English examples: French.
    monkeypatch.setattr(language, "get_settings", get_settings)
    assert decide(names) == "fr"


def decide(names: list[str]) -> str:
    return language.decide(FRENCH_THE_DETECTOR_READS_AS_ENGLISH, "en", names=names).language


def test_an_empty_vocabulary_leaves_the_detector_in_charge(monkeypatch):
    empty = Vocabulary({"fr": vocabulary.Counter(), "en": vocabulary.Counter()})
    monkeypatch.setattr(language, "get_vocabulary", lambda: empty)
    assert decide(proper_names()) == "en"


def test_known_share_counts_the_words_seen_in_either_language():
    vocabulary_ = Vocabulary(
        {"fr": vocabulary.Counter({"combien": 2}), "en": vocabulary.Counter({"how": 3})}
    )
    assert vocabulary_.known_share(["Combien", "how", "ilu", "studentow"]) == 0.5
    assert vocabulary_.known_share([]) is None


def test_without_examples_no_word_is_judged_unknown():
    empty = Vocabulary({"fr": vocabulary.Counter(), "en": vocabulary.Counter()})
    assert empty.known_share(["ilu", "studentow"]) is None
