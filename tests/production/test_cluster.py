"""The cluster of `make cluster`: two Rasa and two action servers behind nginx, on loopback,
with PostgreSQL and Redis; then the faults, each during a short load (scripts/loadtest.py).

The faults restart PostgreSQL and stop Redis, so the cluster uses private ones started from the
installed binaries (scripts/cluster_services.py), not the machine's shared services.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path

import aiohttp
import pytest
import socketio

from actions.knowledge import load_store
from scripts.cluster import ClusterSettings
from scripts.loadtest import calibrate, environment, run_phase, unescape_markdown
from scripts.servers import free_port
from tests.production.conftest import need_model, need_nginx, need_private_services

STORE = load_store()
FOUNDING_EN = STORE.topic("founding").answer["en"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    need_model()
    need_nginx()
    need_private_services()
    settings = ClusterSettings(port=free_port(), run_dir=Path(tmp_path_factory.mktemp("cluster")))
    with environment(shared=False, settings=settings) as running:
        yield running


@pytest.fixture(scope="module")
def bank(env):
    return asyncio.run(calibrate(env.cluster.url, uuid.uuid4().hex[:6]))


def request(
    url: str,
    body: bytes | None = None,
    headers: dict | None = None,
    method: str | None = None,
    source: str = "127.0.0.1",
) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request from the loopback address `source`."""

    async def send() -> tuple[int, dict, bytes]:
        connector = aiohttp.TCPConnector(local_addr=(source, 0))
        async with aiohttp.ClientSession(connector=connector) as session:
            async with session.request(
                method or ("POST" if body is not None else "GET"), url, data=body,
                headers={"Content-Type": "application/json", **(headers or {})},
            ) as response:  # fmt: skip
                return response.status, dict(response.headers), await response.read()

    return asyncio.run(send())


def ask(env, sender: str, text: str, source: str = "127.0.0.1", **headers) -> tuple[int, list]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    url = f"{env.cluster.url}/webhooks/rest/webhook?sender={sender}"
    status, _, reply = request(url, body, headers, source=source)
    return status, json.loads(reply) if status == 200 else []


def upstreams(env) -> list[str]:
    """The replica of each answered REST message, in order (nginx's access log)."""
    log = (env.cluster.settings.run_dir / "access.log").read_text()
    return re.findall(r'"POST /webhooks/rest/webhook" 200 \d+ \S+ "([^"]+)"', log)


# --------------------------------------------------------------------------- routing


def test_one_conversation_stays_on_one_replica_and_conversations_spread(env):
    before = len(upstreams(env))
    for _ in range(4):
        assert ask(env, "sticky-alice", "who founded mila?", source="127.0.9.1")[0] == 200
    alice = set(upstreams(env)[before:])
    assert len(alice) == 1, f"one conversation went to {alice}"

    before = len(upstreams(env))
    for number in range(16):
        ask(env, f"spread-{number}", "who founded mila?", source=f"127.0.9.{10 + number}")
    assert len(set(upstreams(env)[before:])) == 2, "all conversations went to one replica"


def test_the_page_is_served_with_its_cookie_and_security_headers(env):
    status, headers, body = request(f"{env.cluster.url}/")
    assert status == 200 and b"<html" in body
    assert headers["Set-Cookie"].startswith("mila_route=")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, _, config = request(f"{env.cluster.url}/config.js")
    assert status == 200 and b'"socketPath": "/socket.io/"' in config


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/webhook"),  # the action server's endpoint
        ("GET", "/health"),
        ("GET", "/actions"),
        ("GET", "/status"),  # Rasa's HTTP API
        ("PUT", "/model"),
        ("GET", "/conversations/someone/tracker"),
        ("GET", "/webhooks/rest/webhook"),
    ],
)
def test_only_the_page_and_the_channels_are_published(env, method, path):
    body = b"{}" if method in ("POST", "PUT") else None
    status, _, reply = request(f"{env.cluster.url}{path}", body, method=method)
    assert status in (403, 404, 405), (status, reply[:200])
    assert b"action" not in reply.lower() and b"rasa" not in reply.lower()


