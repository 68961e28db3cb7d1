"""Honest answers when there is no answer: off-topic, unknown about Mila, "something else"."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import MilaAction, Reply
from actions.settings import get_settings

# intent -> message key; anything else gets the general fallback.
MESSAGES = {"out_of_scope": "out_of_scope", "mila_unknown": "mila_unknown"}


class ActionDecline(MilaAction):
    def name(self) -> str:
        return "action_decline"

    def reply(self, out: Reply, tracker: Tracker) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        key = MESSAGES.get(intent, "fallback")
        limit = get_settings().suggestions if key in MESSAGES else None
        out.say(key, topics=out.menu(limit))
        # An off-topic turn ends the current topic: "tell me more" must not pick it up again.
        return [SlotSet("topic", None)]
