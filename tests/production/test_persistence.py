"""Conversations survive a restart of the real servers: SQLite by default, PostgreSQL + Redis
in production. And when the action server is down, the user is told so, in their language."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from actions.knowledge import load_store
from scripts.servers import BIN, ROOT, base_env, running_assistant, wait_until_up
from tests.production.conftest import need_model

STORE = load_store()
pytestmark = pytest.mark.slow


def texts(replies: list) -> str:
    return " ".join(r.get("text", "") for r in replies)


def test_the_embedded_profile_keeps_a_conversation_across_a_restart(tmp_path, sender, monkeypatch):
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)  # the default: SQLite in the workdir
    model = need_model()
    with running_assistant(model, workdir=tmp_path) as first:
        assert texts(first.ask("c'est quoi korbit", sender)) == STORE.topic("korbit").answer["fr"]
        assert "in this process's memory" in first.log()
    assert (tmp_path / "rasa.db").stat().st_size > 0
    with running_assistant(model, workdir=tmp_path) as second:
        # "tell me more" needs the last topic and the language: both come back from the file.
        assert texts(second.ask("dis m'en plus", sender)) == STORE.topic("korbit").more["fr"]


def restart_action_server(assistant) -> subprocess.Popen:
    port = assistant.actions_url.rsplit(":", 1)[1]
    log = Path(assistant.workdir) / "actions-again.log"
    process = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", port],
        cwd=ROOT, env=base_env(SANIC_HOST="127.0.0.1"), stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_until_up(f"{assistant.actions_url}/health", process, log)
    return process


def test_the_production_profile_keeps_a_conversation_and_survives_the_action_server(
    tmp_path, sender, postgres_url, redis_url
):
    model = need_model()
    env = {"TRACKER_STORE_URL": postgres_url, "LOCK_STORE_URL": redis_url}
    with running_assistant(model, env=env, workdir=tmp_path / "one") as first:
        assert texts(first.ask("c'est quoi chester", sender)) == STORE.topic("chester").answer["fr"]
        log = first.log()
        assert "Lock store: Redis at redis://127.0.0.1:6379/1" in log
        assert "Tracker store: postgresql://" in log
    with running_assistant(model, env=env, workdir=tmp_path / "two") as second:
        assert texts(second.ask("dis m'en plus", sender)) == STORE.topic("chester").more["fr"]

        # The action server goes away: a polite reply in the conversation's language...
        second.actions.kill()
        second.actions.wait()
        unavailable = STORE.messages["unavailable"]
        assert texts(second.ask("qui a fondé mila ?", sender)) == unavailable["fr"]
        assert texts(second.ask("who founded mila?", "new-" + sender)) == (
            f"{unavailable['fr']} {unavailable['en']}"  # no language yet: both, fr first
        )
        reply = second.ask("who founded mila?", "widget-" + sender, metadata={"language": "en"})
        assert texts(reply) == unavailable["en"]
        assert "Action server unavailable for 'action_answer_question'" in second.log()

        # ...and answers resume as soon as it is back, in the same conversation.
        again = restart_action_server(second)
        try:
            answer = texts(second.ask("qui a fondé mila ?", sender))
            assert answer == STORE.topic("founding").answer["fr"]
        finally:
            again.terminate()
            again.wait(timeout=20)
