"""A stand-in for Telegram on 127.0.0.1: the Bot API the bot calls, and the updates it receives.

Bot API side (what aiogram talks to): POST /bot<token>/<method> with JSON, form-encoded or
multipart arguments, answered like Telegram: {"ok": true, "result": ...}, or an HTTP error with
{"ok": false, "error_code": ..., "description": "..."}. sendMessage checks what Telegram checks
(text, inline keyboard, callback_data of 1-64 bytes) and records the call. Platform side: the
Update objects Telegram POSTs to the webhook, with the secret token header setWebhook registered.

    with TelegramFake(token="123456:TEST") as telegram:
        env = {"TELEGRAM_API_URL": telegram.url, ...}
"""

from __future__ import annotations

import itertools
import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

from aiohttp import web

from tests.fakes.server import BackgroundServer

BOT_USERNAME = "mila_test_bot"
MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64
SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class BadRequest(Exception):
    """A Bot API error: HTTP 400 and its description."""


def _keyboard_error(markup: Any) -> str | None:
    if markup is None:
        return None
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            return "Bad Request: can't parse reply keyboard markup JSON object"
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if rows is None:
        return None  # another kind of keyboard: not checked here
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return 'Bad Request: field "inline_keyboard" must be an Array of Arrays'
    for button in (button for row in rows for button in row):
        if not button.get("text"):
            return "Bad Request: text buttons are unallowed in the inline keyboard"
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            return "Bad Request: BUTTON_DATA_INVALID"
    return None


class TelegramFake(BackgroundServer):
    """The Telegram Bot API (getMe, setWebhook, sendMessage, answerCallbackQuery)."""

    def __init__(self, token: str = "123456789:TEST-mila-token") -> None:
        super().__init__()
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self._message_ids = itertools.count(1)

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._api)
        return app

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Every accepted sendMessage (arguments and result), in order, to one chat if given."""
        return self.calls_where(
            lambda c: (
                c["method"] == "sendMessage"
                and c["ok"]
                and chat_id in (None, c["args"].get("chat_id"))
            )
        )

    def wait_for_sent(
        self, chat_id: int, count: int = 1, timeout: float = 30
    ) -> list[dict[str, Any]]:
        return self.wait_for(
            lambda c: (
                c["method"] == "sendMessage" and c["ok"] and c["args"].get("chat_id") == chat_id
            ),
            count,
            timeout,
        )

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        if request.content_type == "application/json":
            args = await request.json()
        else:
            args = dict(await request.post())
        handler = {
            "getme": self._get_me,
            "setwebhook": self._set_webhook,
            "sendmessage": self._send_message,
            "answercallbackquery": self._answer_callback_query,
        }.get(method.lower())  # Bot API method names are case-insensitive
        if handler is None:
            self.record({"method": method, "args": args, "ok": False})
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        try:
            result = handler(args)
        except BadRequest as error:
            self.record({"method": method, "args": args, "ok": False, "error": str(error)})
            return web.json_response(
                {"ok": False, "error_code": 400, "description": str(error)}, status=400
            )
        self.record({"method": method, "args": args, "ok": True, "result": result})
        return web.json_response({"ok": True, "result": result})

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Mila", "username": BOT_USERNAME}

    def _get_me(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _set_webhook(self, args: dict[str, Any]) -> bool:
        if "url" not in args:
            raise BadRequest("Bad Request: bad webhook: url is empty")
        secret = args.get("secret_token")
        if secret is not None and not SECRET_FORMAT.match(secret):
            raise BadRequest("Bad Request: secret token contains unallowed characters")
        allowed = args.get("allowed_updates")
        if isinstance(allowed, str):
            try:
                args["allowed_updates"] = json.loads(allowed)
            except ValueError as error:
                raise BadRequest("Bad Request: can't parse allowed updates") from error
        return True

    def _send_message(self, args: dict[str, Any]) -> dict[str, Any]:
        chat_id = args.get("chat_id")
        if chat_id in (None, ""):
            raise BadRequest("Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            args["chat_id"] = chat_id = int(chat_id)
        text = args.get("text") or ""
        if not text.strip():
            raise BadRequest("Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise BadRequest("Bad Request: message is too long")
        error = _keyboard_error(args.get("reply_markup"))
        if error:
            raise BadRequest(error)
        if isinstance(args.get("reply_markup"), str):
            args["reply_markup"] = json.loads(args["reply_markup"])
        message = {
            "message_id": next(self._message_ids),
            "from": self._bot_user(),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "date": int(time.time()),
            "text": text,
        }
        if args.get("reply_markup"):
            message["reply_markup"] = args["reply_markup"]
        return message

    def _answer_callback_query(self, args: dict[str, Any]) -> bool:
        if not args.get("callback_query_id"):
            raise BadRequest(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        return True


# The platform side: what Telegram POSTs to the webhook.

_update_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)


def _user(user_id: int, language_code: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": "Test",
        "username": f"user{user_id}",
        "language_code": language_code,
    }


def message_update(chat_id: int, text: str, language_code: str = "en") -> dict[str, Any]:
    """An Update with a private text message from user `chat_id`."""
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids) % 100_000,
            "from": _user(chat_id, language_code),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "date": int(time.time()),
            "text": text,
        },
    }


def callback_update(
    sent: dict[str, Any], callback_data: str, language_code: str = "en"
) -> dict[str, Any]:
    """The Update sent when the user clicks the inline button `callback_data` of message `sent`."""
    chat_id = sent["chat"]["id"]
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": _user(chat_id, language_code),
            "message": sent,
            "chat_instance": "-4242",
            "data": callback_data,
        },
    }


def deliver(
    url: str, update: dict[str, Any], secret: str | None, timeout: float = 30
) -> tuple[int, str]:
    """POST an Update to the webhook as Telegram does; (status, body)."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
