"""Honest answers when there is no answer: off-topic, unknown about Mila, "something else"."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import MilaAction, Reply, mentioned_thing
from actions.settings import get_settings
from actions.subject import MILA

# intent -> message key; anything else gets the general fallback.
MESSAGES = {"out_of_scope": "out_of_scope", "mila_unknown": "mila_unknown"}


class ActionDecline(MilaAction):
    def name(self) -> str:
        return "action_decline"

    def reply(self, out: Reply, tracker: Tracker) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        key = MESSAGES.get(intent, "fallback")
        limit = get_settings().suggestions if key in MESSAGES else None
        topics = out.menu(limit)
        thing = mentioned_thing(tracker)
        text = tracker.latest_message.get("text") or ""
        if key == "out_of_scope" and (thing is not None or MILA.search(text)):
            # "How much is tuition at Mila?" judged off-topic is still a question about Mila:
            # "I don't have that information about Mila" is the honest answer, not "I only
            # answer questions about Mila".
            key = "mila_unknown"
        if key == "mila_unknown" and thing is not None:
            # What we do know about the thing named comes first among the suggestions.
            topic = self.store.topic(thing.topic)
            topics = list(dict.fromkeys([thing.topic, *topic.related]))[:limit]
        out.say(key, topics=topics)
        # An off-topic turn ends the current topic: "tell me more" must not pick it up again.
        return [SlotSet("topic", None)]
