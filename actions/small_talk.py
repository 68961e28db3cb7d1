"""Greetings, thanks, "are you a bot?", "what can I ask?" and "can I talk to a person?"."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType

from actions.base import MilaAction, Reply
from actions.settings import get_settings

# intent -> (message key, how many menu topics to offer: None for the whole menu, 0 for none)
REPLIES: dict[str, tuple] = {
    "greet": ("greet", 3),
    "goodbye": ("goodbye", 0),
    "thank": ("thank", 0),
    "bot_challenge": ("bot_challenge", 3),
    "what_can_i_ask": ("menu", None),
}


class ActionSmallTalk(MilaAction):
    def name(self) -> str:
        return "action_small_talk"

    def reply(self, out: Reply, tracker: Tracker) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "human_handoff":
            topics = out.menu(get_settings().suggestions)
            if self.store.contact:
                out.say("human_contact", topics=topics, contact=self.store.contact[out.lang])
            else:
                out.say("human_no_contact", topics=topics)
            return []
        key, limit = REPLIES.get(intent, ("menu", None))
        out.say(key, topics=[] if limit == 0 else out.menu(limit))
        return []
