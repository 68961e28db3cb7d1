"""Telegram (Bot API webhook): Rasa's TelegramInput, made safe to run and to test.

Differences from rasa.core.channels.telegram in Rasa 3.6.21, each for a reason:
- The Bot API base URL is configurable (TELEGRAM_API_URL); aiogram 2.15 defaults to
  https://api.telegram.org and Rasa gives no way to change it.
- Secrets come from the environment: TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN. Without them
  the channel starts disabled (one log line, webhook answers 503) instead of failing the server.
- Every update must carry the secret in X-Telegram-Bot-Api-Secret-Token (401 otherwise). Rasa
  checks nothing the sender controls: it calls getMe on every update and compares usernames.
- setWebhook (with the secret and the update types we answer) is called once the server runs,
  when TELEGRAM_WEBHOOK_URL is set. Rasa calls it from `asyncio.run` before the server's event
  loop exists, and exposes an unauthenticated /set_webhook route, dropped here.
- An update_id seen before is acknowledged and ignored: Telegram redelivers an update until it
  gets a 2xx, and Rasa would answer each delivery.
- A button click is acknowledged with answerCallbackQuery (otherwise the button spins for a
  while) and answered like the typed question. Buttons are stacked one per row, as the
  suggestions are whole questions; short ones (👍 / 👎) share a row.
- /start and /help, the commands of Telegram's menu, greet and list the topics; /start answers
  in the language of the user's Telegram app.
- An error while answering is logged and acknowledged with 200; Rasa's debug mode answers 500,
  which makes Telegram redeliver the same update again and again.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.dedupe import RecentIds

logger = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
SECRET_ENV = "TELEGRAM_SECRET_TOKEN"
WEBHOOK_URL_ENV = "TELEGRAM_WEBHOOK_URL"
API_URL_ENV = "TELEGRAM_API_URL"
DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What Telegram accepts as secret_token in setWebhook.
SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
ANSWERED_UPDATES = ["message", "edited_message", "callback_query"]
# Bot commands users get from Telegram's menu, mapped to the intents that answer them.
COMMANDS = {"/start": "/greet", "/help": "/what_can_i_ask"}
SUPPORTED_LANGUAGES = ("fr", "en")
# Two buttons this long fit side by side on a phone; longer ones (the suggested questions) do not.
SHORT_BUTTON_CHARS = 18


class MilaTelegramOutput(TelegramOutput):
    """sendMessage on the configured Bot API server; buttons as an inline keyboard."""

    def __init__(self, access_token: str, api_url: str = DEFAULT_API_URL) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url))

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: str | None = "vertical",
        **kwargs: Any,
    ) -> None:
        if button_type not in ("vertical", "inline"):
            return await super().send_text_with_buttons(
                recipient_id, text, buttons, button_type, **kwargs
            )
        keyboard = InlineKeyboardMarkup()
        if button_type == "inline":
            rows = [buttons]
        else:
            rows = keyboard_rows(buttons)
        for row in rows:
            keyboard.row(
                *(InlineKeyboardButton(b["title"], callback_data=b["payload"]) for b in row)
            )
        await self.send_message(recipient_id, text, reply_markup=keyboard)


def keyboard_rows(buttons: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One row per question; consecutive short buttons (👍 / 👎) share a row."""
    rows: list[list[dict[str, Any]]] = []
    for button in buttons:
        short = len(button["title"]) <= SHORT_BUTTON_CHARS
        previous = rows[-1] if rows else []
        if short and previous and len(previous[-1]["title"]) <= SHORT_BUTTON_CHARS:
            previous.append(button)
        else:
            rows.append([button])
    return rows


