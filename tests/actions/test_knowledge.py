"""The knowledge store: the real files load, every fact is sourced, bad files are named."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from actions.knowledge import LANGUAGES, KnowledgeError, load_store, normalise

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seed" / "mila-about.txt"


@pytest.fixture(scope="module")
def store():
    return load_store(ROOT / "knowledge")


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


def _squash(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("•", " ").split())


def test_real_knowledge_loads_with_every_topic_in_both_languages(store):
    assert len(store.topics) >= 23
    for topic in store.topics.values():
        for part in (topic.question, topic.answer, topic.more):
            assert set(part) == set(LANGUAGES)


@pytest.mark.skipif(not SEED.exists(), reason="the seed document is not beside the repository")
def test_every_source_sentence_is_quoted_from_the_seed(store):
    seed = _squash(SEED.read_text(encoding="utf-8"))
    for topic in store.topics.values():
        for sentence in re.split(r"(?<=[.;])\s+", _squash(topic.source)):
            assert sentence in seed, f"{topic.path}: '{sentence}' is not quoted from the seed"


@pytest.mark.skipif(not SEED.exists(), reason="the seed document is not beside the repository")
def test_every_number_in_an_answer_is_in_the_source(store):
    seed = SEED.read_text(encoding="utf-8")
    seed_numbers = set(re.findall(r"\d+", seed))
    for topic in store.topics.values():
        for part in (topic.answer, topic.more):
            for lang, text in part.items():
                for number in re.findall(r"\d+", text):
                    assert number in seed_numbers, f"{topic.path}: {lang} says {number}"


def test_institutions_answer_admits_seven_announced_six_listed(store):
    topic = store.topic("institutions")
    assert "seven" in topic.answer["en"] and "six" in topic.answer["en"]
    assert "sept" in topic.answer["fr"] and "six" in topic.answer["fr"]


def test_no_contact_is_invented(store):
    assert store.contact is None


def test_things_are_found_by_any_name_without_accents_or_case(store):
    assert store.thing("bonjour sante").id == "bonjour_sante"
    assert store.thing("POLY").id == "polytechnique"
    assert store.thing("korbit").topic == "korbit"
    assert store.thing("Korbit AI").topic == "spinoffs"
    assert store.thing("nothing of the sort") is None


def test_normalise_strips_accents_case_and_punctuation():
    assert normalise("  Bonjour-Santé ! ") == "bonjour sante"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture drift: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "field"),
    [
        ("topics/korbit.yml", "  fr:", "  de:", "question.fr"),
        ("topics/founding.yml", "related: [turing_award", "related: [no_such_topic", "related[0]"),
        ("topics/founding.yml", "id: founding", "id: founder", "id"),
        ("topics/founding.yml", "verified: 2026-11-25", "verified: soon", "verified"),
        ("topics/founding.yml", "related: [", "related: [[", "line"),
        ("topics/about.yml", "broad: true", "broad: maybe", "broad"),
        ("assistant.yml", "menu: [about", "menu: [nowhere", "menu[0]"),
        ("assistant.yml", "  greet:", "  greeting:", "messages.greet"),
    ],
)
def test_a_broken_file_is_an_error_naming_file_and_field(knowledge_copy, file, old, new, field):
    _edit(knowledge_copy / file, old, new)
    with pytest.raises(KnowledgeError) as error:
        load_store(knowledge_copy)
    assert error.value.path.endswith(file)
    assert field in error.value.field


def test_placeholders_must_match_across_languages(knowledge_copy):
    _edit(knowledge_copy / "assistant.yml", "vous pouvez joindre {contact}", "vous pouvez joindre")
    with pytest.raises(KnowledgeError, match="placeholders differ"):
        load_store(knowledge_copy)


def test_a_name_shared_by_two_things_is_refused(knowledge_copy):
    _edit(knowledge_copy / "topics/chester.yml", "en: [Chester,", "en: [Korbit, Chester,")
    with pytest.raises(KnowledgeError, match="already a name of"):
        load_store(knowledge_copy)


def test_stale_topics_are_listed_by_age(store):
    import datetime as dt

    later = dt.date(2030, 1, 1)
    assert len(store.stale_topics(365, today=later)) == len(store.topics)
    assert store.stale_topics(365 * 100, today=later) == []
