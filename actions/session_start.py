"""Start a new session, keeping the conversation's language (and nothing else)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

CARRIED_OVER = ("language",)


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        for slot in CARRIED_OVER:
            value = tracker.get_slot(slot)
            if value is not None:
                events.append(SlotSet(slot, value))
        events.append(ActionExecuted("action_listen"))
        return events
