"""The REST channel, with the request checked before anything is processed.

Rasa's RestInput answers a JSON list or a non-text `message` with a 500 and a stack trace in
the log. This one answers 400 with a reason, and 413 above `max_message_chars`.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request

# Longer than any real question, far shorter than what would slow NLU down (docs/production.md).
DEFAULT_MAX_MESSAGE_CHARS = 5000


class MilaRestInput(RestInput):
    """POST /webhooks/rest/webhook with {"sender": str, "message": str, "metadata": {}}."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MilaRestInput:
        limit = (credentials or {}).get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS
        return cls(max_message_chars=int(limit))

    def __init__(self, max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> None:
        self.max_message_chars = max_message_chars

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        body = request.json
        if not isinstance(body, dict):
            raise InvalidUsage("the body must be a JSON object with 'sender' and 'message'")
        return body

    async def _extract_sender(self, request: Request) -> str | None:
        sender = self._body(request).get("sender")
        if sender is not None and not isinstance(sender, str):
            raise InvalidUsage("'sender' must be a string")
        if sender is not None and not 0 < len(sender) <= 255:
            raise InvalidUsage("'sender' must be 1 to 255 characters")
        return sender

    def _extract_message(self, request: Request) -> str | None:
        message = self._body(request).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be a string")
        if len(message) > self.max_message_chars:
            raise PayloadTooLarge(f"'message' is longer than {self.max_message_chars} characters")
        return message

    def _extract_input_channel(self, request: Request) -> str:
        channel = self._body(request).get("input_channel")
        return channel if isinstance(channel, str) and channel else self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = self._body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage("'metadata' must be a JSON object")
        return metadata