def test_a_message_too_big_for_nginx_is_refused(env):
    body = json.dumps({"sender": "big", "message": "x" * 100_000}).encode()
    status, _, _ = request(f"{env.cluster.url}/webhooks/rest/webhook?sender=big", body)
    assert status == 413


def test_a_client_sending_too_fast_is_slowed_down_and_others_are_not(env):
    statuses = [
        ask(env, "flood", "hi", source="127.0.8.1")[0]
        for _ in range(env.cluster.settings.burst + 10)
    ]
    assert 429 in statuses and 200 in statuses
    assert ask(env, "calm", "who founded mila?", source="127.0.8.2")[0] == 200


def test_pages_of_other_sites_may_not_use_the_assistant(env):
    assert ask(env, "x1", "hello", Origin="https://evil.example")[0] == 403
    assert ask(env, "x2", "hello", source="127.0.8.3", Origin=env.cluster.settings.origin)[0] == 200
    status, _, _ = request(
        f"{env.cluster.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://evil.example"}
    )  # fmt: skip
    assert status == 403


async def test_the_widget_socket_works_through_nginx(env):
    sender = f"socket-{uuid.uuid4().hex[:8]}"
    replies: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    connector = aiohttp.TCPConnector(local_addr=("127.0.7.1", 0))
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as session:
        client = socketio.AsyncClient(http_session=session, handle_sigint=False)
        client.on("session_confirm", lambda _: confirmed.set())
        client.on("bot_uttered", lambda data: replies.put_nowait(data.get("text", "")))
        await client.connect(env.cluster.url, transports=["polling", "websocket"])
        await client.emit("session_request", {"session_id": sender})
        await asyncio.wait_for(confirmed.wait(), 10)
        await client.emit(
            "user_uttered",
            {
                "message": "who founded mila?",
                "session_id": sender,
                "customData": {"language": "en"},
            },
        )
        reply = await asyncio.wait_for(replies.get(), 20)
        await client.disconnect()
    assert unescape_markdown(reply) == FOUNDING_EN


# --------------------------------------------------------------------------- faults


def phase(env, bank, fault: str, seed: int):
    return asyncio.run(
        run_phase(env, bank, fault, conversations=12, turns=6, think=0.6, seed=seed,
                  fault=fault, deadline=240)
    )  # fmt: skip


def assert_nothing_lost(report) -> None:
    check = report.check
    problems = "\n".join([*report.events, *check.problems, *report.client_errors])
    assert check.lost == 0, problems
    assert check.out_of_order == 0, problems
    assert check.wrong_answers == 0 and check.client_wrong == 0, problems
    assert report.errors == 0
    # A turn sent again after a replica died may be stored twice; only those.
    assert check.duplicated <= report.retries


def test_killing_a_rasa_replica_loses_no_conversation(env, bank):
    report = phase(env, bank, "kill-rasa", seed=11)
    try:
        assert_nothing_lost(report)
        assert report.answered == 12 * 6
    finally:
        env.cluster.start_rasa(0)


def test_without_action_servers_visitors_are_told_and_answers_resume(env, bank):
    report = phase(env, bank, "kill-actions", seed=12)
    if not all(s.running for s in env.cluster.actions):
        env.cluster.start_actions()
    assert_nothing_lost(report)
    assert report.check.unavailable > 0, "no message arrived while the action servers were down"
    assert report.check.unavailable < report.check.turns_stored, "answers did not resume"
    assert ask(env, "after-actions", "who founded mila?", source="127.0.6.1")[1][0]["text"] == (
        FOUNDING_EN
    )


def test_a_postgresql_restart_loses_no_turn(env, bank):
    report = phase(env, bank, "restart-postgres", seed=13)
    assert_nothing_lost(report)
    assert report.answered == 12 * 6


def test_redis_unavailable_is_logged_clearly_and_corrupts_nothing(env, bank):
    report = phase(env, bank, "stop-redis", seed=14)
    if env.redis.process.poll() is not None:
        env.redis.start()
    assert_nothing_lost(report)
    logs = "".join(s.log.read_text(errors="replace") for s in env.cluster.rasa)
    assert f"Lock store: Redis at {env.redis.url} is unavailable" in logs
    assert "answers again" in logs
