"""What every answering action shares: the store, the reply language, buttons."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import language
from actions.knowledge import THING_TYPES, KnowledgeStore, Thing, Topic, load_store
from actions.settings import get_settings

# The actions that may answer a topic's question ("did you mean" answers directly when the two
# close intents mean one topic): the latest of them tells what the visitor last read.
ANSWERING_ACTIONS = ("action_answer_question", "action_clarify", "action_tell_more")
# The payload of the "something else" button, which only "did you mean" offers.
SOMETHING_ELSE = "/something_else"
# "Was this helpful?" votes, as sent in the buttons' payloads (actions/feedback.py records them).
VOTES = ("yes", "no")


@lru_cache(maxsize=1)
def get_store() -> KnowledgeStore:
    """The knowledge store, loaded once per process."""
    return load_store()


@lru_cache(maxsize=1)
def proper_names() -> list[str]:
    """Names that belong to no language, longest first (so 'Korbit AI' goes before 'Korbit')."""
    names = {"Mila", "MILA"}
    for thing in get_store().things.values():
        names.update(thing.all_names())
    return sorted(names, key=len, reverse=True)


def last_user_metadata(tracker: Tracker) -> dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            metadata = event.get("metadata")
            return metadata if isinstance(metadata, dict) else {}
    return {}


def last_action(tracker: Tracker, among: Iterable[str]) -> str | None:
    """The most recent of the actions `among` that ran in this conversation."""
    wanted = set(among)
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") in wanted:
            return event["name"]
    return None


def mentioned_things(tracker: Tracker) -> list[Thing]:
    """The named things of the latest message (NLU's entities), longest mention first."""
    store = get_store()
    found = []
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") not in THING_TYPES:
            continue
        thing = store.thing(str(entity.get("value", "")))
        if thing is not None:
            span = (entity.get("end") or 0) - (entity.get("start") or 0)
            found.append((span, thing))
    return [thing for _, thing in sorted(found, key=lambda pair: pair[0], reverse=True)]


def mentioned_thing(tracker: Tracker) -> Thing | None:
    """The named thing of the latest message; the longest mention wins ('Korbit AI' > 'Korbit')."""
    things = mentioned_things(tracker)
    return things[0] if things else None


def words_besides_things(tracker: Tracker) -> int:
    """How many words the latest message has outside its named things' mentions.

    "tell me about Korbit" has 3; "how many users does Korbit have in Quebec" has 7: a question
    about a detail of the thing, which its topic's answer may not hold.
    """
    text = tracker.latest_message.get("text") or ""
    spans = sorted(
        (entity.get("start") or 0, entity.get("end") or 0)
        for entity in tracker.latest_message.get("entities") or []
        if entity.get("entity") in THING_TYPES
    )
    kept, position = [], 0
    for start, end in spans:
        if start >= position:
            kept.append(text[position:start])
            position = max(position, end)
    kept.append(text[position:])
    return len(language.WORD.findall(" ".join(kept)))


class Reply:
    """Says things in one language, on behalf of an action."""

    def __init__(self, dispatcher: CollectingDispatcher, lang: str, store: KnowledgeStore):
        self.dispatcher = dispatcher
        self.lang = lang
        self.store = store

    def topic_buttons(self, topic_ids: Iterable[str]) -> list[dict[str, str]]:
        """Buttons asking the topics' questions; the payload names the topic's intent."""
        buttons = []
        for topic_id in topic_ids:
            topic = self.store.topic(topic_id)
            if topic is not None:
                buttons.append({"title": topic.question[self.lang], "payload": f"/{topic.intent}"})
        return buttons

    def feedback_buttons(self, topic: Topic) -> list[dict[str, str]]:
        """The two vote buttons under an answer about `topic`."""
        return [
            {
                "title": self.store.message(f"feedback_{vote}_button", self.lang),
                "payload": f'/feedback{{"helpful":"{vote}","topic":"{topic.id}"}}',
            }
            for vote in VOTES
        ]

    def say(
        self,
        key: str,
        topics: Iterable[str] = (),
        extra: Iterable[dict[str, str]] = (),
        **values: str,
    ) -> None:
        buttons = self.topic_buttons(topics) + list(extra)
        self.dispatcher.utter_message(
            text=self.store.message(key, self.lang, **values), buttons=buttons
        )

    def did_you_mean(self, topic_ids: Iterable[str]) -> None:
        """Ask "did you mean:" with the topics' questions and "something else" as buttons."""
        something_else = {
            "title": self.store.message("something_else_button", self.lang),
            "payload": SOMETHING_ELSE,
        }
        self.say("clarify", topics=topic_ids, extra=[something_else])

    def answer(self, topic: Topic, text: str) -> None:
        """The answer, its related questions, then the "was this helpful?" buttons."""
        related = topic.related[: get_settings().suggestions]
        buttons = self.topic_buttons(related) + self.feedback_buttons(topic)
        self.dispatcher.utter_message(text=text, buttons=buttons)

    def menu(self, limit: int | None = None) -> list[str]:
        return list(self.store.menu[:limit] if limit else self.store.menu)


class MilaAction(Action, ABC):
    """Base of the answering actions: picks the reply language, then calls `reply`."""

    def __init__(self) -> None:
        # Built when the action server registers the action: a broken knowledge file stops
        # the server at start-up with the file and field named, instead of at the first question.
        self.store = get_store()
        proper_names()
        language.warm_up()

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    def decide_language(self, tracker: Tracker) -> language.LanguageDecision:
        return language.decide(
            tracker.latest_message.get("text") or "",
            tracker.get_slot("language"),
            last_user_metadata(tracker),
            proper_names(),
        )

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        decision = self.decide_language(tracker)
        out = Reply(dispatcher, decision.language, self.store)
        if decision.other_language:
            out.say("other_language")
            return []
        events: list[EventType] = []
        if tracker.get_slot("language") != decision.language:
            events.append(SlotSet("language", decision.language))
        return events + self.reply(out, tracker)

    @abstractmethod
    def reply(self, out: Reply, tracker: Tracker) -> list[EventType]:
        """Say the answer through `out`; return the events to apply."""
