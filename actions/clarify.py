"""When NLU is unsure: "did you mean A or B?", and the honest fallback on a second miss."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import SOMETHING_ELSE, MilaAction, Reply, mentioned_thing
from actions.settings import get_settings

# How far down the ranking a topic may be and still be offered; further down, it is a guess.
RANKING_DEPTH = 3


class ActionClarify(MilaAction):
    def name(self) -> str:
        return "action_clarify"

    def reply(self, out: Reply, tracker: Tracker) -> list[EventType]:
        if self._previous_turn_was_clarification(tracker):
            out.say("fallback", topics=out.menu())
            return []
        entries = [
            entry
            for entry in tracker.latest_message.get("intent_ranking") or []
            if entry.get("name") != "nlu_fallback"
        ][:RANKING_DEPTH]
        topics = [self._topic_of(entry.get("name"), tracker) for entry in entries]
        if entries and self._probably_unknown(entries[0]):
            return self._unknown(out, tracker, topics[1:])
        if len(topics) >= 2 and topics[0] is not None and topics[0] == topics[1]:
            # "c'est quoi l'espace cdpq": faq_espace_cdpq and ask_about_thing(cdpq) are close,
            # but both mean the same topic: nothing to clarify.
            topic = self.store.topic(topics[0])
            out.answer(topic, topic.answer[out.lang])
            return [SlotSet("topic", topic.id)]
        candidates = list(dict.fromkeys(t for t in topics if t is not None))
        candidates = candidates[: get_settings().clarify_candidates]
        if not candidates:
            out.say("fallback", topics=out.menu())
            return []
        out.did_you_mean(candidates)
        return []

    @staticmethod
    def _probably_unknown(best: dict) -> bool:
        """The best guess is a question about Mila that the knowledge does not answer."""
        return (
            best.get("name") == "mila_unknown"
            and float(best.get("confidence") or 0.0) >= get_settings().unknown_min_confidence
        )

    def _unknown(self, out: Reply, tracker: Tracker, runners_up: list) -> list[EventType]:
        """ "I don't have that information about Mila", offering first the topic of the thing
        named, then the topics NLU ranked next, then the menu."""
        thing = mentioned_thing(tracker)
        first = [thing.topic] if thing is not None else []
        limit = get_settings().suggestions
        topics = [*first, *(t for t in runners_up if t is not None), *out.menu()]
        out.say("mila_unknown", topics=list(dict.fromkeys(topics))[:limit])
        return [SlotSet("topic", None)]

    def _topic_of(self, intent: str, tracker: Tracker):
        """The topic an intent of the ranking stands for, if any."""
        topic = self.store.topic_for_intent(intent)
        if topic is not None:
            return topic.id
        if intent == "ask_about_thing":
            thing = mentioned_thing(tracker)
            return thing.topic if thing else None
        return None

    def _previous_turn_was_clarification(self, tracker: Tracker) -> bool:
        """True when the bot's last turn, before this user message, asked "did you mean" (its
        buttons end with "something else"). This action also answers directly when the close
        intents mean one topic: a visitor asking that again has not missed twice."""
        seen_user = False
        for event in reversed(tracker.events):
            kind = event.get("event")
            if kind == "user":
                if seen_user:
                    return False
                seen_user = True
            elif kind == "bot" and seen_user:
                buttons = (event.get("data") or {}).get("buttons") or []
                if any(button.get("payload") == SOMETHING_ELSE for button in buttons):
                    return True
        return False
