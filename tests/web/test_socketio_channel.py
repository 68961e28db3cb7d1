"""channels/socketio.py: the session room joined whatever python-socketio's version, the allowed
origins, input checks, and bot text escaped for the widget's Markdown renderer."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Dict, List

import pytest
import rasa.core.channels.socketio as rasa_socketio
import yaml
from rasa.core.channels.channel import UserMessage
from socketio import AsyncServer

from channels.socketio import (
    DEFAULT_ORIGINS,
    MilaSocketIOInput,
    MilaSocketIOOutput,
    escape_markdown,
    parse_origins,
)

ROOT = Path(__file__).resolve().parents[2]


class FakeServer:
    """What the channel uses of socketio.AsyncServer; enter_room a coroutine, as in >= 5.10."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.options = kwargs
        self.handlers: Dict[str, Any] = {}
        self.rooms: List[tuple] = []
        self.emitted: List[tuple] = []

    def on(self, event, handler=None, namespace=None):
        if handler is None:  # used as a decorator, as Rasa does
            return lambda function: self.on(event, function, namespace)
        self.handlers[event] = handler
        return handler

    async def enter_room(self, sid, room, namespace=None):
        self.rooms.append((sid, room))

    async def emit(self, event, data=None, room=None, namespace=None, **kwargs):
        self.emitted.append((event, data, room))

    def attach(self, app, socketio_path):
        pass


class SyncFakeServer(FakeServer):
    """enter_room a plain function, as in python-socketio <= 5.9."""

    def enter_room(self, sid, room, namespace=None):
        self.rooms.append((sid, room))


@pytest.fixture
def received() -> List[UserMessage]:
    return []


def channel_on(server: FakeServer, received: List[UserMessage], **options: Any):
    """A channel whose blueprint was built on `server`, collecting the messages it passes on."""

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    defaults = {"session_persistence": True, "metadata_key": "customData"}
    channel = MilaSocketIOInput(**{**defaults, **options})
    channel.create_server = lambda: server
    channel.blueprint(on_new_message)
    return channel


@pytest.mark.parametrize("server_class", [FakeServer, SyncFakeServer], ids=["async", "sync"])
async def test_session_request_joins_the_session_room_whatever_the_socketio_version(
    server_class, received
):
    server = server_class()
    channel_on(server, received)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine ... was never awaited" fails the test
        await server.handlers["session_request"]("sid-1", {"session_id": "abc123"})
    assert server.rooms == [("sid-1", "abc123")]
    assert server.emitted == [("session_confirm", "abc123", "sid-1")]


async def test_rasa_own_channel_never_joins_the_room_when_enter_room_is_a_coroutine(monkeypatch):
    """The bug the subclass fixes (rasa/core/channels/socketio.py:236, RasaHQ/rasa#13027)."""
    servers: List[FakeServer] = []

    def make_server(**options):
        servers.append(FakeServer(**options))
        return servers[-1]

    monkeypatch.setattr(rasa_socketio, "AsyncServer", make_server)

    async def ignore(message: UserMessage) -> None:
        pass

    rasa_socketio.SocketIOInput(session_persistence=True).blueprint(ignore)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await servers[0].handlers["session_request"]("sid-1", {"session_id": "abc123"})
    assert servers[0].rooms == []  # replies sent to room "abc123" reach nobody
    assert any("was never awaited" in str(warning.message) for warning in caught)


async def test_session_request_with_the_installed_python_socketio(received):
    server = AsyncServer(async_mode="sanic")
    channel_on(server, received)
    sid = server.manager.connect("engineio-sid", "/")
    await server.handlers["/"]["session_request"](sid, {"session_id": "abc123"})
    assert sid in server.manager.rooms["/"]["abc123"]


@pytest.mark.parametrize(
    "data",
    [None, "text", {}, {"session_id": None}, {"session_id": "../../etc"}, {"session_id": "x" * 65}],
)
async def test_session_request_gives_a_new_id_for_a_missing_or_odd_one(data, received):
    server = FakeServer()
    channel_on(server, received)
    await server.handlers["session_request"]("sid-1", data)
    ((event, session_id, room),) = server.emitted
    assert event == "session_confirm" and room == "sid-1"
    assert len(session_id) == 32 and session_id.isalnum()
    assert server.rooms == [("sid-1", session_id)]


async def test_a_message_reaches_rasa_with_its_session_and_language(received):
    server = FakeServer()
    channel_on(server, received)
    data = {
        "message": "who founded Mila?",
        "session_id": "abc123",
        "customData": {"language": "fr"},
    }
    await server.handlers["user_uttered"]("sid-1", data)
    (message,) = received
    assert (message.text, message.sender_id, message.input_channel) == (
        "who founded Mila?", "abc123", "socketio",
    )  # fmt: skip
    assert message.metadata == {"language": "fr"}
    assert isinstance(message.output_channel, MilaSocketIOOutput)


