"""Slack (Events API and interactivity): Rasa's SlackInput, made safe to run and to test.

Differences from rasa.core.channels.slack in Rasa 3.6.21, each for a reason:
- The Web API base URL is configurable (SLACK_API_URL); Rasa always uses slack_sdk's
  https://slack.com/api/, so nothing but the real Slack could be tested.
- The bot token and signing secret come from the environment (SLACK_BOT_TOKEN,
  SLACK_SIGNING_SECRET). Without them the channel starts disabled: one log line, and its webhook
  answers 503, instead of stopping the whole server as Rasa does.
- A bad or stale signature is answered 401 (Rasa: 400) before the body is even parsed.
- Redeliveries are answered once. Rasa drops a retry only when its X-Slack-Retry-Reason is in
  `errors_ignore_retry` (http_timeout by default) and answers every other retry (http_error,
  connection_failed...) a second time. Here an event is handled once per event_id, and once per
  message (channel, ts), which also covers an app subscribed to both `app_mention` and
  `message.channels` receiving the same mention twice.
- Messages with a subtype (someone joined, an edit, a bot) are not questions and get no answer.
- Replies go to the question's thread (use_threads is on by default) and are posted without
  `as_user`, which only classic Slack apps may send; text is escaped as Slack mrkdwn requires.
- The URL verification challenge is answered as {"challenge": ...}, one of the forms Slack
  documents (Rasa sends a bare JSON string).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from channels.dedupe import RecentIds

logger = logging.getLogger(__name__)

TOKEN_ENV = "SLACK_BOT_TOKEN"
SIGNING_SECRET_ENV = "SLACK_SIGNING_SECRET"
API_URL_ENV = "SLACK_API_URL"
CHANNEL_ENV = "SLACK_CHANNEL"
DEFAULT_API_URL = "https://slack.com/api/"

# Subtypes that still carry a person's question; every other one (channel_join,
# message_changed, bot_message...) is an event about a message, not a message to answer.
ANSWERED_SUBTYPES = {None, "thread_broadcast", "file_share"}


def _media_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


def escape_mrkdwn(text: str) -> str:
    """Slack reads &, < and > in message text as markup; they must be sent as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MilaSlackBot(SlackBot):
    """Posts replies with chat.postMessage on the configured API, in the question's thread."""

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        api_url: str = DEFAULT_API_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        # `as_user` is refused for the bot tokens of current Slack apps; `type` is not a
        # chat.postMessage argument. Rasa's senders pass both.
        kwargs.pop("as_user", None)
        kwargs.pop("type", None)
        if self.thread_id:
            kwargs["thread_ts"] = self.thread_id
        await self.client.chat_postMessage(channel=channel, **kwargs)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        recipient = self.slack_channel or recipient_id
        for part in text.strip().split("\n\n"):
            await self._post_message(channel=recipient, text=escape_mrkdwn(part))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """The text as a section, the buttons in an actions block, values = payloads."""
        recipient = self.slack_channel or recipient_id
        elements = [
            {
                "type": "button",
                "action_id": f"suggestion_{index}",
                "text": {"type": "plain_text", "text": button["title"], "emoji": True},
                "value": button["payload"],
            }
            for index, button in enumerate(buttons)
        ]
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "plain_text", "text": text, "emoji": True}}
        ]
        if elements:
            blocks.append({"type": "actions", "block_id": "suggestions", "elements": elements})
        await self._post_message(channel=recipient, text=escape_mrkdwn(text), blocks=blocks)


