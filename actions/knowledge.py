"""The knowledge store: loads and validates `knowledge/*.yml` once, at start-up.

Every fact and every sentence the assistant says lives in those YAML files, in French and in
English. A malformed file, a missing translation or an unknown related topic raises
`KnowledgeError` naming the file and the field: the action server refuses to start rather than
run half-loaded.
"""

from __future__ import annotations

import datetime as dt
import os
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

LANGUAGES = ("fr", "en")
THING_TYPES = ("application", "company", "institution", "programme", "person", "organisation")
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "knowledge"


class KnowledgeError(ValueError):
    """A knowledge file is invalid; the message names the file and the field."""

    def __init__(self, path: Path | str, field_name: str, problem: str) -> None:
        self.path = str(path)
        self.field = field_name
        self.problem = problem
        super().__init__(f"{path}: field '{field_name}': {problem}")


def normalise(text: str) -> str:
    """Lowercase, strip accents and punctuation: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = "".join(" " if c in string.punctuation or c in "’‘" else c for c in plain)
    return " ".join(plain.split())


@dataclass(frozen=True)
class Thing:
    """A named thing (application, company, institution...) answered by one topic."""

    id: str
    type: str
    names: dict[str, tuple[str, ...]]
    topic: str

    def all_names(self) -> list[str]:
        seen: dict[str, str] = {}
        for lang in LANGUAGES:
            for name in self.names[lang]:
                seen.setdefault(name.lower(), name)
        return list(seen.values())


@dataclass(frozen=True)
class Topic:
    """One FAQ topic: its question, short and long answers in both languages."""

    id: str
    verified: dt.date
    source: str
    question: dict[str, str]
    answer: dict[str, str]
    more: dict[str, str]
    related: tuple[str, ...]
    things: tuple[Thing, ...] = ()
    # Kinds of detail (knowledge/assistant.yml `details:`) this topic's answer holds.
    details: tuple[str, ...] = ()
    # A broad topic ("what is Mila?") yields to the topic of a thing the question names:
    # "la Caisse finance quoi chez Mila ?" is about the Espace CDPQ, not about Mila in general.
    broad: bool = False
    path: str = ""

    @property
    def intent(self) -> str:
        return f"faq_{self.id}"


@dataclass
class KnowledgeStore:
    """All topics, named things and assistant messages, validated."""

    topics: dict[str, Topic]
    messages: dict[str, dict[str, str]]
    menu: tuple[str, ...]
    contact: dict[str, str] | None
    language_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    things: dict[str, Thing] = field(default_factory=dict)
    _names: dict[str, Thing] = field(default_factory=dict)
    # Kind of detail -> language -> phrases that ask for it (assistant.yml `details:`).
    details: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    @cached_property
    def detail_phrases(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(kind, its phrases in both languages), built once: a question is checked for every
        kind whatever its language."""
        return tuple(
            (kind, tuple(phrase for phrases in by_language.values() for phrase in phrases))
            for kind, by_language in sorted(self.details.items())
        )

    def topic(self, topic_id: object) -> Topic | None:
        """The topic of that id; None for anything else (a slot can hold any JSON value)."""
        return self.topics.get(topic_id) if isinstance(topic_id, str) else None

    def topic_for_intent(self, intent: str | None) -> Topic | None:
        if intent and intent.startswith("faq_"):
            return self.topics.get(intent[len("faq_") :])
        return None

    def thing(self, value: str) -> Thing | None:
        """The thing whose id or any name matches `value` (accents and case ignored)."""
        if value in self.things:
            return self.things[value]
        return self._names.get(normalise(value))

    def message(self, key: str, lang: str, **values: str) -> str:
        """An assistant sentence in `lang`, with its placeholders filled."""
        return self.messages[key][lang].format(**values)

    def stale_topics(self, max_age_days: int, today: dt.date | None = None) -> list[Topic]:
        """Topics whose facts were last verified more than `max_age_days` ago."""
        today = today or dt.date.today()
        return [t for t in self.topics.values() if (today - t.verified).days > max_age_days]


# --------------------------------------------------------------------------- loading


def _read_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "document"
        raise KnowledgeError(path, where, f"not valid YAML ({exc.__class__.__name__})") from exc
    except UnicodeDecodeError as exc:
        raise KnowledgeError(path, "document", "not UTF-8 text") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(path, "document", "must be a mapping of fields")
    return data