@pytest.mark.parametrize(
    ("custom_data", "metadata"),
    [('{"language": "en"}', {"language": "en"}), ("not json", {}), (["fr"], {}), (None, {})],
)
async def test_metadata_is_a_json_object_or_nothing(custom_data, metadata, received):
    server = FakeServer()
    channel_on(server, received)
    data = {"message": "hi", "session_id": "abc123", "customData": custom_data}
    await server.handlers["user_uttered"]("sid-1", data)
    assert received[0].metadata == metadata


@pytest.mark.parametrize(
    "data",
    [
        "hello",
        {"message": 42, "session_id": "abc123"},
        {"message": "x" * 101, "session_id": "abc123"},
        {"message": "hello"},
        {"message": "hello", "session_id": "not a token"},
    ],
    ids=["not-an-object", "not-text", "too-long", "no-session", "odd-session"],
)
async def test_malformed_messages_are_dropped(data, received):
    server = FakeServer()
    channel_on(server, received, max_message_chars=100)
    await server.handlers["user_uttered"]("sid-1", data)
    assert received == []


async def test_without_session_persistence_the_socket_is_the_sender(received):
    server = FakeServer()
    channel_on(server, received, session_persistence=False)
    await server.handlers["user_uttered"]("sid-1", {"message": "hello"})
    assert received[0].sender_id == "sid-1"


async def test_with_a_jwt_key_a_socket_without_token_is_refused(received):
    server = FakeServer()
    channel_on(server, received, jwt_key="secret")
    assert await server.handlers["connect"]("sid-1", {}, None) is False
    assert await server.handlers["connect"]("sid-1", {}, {"token": "not-a-jwt"}) is False


def test_the_server_checks_origins():
    channel = MilaSocketIOInput(allowed_origins=["https://mila.example"])
    server = channel.create_server()
    assert server.eio.cors_allowed_origins == ["https://mila.example"]


@pytest.mark.parametrize(
    ("configured", "environ", "origins"),
    [
        (None, {}, list(DEFAULT_ORIGINS)),
        (["https://mila.example/"], {}, ["https://mila.example"]),
        (
            "http://a.example:8080, http://b.example",
            {},
            ["http://a.example:8080", "http://b.example"],
        ),
        (["https://mila.example"], {"MILA_WEB_ORIGINS": "http://x.example"}, ["http://x.example"]),
        (["https://mila.example"], {"MILA_WEB_ORIGINS": ""}, ["https://mila.example"]),
    ],
)
def test_allowed_origins_come_from_the_environment_then_credentials_then_localhost(
    configured, environ, origins
):
    assert parse_origins(configured, environ) == origins


@pytest.mark.parametrize(
    "bad", ["*", "mila.example", "https://mila.example/chat", "ftp://x.example"]
)
def test_an_origin_list_that_would_not_check_anything_is_refused(bad):
    with pytest.raises(ValueError, match="not an origin"):
        parse_origins([bad], {})


def test_credentials_yml_configures_the_widget_channel(monkeypatch):
    monkeypatch.delenv("MILA_WEB_ORIGINS", raising=False)
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    channel = MilaSocketIOInput.from_credentials(credentials["channels.socketio.MilaSocketIOInput"])
    assert channel.session_persistence is True
    assert channel.metadata_key == "customData"
    assert channel.allowed_origins == ["http://127.0.0.1:8080", "http://localhost:8080"]
    assert channel.max_message_chars == 5000


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("Mila was founded in 1993.", r"Mila was founded in 1993\."),
        ("**bold** [x](javascript:alert(1))", r"\*\*bold\*\* \[x\]\(javascript:alert\(1\)\)"),
        ('<img src=x onerror="alert(1)">', '&lt;img src=x onerror="alert\\(1\\)"\\>'),
        ("R&D – 1% to 3%", r"R&amp;D – 1% to 3%"),
        ("# not a title", r"\# not a title"),
    ],
)
def test_escape_markdown(text, escaped):
    assert escape_markdown(text) == escaped


async def test_bot_text_is_escaped_and_button_titles_kept():
    server = FakeServer()
    output = MilaSocketIOOutput(server, "bot_uttered")
    await output.send_text_with_buttons("abc123", "See *this*", [{"title": "A_b", "payload": "/x"}])
    ((event, data, room),) = server.emitted
    assert (event, room) == ("bot_uttered", "abc123")
    assert data["text"] == r"See \*this\*"
    assert data["quick_replies"][0]["title"] == "A_b"