class MilaSlackInput(SlackInput):
    """POST /webhooks/slack/webhook: events (JSON) and button clicks (form-encoded payload)."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MilaSlackInput:
        """Secrets from the environment; the non-secret settings from credentials YAML."""
        settings = credentials or {}
        token = os.environ.get(TOKEN_ENV, "").strip()
        secret = os.environ.get(SIGNING_SECRET_ENV, "").strip()
        api_url = os.environ.get(API_URL_ENV, "").strip() or DEFAULT_API_URL
        missing = [
            name for name, value in ((TOKEN_ENV, token), (SIGNING_SECRET_ENV, secret)) if not value
        ]
        if missing:
            logger.warning(
                "Slack channel disabled: %s not set (docs/messaging.md). Its webhook answers 503.",
                " and ".join(missing),
            )
        else:
            logger.info("Slack channel enabled, Web API at %s.", api_url)
        return cls(
            slack_token=token,
            slack_channel=os.environ.get(CHANNEL_ENV) or settings.get("slack_channel"),
            proxy=settings.get("proxy"),
            use_threads=bool(settings.get("use_threads", True)),
            slack_signing_secret=secret,
            conversation_granularity=settings.get("conversation_granularity", "sender"),
            api_url=api_url,
            enabled=not missing,
        )

    def __init__(
        self,
        slack_token: str,
        slack_channel: str | None = None,
        proxy: str | None = None,
        use_threads: bool = True,
        slack_signing_secret: str = "",
        conversation_granularity: str | None = "sender",
        api_url: str = DEFAULT_API_URL,
        enabled: bool = True,
    ) -> None:
        self.enabled = enabled
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self._recent = RecentIds()
        super().__init__(
            slack_token,
            slack_channel=slack_channel,
            proxy=proxy,
            use_threads=use_threads,
            slack_signing_secret=slack_signing_secret,
            conversation_granularity=conversation_granularity,
        )

    def _validate_credentials(self) -> None:
        # Rasa raises without a signing secret; a disabled channel has none and must not stop
        # the server. An enabled one always has it (from_credentials checks).
        if self.enabled:
            super()._validate_credentials()

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> MilaSlackBot:
        channel = channel or self.slack_channel
        return MilaSlackBot(self.slack_token, channel, thread_id, self.proxy, self.api_url)

    def get_metadata(self, request: Request) -> dict[str, Any]:
        """Where to answer (channel, thread) and the bot's own user ids, from either body."""
        if _media_type(request) == "application/json":
            return self._event_metadata(request.json or {})
        if _media_type(request) == "application/x-www-form-urlencoded":
            return self._interaction_metadata(json.loads(request.form.get("payload", "{}")))
        return {}

    @staticmethod
    def _event_metadata(envelope: dict[str, Any]) -> dict[str, Any]:
        event = envelope.get("event") or {}
        users = list(envelope.get("authed_users") or [])
        if not users:
            users = [
                a.get("user_id") for a in envelope.get("authorizations") or [] if a.get("user_id")
            ]
        return {
            "out_channel": event.get("channel"),
            "thread_id": event.get("thread_ts") or event.get("ts"),
            "users": users,
        }

    @staticmethod
    def _interaction_metadata(payload: dict[str, Any]) -> dict[str, Any]:
        message = payload.get("message") or {}
        container = payload.get("container") or {}
        user_id = (payload.get("user") or {}).get("id")
        return {
            "out_channel": (payload.get("channel") or {}).get("id") or container.get("channel_id"),
            "thread_id": message.get("thread_ts")
            or container.get("thread_ts")
            or message.get("ts"),
            "users": [user_id] if user_id else [],
        }

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = Blueprint("slack_webhook", __name__)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "disabled"})

        @slack_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text(
                    f"The Slack channel is disabled: set {TOKEN_ENV} and {SIGNING_SECRET_ENV}.",
                    status=HTTPStatus.SERVICE_UNAVAILABLE,
                )
            # Before anything reads the body: the signature covers the raw bytes.
            if not self.is_request_from_slack_authentic(request):
                logger.warning("Slack request rejected: bad or stale signature.")
                return response.text(
                    "Invalid or stale X-Slack-Signature.", status=HTTPStatus.UNAUTHORIZED
                )
            media_type = _media_type(request)
            if media_type == "application/json":
                return await self._handle_event(request, on_new_message)
            if media_type == "application/x-www-form-urlencoded":
                return await self._handle_interaction(request, on_new_message)
            return response.text(
                "Expected a JSON event or a form-encoded payload.",
                status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            )

        return slack_webhook

    async def _handle_event(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        try:
            envelope = json.loads(request.body)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            return response.text("The body must be a JSON object.", status=HTTPStatus.BAD_REQUEST)
        if envelope.get("type") == "url_verification":
            return response.json({"challenge": envelope.get("challenge")})

        event = envelope.get("event") or {}
        metadata = self._event_metadata(envelope)
        if not self._is_user_message(envelope) or event.get("subtype") not in ANSWERED_SUBTYPES:
            return response.text("Not a user message: ignored.")
        if not self._is_supported_channel(envelope, metadata):
            logger.debug(
                "Slack message in channel %s ignored (no mention).", metadata["out_channel"]
            )
            return response.text("Channel not supported.")

        message_key = f"message:{metadata['out_channel']}:{event.get('ts')}"
        if not self._recent.first_time(envelope.get("event_id"), message_key):
            logger.info(
                "Slack redelivery of %s ignored (retry %s, reason %s): already handled.",
                envelope.get("event_id"),
                request.headers.get("X-Slack-Retry-Num", "-"),
                request.headers.get("X-Slack-Retry-Reason", "-"),
            )
            return response.text("Already handled.", headers={"X-Slack-No-Retry": "1"})

        text = self._sanitize_user_message(event.get("text", ""), metadata["users"])
        if not text:
            return response.text("Empty message: ignored.")
        sender = self._get_conversation_id(
            event.get("user"), metadata["out_channel"], metadata["thread_id"]
        )
        self._dispatch(on_new_message, text, sender, metadata)
        return response.text("")

    async def _handle_interaction(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        try:
            payload = json.loads(request.form.get("payload", ""))
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return response.text("Missing or invalid payload.", status=HTTPStatus.BAD_REQUEST)
        # Slack shows an error next to the button unless every interaction gets a 200.
        if not self._is_interactive_message(payload):
            return response.text("")
        value = self._get_interactive_response(payload["actions"][0])
        sender_id = (payload.get("user") or {}).get("id")
        if not value or not sender_id:
            return response.text("")  # a link button, or nothing to answer
        metadata = self._interaction_metadata(payload)
        sender = self._get_conversation_id(
            sender_id, metadata["out_channel"], metadata["thread_id"]
        )
        self._dispatch(on_new_message, value, sender, metadata)
        return response.text("")

    def _dispatch(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender: str | None,
        metadata: dict[str, Any],
    ) -> None:
        """Answer in the background: Slack wants its 200 within 3 seconds."""
        thread_id = metadata.get("thread_id") if self.use_threads else None
        message = UserMessage(
            text,
            self.get_output_channel(metadata.get("out_channel"), thread_id),
            sender,
            input_channel=self.name(),
            metadata=metadata,
        )
        task = asyncio.create_task(on_new_message(message))
        self._background_tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._background_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("Slack message not answered.", exc_info=task.exception())