def _text(path: Path, data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(path, key, "missing or empty text")
    return value.strip()


def _bilingual(path: Path, data: dict, key: str) -> dict[str, str]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise KnowledgeError(path, key, "must have a French (fr) and an English (en) text")
    result = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise KnowledgeError(path, f"{key}.{lang}", "missing translation")
        result[lang] = " ".join(text.split())
    extra = set(value) - set(LANGUAGES)
    if extra:
        raise KnowledgeError(path, key, f"unknown language(s) {sorted(extra)}")
    return result


def _things(path: Path, data: dict, topic_id: str) -> tuple[Thing, ...]:
    raw = data.get("things") or []
    if not isinstance(raw, list):
        raise KnowledgeError(path, "things", "must be a list")
    things = []
    for index, item in enumerate(raw):
        where = f"things[{index}]"
        if not isinstance(item, dict):
            raise KnowledgeError(path, where, "must be a mapping")
        thing_id = item.get("id")
        if not isinstance(thing_id, str) or not thing_id.isidentifier():
            raise KnowledgeError(path, f"{where}.id", "missing or not a snake_case identifier")
        kind = item.get("type")
        if kind not in THING_TYPES:
            raise KnowledgeError(path, f"{where}.type", f"must be one of {', '.join(THING_TYPES)}")
        names = item.get("names")
        if not isinstance(names, dict):
            raise KnowledgeError(path, f"{where}.names", "must have fr and en lists")
        clean: dict[str, tuple[str, ...]] = {}
        for lang in LANGUAGES:
            values = names.get(lang)
            if not isinstance(values, list) or not values:
                raise KnowledgeError(path, f"{where}.names.{lang}", "missing synonyms")
            if not all(isinstance(v, str) and v.strip() for v in values):
                raise KnowledgeError(path, f"{where}.names.{lang}", "every name must be text")
            clean[lang] = tuple(v.strip() for v in values)
        things.append(Thing(id=thing_id, type=kind, names=clean, topic=topic_id))
    return tuple(things)


def _topic(path: Path) -> Topic:
    data = _read_yaml(path)
    topic_id = _text(path, data, "id")
    if topic_id != path.stem:
        raise KnowledgeError(path, "id", f"'{topic_id}' must match the file name '{path.stem}'")
    verified = data.get("verified")
    if not isinstance(verified, dt.date):
        raise KnowledgeError(path, "verified", "missing date (YYYY-MM-DD)")
    related = data.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        raise KnowledgeError(path, "related", "must be a list of topic ids")
    return Topic(
        id=topic_id,
        verified=verified,
        source=_text(path, data, "source"),
        question=_bilingual(path, data, "question"),
        answer=_bilingual(path, data, "answer"),
        more=_bilingual(path, data, "more"),
        related=tuple(related),
        things=_things(path, data, topic_id),
        details=_details_of(path, data),
        broad=_flag(path, data, "broad"),
        path=str(path),
    )


def _flag(path: Path, data: dict, key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise KnowledgeError(path, key, "must be true or false")
    return value


def _details_of(path: Path, data: dict) -> tuple[str, ...]:
    details = data.get("details") or []
    if not isinstance(details, list) or not all(isinstance(d, str) for d in details):
        raise KnowledgeError(path, "details", "must be a list of detail kinds")
    return tuple(details)


def _detail_phrases(path: Path, assistant: dict) -> dict[str, dict[str, tuple[str, ...]]]:
    raw = assistant.get("details") or {}
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "details", "must map each kind of detail to fr and en phrases")
    kinds = {}
    for kind, phrases in raw.items():
        if not isinstance(phrases, dict):
            raise KnowledgeError(path, f"details.{kind}", "must have fr and en lists")
        kinds[kind] = {}
        for lang in LANGUAGES:
            values = phrases.get(lang)
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                raise KnowledgeError(path, f"details.{kind}.{lang}", "missing phrases")
            kinds[kind][lang] = tuple(values)
    return kinds


def _check_placeholders(path: Path, key: str, texts: dict[str, str]) -> None:
    fields = {}
    for lang, text in texts.items():
        try:
            fields[lang] = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        except ValueError as exc:
            raise KnowledgeError(path, f"messages.{key}.{lang}", f"bad placeholder: {exc}") from exc
    if fields["fr"] != fields["en"]:
        raise KnowledgeError(
            path, f"messages.{key}", f"placeholders differ: fr {fields['fr']} en {fields['en']}"
        )


REQUIRED_MESSAGES = (
    "greet", "goodbye", "thank", "bot_challenge", "menu", "human_contact", "human_no_contact",
    "out_of_scope", "mila_unknown", "fallback", "clarify", "something_else_button",
    "other_language", "language_switched", "tell_more_no_topic", "no_more", "thing_unknown",
)  # fmt: skip


def load_store(directory: Path | str | None = None) -> KnowledgeStore:
    """Load and validate every knowledge file, or raise `KnowledgeError`."""
    root = Path(directory or os.environ.get("MILA_KNOWLEDGE_DIR") or DEFAULT_DIR)
    topic_files = sorted((root / "topics").glob("*.yml"))
    if not topic_files:
        raise KnowledgeError(root / "topics", "document", "no topic file found")
    topics = {}
    for path in topic_files:
        topic = _topic(path)
        topics[topic.id] = topic

    things: dict[str, Thing] = {}
    names: dict[str, Thing] = {}
    for topic in topics.values():
        for index, related in enumerate(topic.related):
            if related not in topics:
                raise KnowledgeError(topic.path, f"related[{index}]", f"unknown topic '{related}'")
            if related == topic.id:
                raise KnowledgeError(
                    topic.path, f"related[{index}]", "a topic cannot relate to itself"
                )
        for thing in topic.things:
            if thing.id in things:
                raise KnowledgeError(topic.path, "things", f"thing '{thing.id}' is defined twice")
            things[thing.id] = thing
            for name in thing.all_names():
                key = normalise(name)
                other = names.get(key)
                if other is not None and other.id != thing.id:
                    raise KnowledgeError(
                        topic.path, f"things.{thing.id}.names",
                        f"name '{name}' is already a name of '{other.id}'",
                    )  # fmt: skip
                names[key] = thing

    assistant_path = root / "assistant.yml"
    assistant = _read_yaml(assistant_path)
    raw_messages = assistant.get("messages")
    if not isinstance(raw_messages, dict):
        raise KnowledgeError(assistant_path, "messages", "must be a mapping of message keys")
    messages = {key: _bilingual(assistant_path, raw_messages, key) for key in raw_messages}
    for key in REQUIRED_MESSAGES:
        if key not in messages:
            raise KnowledgeError(assistant_path, f"messages.{key}", "missing message")
    for key, texts in messages.items():
        _check_placeholders(assistant_path, key, texts)

    menu = assistant.get("menu") or []
    if not isinstance(menu, list) or not menu:
        raise KnowledgeError(assistant_path, "menu", "must list the topics offered in the menu")
    for index, topic_id in enumerate(menu):
        if topic_id not in topics:
            raise KnowledgeError(assistant_path, f"menu[{index}]", f"unknown topic '{topic_id}'")

    contact = assistant.get("contact")
    if contact is not None:
        contact = _bilingual(assistant_path, assistant, "contact")

    details = _detail_phrases(assistant_path, assistant)
    for topic in topics.values():
        for index, kind in enumerate(topic.details):
            if kind not in details:
                raise KnowledgeError(
                    topic.path, f"details[{index}]", f"unknown kind '{kind}' (assistant.yml)"
                )

    raw_names = assistant.get("language_names")
    if not isinstance(raw_names, dict):
        raise KnowledgeError(assistant_path, "language_names", "must list names of fr and en")
    language_names = {}
    for lang in LANGUAGES:
        values = raw_names.get(lang)
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise KnowledgeError(assistant_path, f"language_names.{lang}", "missing names")
        language_names[lang] = tuple(values)

    return KnowledgeStore(
        topics=topics,
        messages=messages,
        menu=tuple(menu),
        contact=contact,
        language_names=language_names,
        details=details,
        things=things,
        _names=names,
    )


def iter_bilingual_texts(store: KnowledgeStore) -> Iterable[tuple[str, str, str]]:
    """(where, lang, text) for every sentence the assistant can say: used by checks."""
    for topic in store.topics.values():
        for part in ("question", "answer", "more"):
            for lang, text in getattr(topic, part).items():
                yield f"{topic.path}:{part}", lang, text
    for key, texts in store.messages.items():
        for lang, text in texts.items():
            yield f"assistant.yml:messages.{key}", lang, text