class MilaTelegramInput(TelegramInput):
    """POST /webhooks/telegram/webhook: updates from Telegram, answered with sendMessage."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MilaTelegramInput:
        """Everything from the environment; nothing secret in the credentials YAML."""
        token = os.environ.get(TOKEN_ENV, "").strip()
        secret = os.environ.get(SECRET_ENV, "").strip()
        api_url = os.environ.get(API_URL_ENV, "").strip() or DEFAULT_API_URL
        webhook_url = os.environ.get(WEBHOOK_URL_ENV, "").strip() or None
        problems = [
            f"{name} not set"
            for name, value in ((TOKEN_ENV, token), (SECRET_ENV, secret))
            if not value
        ]
        if secret and not SECRET_FORMAT.match(secret):
            problems.append(f"{SECRET_ENV} must be 1-256 characters among A-Z a-z 0-9 _ -")
        if token and not re.match(r"^\d+:\S+$", token):
            problems.append(f"{TOKEN_ENV} does not look like a BotFather token (digits:letters)")
        if problems:
            logger.warning(
                "Telegram channel disabled: %s (docs/messaging.md). Its webhook answers 503.",
                "; ".join(problems),
            )
        else:
            logger.info("Telegram channel enabled, Bot API at %s.", api_url)
        return cls(token, secret, webhook_url, api_url=api_url, enabled=not problems)

    def __init__(
        self,
        access_token: str | None,
        secret_token: str | None,
        webhook_url: str | None,
        api_url: str = DEFAULT_API_URL,
        enabled: bool = True,
    ) -> None:
        super().__init__(access_token, verify=None, webhook_url=webhook_url, debug_mode=False)
        self.secret_token = secret_token or ""
        self.api_url = api_url
        self.enabled = enabled
        self.bot_username: str | None = None
        self._recent = RecentIds()

    def get_output_channel(self) -> MilaTelegramOutput:
        """The output channel, without Rasa's network call (setWebhook runs at startup)."""
        return MilaTelegramOutput(self.access_token, self.api_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel() if self.enabled else None

        @telegram_webhook.listener("after_server_start")
        async def connect(_app: Any, _loop: Any) -> None:
            if out_channel is not None:
                await self._connect(out_channel)

        @telegram_webhook.listener("before_server_stop")
        async def disconnect(_app: Any, _loop: Any) -> None:
            if out_channel is not None:
                await out_channel.session.close()  # Bot.close() is deprecated in aiogram 2

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "disabled"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if out_channel is None:
                return response.text(
                    f"The Telegram channel is disabled: set {TOKEN_ENV} and {SECRET_ENV}.",
                    status=HTTPStatus.SERVICE_UNAVAILABLE,
                )
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                logger.warning("Telegram update rejected: missing or wrong %s.", SECRET_HEADER)
                return response.text(
                    f"Missing or wrong {SECRET_HEADER}.", status=HTTPStatus.UNAUTHORIZED
                )
            try:
                update = json.loads(request.body)
            except ValueError:
                update = None
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                return response.text(
                    "Expected a JSON Update with an update_id.", status=HTTPStatus.BAD_REQUEST
                )
            if not self._recent.first_time(update["update_id"]):
                logger.info("Telegram redelivery of update %s ignored.", update["update_id"])
                return response.text("Already handled.")
            await self._handle_update(update, out_channel, on_new_message)
            return response.text("success")

        return telegram_webhook

    async def _connect(self, out_channel: MilaTelegramOutput) -> None:
        """Check the token (getMe) and register the webhook; log, never stop the server."""
        try:
            me = await out_channel.get_me()
            self.bot_username = me.username
            logger.info("Telegram bot @%s connected.", me.username)
            if self.webhook_url:
                await out_channel.request(
                    "setWebhook",
                    {
                        "url": self.webhook_url,
                        "secret_token": self.secret_token,
                        "allowed_updates": json.dumps(ANSWERED_UPDATES),
                    },
                )
                logger.info("Telegram webhook set to %s.", self.webhook_url)
        except TelegramAPIError as error:
            logger.error("Telegram: could not check the token or set the webhook: %s", error)

    def _text_of(self, message: dict[str, Any]) -> tuple[str | None, bool]:
        """The text to answer, and whether it came from a menu command (/start, /help)."""
        text = message.get("text")
        if not isinstance(text, str):
            return None, False
        command = text.strip().split(" ", 1)[0].split("@", 1)[0]  # /start@mila_bot in groups
        if command in COMMANDS:  # "/start <deep-link parameter>" greets too
            return COMMANDS[command], True
        if self.bot_username:
            text = re.sub(rf"@{re.escape(self.bot_username)}\b", " ", text, flags=re.IGNORECASE)
        return text.strip() or None, False

    async def _handle_update(
        self,
        update: dict[str, Any],
        out_channel: MilaTelegramOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        callback = update.get("callback_query")
        metadata: dict[str, Any] = {"update_id": update["update_id"]}
        if isinstance(callback, dict):
            try:
                await out_channel.answer_callback_query(callback.get("id"))
            except TelegramAPIError as error:
                logger.warning("Telegram: answerCallbackQuery failed: %s", error)
            message = callback.get("message") or {}
            text = callback.get("data")
            user = callback.get("from") or {}
        else:
            message = update.get("message") or update.get("edited_message") or {}
            text, command = self._text_of(message)
            user = message.get("from") or {}
            if command:
                # A command has no words to detect a language from: use the app's language.
                language = str(user.get("language_code") or "")[:2].lower()
                if language in SUPPORTED_LANGUAGES:
                    metadata["language"] = language
        chat_id = (message.get("chat") or {}).get("id") or user.get("id")
        if not text or chat_id is None:
            return  # stickers, photos, joins...: nothing to answer
        try:
            await on_new_message(
                UserMessage(
                    text,
                    out_channel,
                    str(chat_id),
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
        except Exception:
            logger.exception("Telegram update %s not answered.", update["update_id"])
