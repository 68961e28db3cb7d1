"""Deepen the last answer ("tell me more"), or the topic of a thing named in the request."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import ANSWERING_ACTIONS, MilaAction, Reply, last_action, mentioned_thing


class ActionTellMore(MilaAction):
    def name(self) -> str:
        return "action_tell_more"

    def reply(self, out: Reply, tracker: Tracker) -> list[EventType]:
        thing = mentioned_thing(tracker)
        if thing is not None:
            topic = self.store.topic(thing.topic)
            out.answer(topic, topic.more[out.lang])
            return [SlotSet("topic", topic.id)]
        topic = self.store.topic(tracker.get_slot("topic") or "")
        if topic is None:
            out.say("tell_more_no_topic", topics=out.menu())
            return []
        if last_action(tracker, ANSWERING_ACTIONS) == self.name():
            out.say("no_more", topics=topic.related)
            return []
        out.answer(topic, topic.more[out.lang])
        return []
