"""The website widget's Socket.IO channel: Rasa's, with four fixes (docs/web.md).

Rasa 3.6.21's SocketIOInput builds its server and handlers inside `blueprint()`, so this class
rewrites that method, keeping the same events and credentials, and changes what follows:

1. `enter_room` is awaited when python-socketio makes it a coroutine (5.10 and later). Rasa calls
   it without `await` (rasa/core/channels/socketio.py:236): with `session_persistence: true` the
   socket then never joins its session's room, and every reply is silently lost (RasaHQ/rasa#13027).
2. Only the configured origins may connect. Rasa passes `cors_allowed_origins=[]`, which turns
   Engine.IO's Origin check off, so any website could open a conversation from its visitors'
   browsers. The list comes from `allowed_origins` in credentials.yml, or MILA_WEB_ORIGINS.
3. Input is checked, as in channels/rest.py: a message is text of at most `max_message_chars`,
   metadata a JSON object, a session id a short token; anything else is dropped with a warning
   instead of raising in the handler.
4. Bot text is escaped for the widget's Markdown renderer (rasa-webchat renders bot text as
   Markdown, with link URLs left unchecked), so answers are shown exactly as written: no link,
   image or formatting can be smuggled into a message.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text
from urllib.parse import urlsplit

import rasa.core.channels.channel
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

logger = logging.getLogger(__name__)

ORIGINS_ENV = "MILA_WEB_ORIGINS"
# The page served by `make run` (scripts/web_server.py), under both names of the loopback host.
DEFAULT_ORIGINS = ("http://127.0.0.1:8080", "http://localhost:8080")
# Same limit as the REST channel: longer than any real question (channels/rest.py).
DEFAULT_MAX_MESSAGE_CHARS = 5000
# Engine.IO's limit on one HTTP body or WebSocket frame (its default is 1 MB); a message at the
# character limit, JSON-encoded with its metadata, fits several times over.
MAX_HTTP_BUFFER_SIZE = 64 * 1024
# rasa-webchat keeps the id Rasa gave it (uuid4().hex); anything else gets a new session.
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Characters Markdown gives a meaning to; `<` and `&` are written as entities instead, because
# the widget's parser (remark, GFM mode) does not accept a backslash before them.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape_markdown(text: Text) -> Text:
    """`text` written so that a Markdown renderer shows it as it is."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def parse_origins(configured: Any, environ: Optional[Dict[Text, Text]] = None) -> List[Text]:
    """The allowed origins: $MILA_WEB_ORIGINS (comma-separated), else `configured`, else localhost.

    Each must be scheme://host[:port] with no path; '*' is refused, since it would turn the check
    off, which is the very thing this channel fixes.
    """
    environ = os.environ if environ is None else environ
    raw: Any = environ.get(ORIGINS_ENV) or configured or DEFAULT_ORIGINS
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if not isinstance(raw, Iterable):
        raise ValueError(f"allowed_origins must be a list of origins, not {raw!r}")
    origins = []
    for origin in raw:
        origin = str(origin).strip().rstrip("/")
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise ValueError(
                f"{origin!r} is not an origin (scheme://host[:port]); check allowed_origins "
                f"in credentials.yml or ${ORIGINS_ENV}"
            )
        origins.append(origin)
    if not origins:
        raise ValueError(f"no allowed origin configured (allowed_origins or ${ORIGINS_ENV})")
    return origins


