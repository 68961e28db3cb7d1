"""Without their secrets the messaging channels start disabled, and the server still runs."""

from __future__ import annotations

import logging
import uuid

import aiohttp
import pytest
from rasa.core.channels.channel import register
from rasa.core.run import create_http_input_channels
from sanic import Sanic

from channels.dedupe import RecentIds
from channels.slack import MilaSlackInput
from channels.telegram import MilaTelegramInput
from scripts.servers import free_port
from tests.channels.conftest import messaging_credentials

ALL_ENV = (
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_CHANNEL",
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_API_URL",
)  # fmt: skip


@pytest.fixture
def no_secrets(monkeypatch):
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)


def test_without_secrets_both_channels_start_disabled_and_say_why(no_secrets, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        channels = create_http_input_channels(None, str(messaging_credentials(tmp_path / "c.yml")))
    by_name = {channel.name(): channel for channel in channels}
    assert {"rest", "slack", "telegram"} <= set(by_name)
    assert not by_name["slack"].enabled
    assert not by_name["telegram"].enabled
    assert "Slack channel disabled: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET not set" in caplog.text
    assert "Telegram channel disabled: TELEGRAM_BOT_TOKEN not set" in caplog.text


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"TELEGRAM_BOT_TOKEN": "123:abc"}, "TELEGRAM_SECRET_TOKEN not set"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_SECRET_TOKEN": "has spaces"}, "must be 1-256"),
        ({"TELEGRAM_BOT_TOKEN": "abc", "TELEGRAM_SECRET_TOKEN": "s3cret"}, "does not look like"),
    ],
)
def test_telegram_needs_a_token_and_a_valid_secret(no_secrets, monkeypatch, caplog, env, reason):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert not MilaTelegramInput.from_credentials(None).enabled
    assert reason in caplog.text


def test_slack_needs_both_the_token_and_the_signing_secret(no_secrets, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert not MilaSlackInput.from_credentials({}).enabled
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    assert MilaSlackInput.from_credentials({}).enabled


async def test_disabled_webhooks_answer_503_and_the_rest_keeps_working(no_secrets, tmp_path):
    app = Sanic(f"disabled_{uuid.uuid4().hex}")
    channels = create_http_input_channels(None, str(messaging_credentials(tmp_path / "c.yml")))
    register(channels, app, route="/webhooks/")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    await server.after_start()
    try:
        async with aiohttp.ClientSession() as session:
            for name in ("slack", "telegram"):
                url = f"http://127.0.0.1:{port}/webhooks/{name}/webhook"
                async with session.post(url, json={"update_id": 1}) as answer:
                    assert answer.status == 503
                    assert "disabled" in await answer.text()
                async with session.get(f"http://127.0.0.1:{port}/webhooks/{name}/") as answer:
                    assert (await answer.json()) == {"status": "disabled"}
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()


def test_a_delivery_id_is_new_once_then_forgotten_after_its_time():
    now = [0.0]
    recent = RecentIds(ttl_seconds=60, max_entries=3, clock=lambda: now[0])
    assert recent.first_time("Ev1", "message:D1:1.0")
    assert not recent.first_time("Ev1")
    assert not recent.first_time("Ev2", "message:D1:1.0"), "same message, other event id"
    now[0] = 120
    assert recent.first_time("Ev1")
    for key in ("a", "b", "c"):
        recent.first_time(key)
    assert recent.first_time("Ev1"), "the oldest id is dropped beyond max_entries"
