"""Switch the conversation's language on request ("in English please", "en français svp")."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType

from actions import language
from actions.base import MilaAction, Reply, last_user_metadata
from actions.knowledge import normalise


class ActionSwitchLanguage(MilaAction):
    def name(self) -> str:
        return "action_switch_language"

    def decide_language(self, tracker: Tracker) -> language.LanguageDecision:
        """The language asked for, named in either language; else the message's own."""
        metadata = last_user_metadata(tracker).get("language")
        if isinstance(metadata, str) and metadata[:2].lower() in language.SUPPORTED:
            return language.LanguageDecision(metadata[:2].lower())
        words = set(normalise(tracker.latest_message.get("text") or "").split())
        for lang, names in self.store.language_names.items():
            if words & {normalise(name) for name in names}:
                return language.LanguageDecision(lang)
        return super().decide_language(tracker)

    def reply(self, out: Reply, tracker: Tracker) -> list[EventType]:
        out.say("language_switched")
        return []
