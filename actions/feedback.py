"""Record a "was this helpful?" vote on an answer, and thank the visitor briefly.

The vote arrives from the buttons under every answer (`Reply.answer`), as
`/feedback{"helpful": "yes", "topic": "founding"}`, or typed ("that was not helpful"), in which
case the `helpful` lookup of data/nlu/*/feedback.yml finds it and the topic is the
conversation's. It is stored as one `feedback` slot event, which `make report` counts per topic.
The next question is answered as usual: a vote, or no vote, changes nothing else.
"""

from __future__ import annotations

from typing import List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import VOTES, MilaAction, Reply
from actions.knowledge import KnowledgeError

MESSAGES = ("feedback_yes_button", "feedback_no_button", "feedback_thanks")


def _entity(tracker: Tracker, kind: str) -> Optional[str]:
    """The value of the longest `kind` entity of the latest message ('not helpful' > 'helpful')."""
    found = [
        ((e.get("end") or 0) - (e.get("start") or 0), str(e.get("value")))
        for e in tracker.latest_message.get("entities") or []
        if e.get("entity") == kind and e.get("value") is not None
    ]
    return max(found)[1] if found else None


class ActionFeedback(MilaAction):
    def __init__(self) -> None:
        super().__init__()
        for key in MESSAGES:
            if key not in self.store.messages:
                raise KnowledgeError(
                    "knowledge/assistant.yml", f"messages.{key}", "missing message"
                )

    def name(self) -> Text:
        return "action_feedback"

    def reply(self, out: Reply, tracker: Tracker) -> List[EventType]:
        out.say("feedback_thanks")
        helpful = (_entity(tracker, "helpful") or "").lower()
        if helpful not in VOTES:
            return []
        topic = self.store.topic(_entity(tracker, "topic") or "")
        if topic is None:
            topic = self.store.topic(tracker.get_slot("topic") or "")
        return [SlotSet("feedback", {"helpful": helpful, "topic": topic.id if topic else None})]
