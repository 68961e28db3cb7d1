"""Answer a question about a topic, named by the intent or by a named thing."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import (
    MilaAction,
    Reply,
    mentioned_thing,
    mentioned_things,
    proper_names,
    words_besides_things,
)
from actions.details import asked_details
from actions.settings import get_settings
from actions.subject import other_organisation, other_subject


class ActionAnswerQuestion(MilaAction):
    def name(self) -> str:
        return "action_answer_question"

    def reply(self, out: Reply, tracker: Tracker) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = self.store.topic_for_intent(intent)
        if topic is None:
            thing = mentioned_thing(tracker)
            topic = self.store.topic(thing.topic) if thing else None
            if topic is not None and words_besides_things(tracker) > get_settings().thing_words:
                # A long question that names a thing ("in what year did Bengio get his
                # doctorate?") may ask a detail its topic does not hold: ask, never guess.
                out.did_you_mean([topic.id])
                return []
        elif topic.broad:
            thing = mentioned_thing(tracker)
            if thing is not None:
                topic = self.store.topic(thing.topic)
        if topic is None:
            out.say("thing_unknown", topics=out.menu())
            return []
        text = tracker.latest_message.get("text") or ""
        settings = get_settings()
        if other_subject(text, proper_names(), settings.own_words) or other_organisation(
            text, mentioned_things(tracker), topic.id, settings.separate_organisations
        ):
            # "Who founded Amii?", "How many students are enrolled at McGill?": the founding or
            # students question, about someone else (actions/subject.py).
            out.say("out_of_scope", topics=out.menu(settings.suggestions))
            return [SlotSet("topic", None)]
        if asked_details(self.store, text) - set(topic.details):
            # About this topic, but asking a detail its answer does not hold: say so, and offer
            # the topic rather than guess.
            out.say("mila_unknown", topics=[topic.id, *topic.related[:2]])
            return []
        out.answer(topic, topic.answer[out.lang])
        return [SlotSet("topic", topic.id)]