class MilaSocketIOOutput(SocketIOOutput):
    """Rasa's Socket.IO output, with bot text (not button titles, shown as text) escaped."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, escape_markdown(text), **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await super().send_text_with_buttons(recipient_id, escape_markdown(text), buttons, **kwargs)


class MilaSocketIOInput(SocketIOInput):
    """Socket.IO for the website widget; credentials as Rasa's `socketio`, plus
    `allowed_origins` (list) and `max_message_chars`."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "MilaSocketIOInput":
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=bool(credentials.get("session_persistence", False)),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            metadata_key=credentials.get("metadata_key", "metadata"),
            allowed_origins=parse_origins(credentials.get("allowed_origins")),
            max_message_chars=int(
                credentials.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS
            ),
        )

    def __init__(
        self,
        *args: Any,
        allowed_origins: Iterable[Text] = DEFAULT_ORIGINS,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_origins = list(allowed_origins)
        self.max_message_chars = max_message_chars
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None

    def create_server(self) -> AsyncServer:
        """The Socket.IO server, checking the Origin header against the allowed origins."""
        return AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=list(self.allowed_origins),
            max_http_buffer_size=MAX_HTTP_BUFFER_SIZE,
        )

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()  # warns: no server in this process
        return MilaSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The Sanic blueprint serving the Socket.IO server and a health route."""
        sio = self.create_server()
        self.sio = sio
        self._on_new_message = on_new_message
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        sio.on("connect", self.connect, namespace=self.namespace)
        sio.on("disconnect", self.disconnect, namespace=self.namespace)
        sio.on("session_request", self.session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, self.handle_message, namespace=self.namespace)
        logger.info(f"Socket.IO accepts the origins {', '.join(self.allowed_origins)}")
        return socketio_webhook

    async def connect(self, sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
        """Accept the socket, after checking its JWT when `jwt_key` is configured (as Rasa)."""
        if self.jwt_key:
            token = auth.get("token") if isinstance(auth, dict) else None
            payload = None
            if token:
                payload = rasa.core.channels.channel.decode_bearer_token(
                    token, self.jwt_key, self.jwt_algorithm
                )
            if not payload:
                return False
        logger.debug(f"User {sid} connected to socketIO endpoint.")
        return True

    async def disconnect(self, sid: Text) -> None:
        logger.debug(f"User {sid} disconnected from socketIO endpoint.")

    async def session_request(self, sid: Text, data: Any) -> None:
        """Confirm the session id the widget asks for (or a new one) and join its room."""
        requested = data.get("session_id") if isinstance(data, dict) else None
        if isinstance(requested, str) and _SESSION_ID.fullmatch(requested):
            session_id = requested
        else:
            session_id = uuid.uuid4().hex
        if self.session_persistence:
            # Replies are sent to the room named after the session, which survives reloads.
            joined = self.sio.enter_room(sid, session_id, namespace=self.namespace)
            if inspect.isawaitable(joined):  # python-socketio >= 5.10
                await joined
        await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
        logger.debug(f"User {sid} joined session {session_id}.")

    async def handle_message(self, sid: Text, data: Any) -> None:
        """Pass a well-formed user message to Rasa; drop anything else with a warning."""
        if not isinstance(data, dict):
            logger.warning(f"Socket.IO message from {sid} ignored: not an object")
            return
        text = data.get("message", "")
        if not isinstance(text, str) or len(text) > self.max_message_chars:
            logger.warning(
                f"Socket.IO message from {sid} ignored: not text of at most "
                f"{self.max_message_chars} characters"
            )
            return
        if self.session_persistence:
            sender_id = data.get("session_id")
            if not isinstance(sender_id, str) or not _SESSION_ID.fullmatch(sender_id):
                logger.warning(
                    f"Socket.IO message from {sid} ignored: no valid session_id; the client "
                    "must send `session_request` first"
                )
                return
        else:
            sender_id = sid
        message = UserMessage(
            text,
            MilaSocketIOOutput(self.sio, self.bot_message_evt),
            sender_id,
            input_channel=self.name(),
            metadata=self._metadata(data.get(self.metadata_key)),
        )
        if self._on_new_message is None:
            raise RuntimeError("handle_message called before blueprint()")
        await self._on_new_message(message)

    @staticmethod
    def _metadata(raw: Any) -> Dict[Text, Any]:
        """The message metadata: a JSON object, possibly sent as a JSON string, else empty."""
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                return {}
        return raw if isinstance(raw, dict) else {}
