"""A stand-in for Slack on 127.0.0.1: the Web API the bot calls, and the events Slack sends it.

Web API side (what slack_sdk talks to): POST /api/<method> with a Bearer token, answered like
Slack does, HTTP 200 with {"ok": true, ...} or {"ok": false, "error": "..."}. chat.postMessage
checks what Slack checks before posting (channel, text or blocks, Block Kit limits) and records
the call. Platform side: the events and interaction payloads Slack delivers to the app's request
URL, signed with the signing secret as Slack signs them (v0 HMAC-SHA256 of the timestamp and body).

    with SlackFake(token="xoxb-test") as slack:
        env = {"SLACK_API_URL": slack.api_url, ...}
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from aiohttp import web

from tests.fakes.server import BackgroundServer

BOT_USER_ID = "U0MILABOT"
BOT_ID = "B0MILABOT"
TEAM_ID = "T0MILA"
API_APP_ID = "A0MILA"

# Block Kit limits Slack enforces (answers invalid_blocks beyond them).
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_MESSAGE_TEXT = 40000


def _block_errors(blocks: Any) -> list[str]:
    if not isinstance(blocks, list) or not 0 < len(blocks) <= MAX_BLOCKS:
        return ["blocks must be a list of 1 to 50 blocks"]
    errors = []
    for index, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "section":
            text = block.get("text") or {}
            if text.get("type") not in ("plain_text", "mrkdwn"):
                errors.append(f"blocks[{index}].text: plain_text or mrkdwn expected")
            elif not 0 < len(text.get("text", "")) <= MAX_SECTION_TEXT:
                errors.append(f"blocks[{index}].text: 1 to {MAX_SECTION_TEXT} characters")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= MAX_ACTIONS_ELEMENTS:
                errors.append(f"blocks[{index}].elements: 1 to {MAX_ACTIONS_ELEMENTS} elements")
            action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
            if len(action_ids) != len(set(action_ids)):
                errors.append(f"blocks[{index}]: action_id values must be unique")
            for element in elements:
                if element.get("type") != "button":
                    continue
                label = element.get("text") or {}
                if (
                    label.get("type") != "plain_text"
                    or not 0 < len(label.get("text", "")) <= MAX_BUTTON_TEXT
                ):
                    errors.append(f"blocks[{index}]: button text must be plain_text, 1-75 chars")
                if len(element.get("value", "")) > MAX_BUTTON_VALUE:
                    errors.append(f"blocks[{index}]: button value longer than 2000 chars")
        elif kind not in ("divider", "context", "header", "image", "input", "rich_text"):
            errors.append(f"blocks[{index}]: unknown block type {kind!r}")
    return errors


class SlackFake(BackgroundServer):
    """The Slack Web API (chat.postMessage, auth.test) on a free loopback port."""

    def __init__(self, token: str = "xoxb-0000-test-token") -> None:
        super().__init__()
        self.token = token
        self._ts = itertools.count(1)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        return app

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Arguments of every accepted chat.postMessage, in order (to one channel if given)."""
        return [
            call["args"]
            for call in self.calls_where(lambda c: c["method"] == "chat.postMessage" and c["ok"])
            if channel is None or call["args"].get("channel") == channel
        ]

    def wait_for_posts(
        self, channel: str, count: int = 1, timeout: float = 30
    ) -> list[dict[str, Any]]:
        calls = self.wait_for(
            lambda c: (
                c["method"] == "chat.postMessage"
                and c["ok"]
                and c["args"].get("channel") == channel
            ),
            count,
            timeout,
        )
        return [call["args"] for call in calls]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            args = await request.json()
        else:
            args = dict(await request.post())
        header = request.headers.get("Authorization", "")
        token = (
            header.removeprefix("Bearer ").strip()
            if header.startswith("Bearer ")
            else args.get("token")
        )
        if not token:
            result: dict[str, Any] = {"ok": False, "error": "not_authed"}
        elif token != self.token:
            result = {"ok": False, "error": "invalid_auth"}
        elif method == "chat.postMessage":
            result = self._post_message(args)
        elif method == "auth.test":
            result = {
                "ok": True,
                "url": "https://mila-test.slack.com/",
                "team": "Mila test",
                "user": "mila",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        else:
            self.record({"method": method, "args": args, "ok": False})
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        self.record({"method": method, "args": args, "ok": result["ok"], "result": result})
        return web.json_response(result)

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        text, blocks = args.get("text"), args.get("blocks")
        if isinstance(blocks, str):  # form-encoded calls send blocks as a JSON string
            blocks = json.loads(blocks)
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if text and len(text) > MAX_MESSAGE_TEXT:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None:
            errors = _block_errors(blocks)
            if errors:
                return {"ok": False, "error": "invalid_blocks", "errors": errors}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        message = {
            "type": "message",
            "subtype": "bot_message",
            "text": text or "",
            "ts": ts,
            "bot_id": BOT_ID,
            "user": BOT_USER_ID,
            "team": TEAM_ID,
        }
        if blocks:
            message["blocks"] = blocks
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        return {"ok": True, "channel": channel, "ts": ts, "message": message}


# The platform side: what Slack sends to the app's request URL.

_event_ids = itertools.count(1)


def new_ts() -> str:
    """A Slack message timestamp ("seconds.micro"), unique in this process."""
    return f"{int(time.time())}.{next(_event_ids):06d}"


def message_event(
    text: str,
    channel: str,
    user: str,
    channel_type: str = "im",
    ts: str | None = None,
    thread_ts: str | None = None,
    event_type: str = "message",
    **event_fields: Any,
) -> dict[str, Any]:
    """An Events API `event_callback` envelope around a message (or app_mention) event."""
    event = {
        "type": event_type,
        "user": user,
        "text": text,
        "ts": ts or new_ts(),
        "channel": channel,
        "channel_type": channel_type,
        "team": TEAM_ID,
        "client_msg_id": f"msg-{next(_event_ids)}",
    }
    event["event_ts"] = event["ts"]
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(event_fields)
    return {
        "token": "deprecated-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "is_ext_shared_channel": False,
    }


def block_actions_payload(
    posted: dict[str, Any], result_message: dict[str, Any], button: dict[str, Any], user: str
) -> dict[str, Any]:
    """The interaction payload Slack sends when `user` clicks `button` of a posted message."""
    block = next(b for b in posted["blocks"] if b["type"] == "actions")
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": API_APP_ID,
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": result_message["ts"],
            "channel_id": posted["channel"],
            "is_ephemeral": False,
            "thread_ts": result_message.get("thread_ts"),
        },
        "trigger_id": f"{next(_event_ids)}.trigger",
        "team": {"id": TEAM_ID, "domain": "mila-test"},
        "channel": {"id": posted["channel"], "name": "directmessage"},
        "message": result_message,
        "response_url": "https://hooks.slack.com/actions/T0MILA/1/x",
        "actions": [
            {
                "action_id": button.get("action_id", "button"),
                "block_id": block.get("block_id", "b"),
                "text": button["text"],
                "value": button["value"],
                "type": "button",
                "action_ts": new_ts(),
            }
        ],
    }


def signature_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """X-Slack-Request-Timestamp and X-Slack-Signature, computed as Slack does."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def encode_event(envelope: dict[str, Any]) -> tuple[bytes, str]:
    return json.dumps(envelope).encode(), "application/json"


def encode_interaction(payload: dict[str, Any]) -> tuple[bytes, str]:
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return body, "application/x-www-form-urlencoded"


def deliver(
    url: str, body: bytes, content_type: str, headers: dict[str, str], timeout: float = 10
) -> tuple[int, str, dict[str, str]]:
    """POST to the app's request URL as Slack does; (status, body, response headers)."""
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": content_type, "User-Agent": "Slackbot 1.0", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)
