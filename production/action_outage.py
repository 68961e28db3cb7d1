"""A polite "temporarily unavailable" when the action server does not answer.

Every reply of this assistant comes from a custom action. When the action server is down, Rasa
logs the error and sends the user nothing at all (rasa/core/processor.py, `_run_action`). Rasa
3.6 has no setting for this, so `install()` wraps `RemoteAction.run`: a call that cannot reach the
action server, times out or gets an error status is answered with the `unavailable` message of
knowledge/assistant.yml, in the conversation's language (both languages when it has none yet).
The user's message stays in the conversation, and answers resume as soon as the action server
is back: every message calls it again.

`action_session_start` is the exception: when it fails, the session starts as it would have
(the language carried over) and the answering action that follows says "unavailable" once.
"""

from __future__ import annotations

import asyncio
import logging
import os
from functools import lru_cache, wraps
from typing import Any

import aiohttp
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

MESSAGE_KEY = "unavailable"
# Rasa waits 5 minutes for an action; ours answer in milliseconds, so after this long the user
# is better served by "unavailable" than by silence. ACTION_TIMEOUT_SECONDS overrides it.
DEFAULT_TIMEOUT_SECONDS = 10.0
LANGUAGES = ("fr", "en")


@lru_cache(maxsize=1)
def _texts() -> dict:
    from actions.knowledge import load_store

    return load_store().messages[MESSAGE_KEY]


def timeout_seconds() -> float:
    return float(os.environ.get("ACTION_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS)


def conversation_language(tracker: Any) -> str | None:
    """The widget's language of the latest message, else the conversation's, else None."""
    metadata = getattr(tracker.latest_message, "metadata", None) or {}
    requested = metadata.get("language") if isinstance(metadata, dict) else None
    if isinstance(requested, str) and requested.lower()[:2] in LANGUAGES:
        return requested.lower()[:2]
    current = tracker.get_slot("language")
    return current if current in LANGUAGES else None


def unavailable_text(language: str | None) -> str:
    texts = _texts()
    if language in LANGUAGES:
        return texts[language]
    return "\n\n".join(texts[lang] for lang in LANGUAGES)


def fallback_events(action_name: str, tracker: Any) -> list[Event]:
    """What the failed action `action_name` is replaced with."""
    if action_name == "action_session_start":
        from actions.session_start import CARRIED_OVER

        carried = [SlotSet(s, tracker.get_slot(s)) for s in CARRIED_OVER if tracker.get_slot(s)]
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]
    text = unavailable_text(conversation_language(tracker))
    return [BotUttered(text=text, metadata={"mila": "action_server_unavailable"})]


def install() -> None:
    """Wrap RemoteAction.run once per process (idempotent)."""
    if getattr(RemoteAction.run, "_mila_outage_reply", False):
        return
    _texts()  # a missing message stops the server at start-up, not during an outage
    original = RemoteAction.run

    @wraps(original)
    async def run(self: RemoteAction, output_channel, nlg, tracker, domain) -> list[Event]:
        try:
            return await asyncio.wait_for(
                original(self, output_channel, nlg, tracker, domain), timeout_seconds()
            )
        except ActionExecutionRejection:
            raise
        except (RasaException, aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error(
                "Action server unavailable for '%s' in conversation %s (%s: %s); the user is "
                "told it is temporarily unavailable.",
                self.name(), tracker.sender_id, type(error).__name__, error or "timeout",
            )  # fmt: skip
            return fallback_events(self.name(), tracker)

    run._mila_outage_reply = True  # type: ignore[attr-defined]
    RemoteAction.run = run  # type: ignore[method-assign]
