"""Export, delete and purge a person's conversations (Quebec's Law 25), in SQLite and
PostgreSQL, on the `events` table Rasa writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from production.tracker_store import ResilientSQLTrackerStore
from scripts import privacy
from scripts.servers import ROOT, base_env

DOMAIN = Domain.from_directory("domain")
DAY = 86400


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rasa.db'}"
    return request.getfixturevalue("postgres_url")


async def converse(url: str, sender: str, texts: list[str], days_ago: float = 0) -> None:
    store = ResilientSQLTrackerStore(domain=DOMAIN, host=url)
    tracker = await store.get_or_create_tracker(sender)
    for text in texts:
        tracker.update(UserUttered(text))
        tracker.update(ActionExecuted("action_answer_question"))
        tracker.update(BotUttered(f"answer to {text}"))
        tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    if days_ago:
        with store.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE events SET timestamp = timestamp - :shift WHERE sender_id = :s"),
                {"shift": days_ago * DAY, "s": sender},
            )
    store.engine.dispose()


@pytest.fixture
async def conversations(store_url):
    await converse(store_url, "alice", ["my email is alice@example.org", "who founded mila?"])
    await converse(store_url, "bob", ["bonjour"], days_ago=10)
    await converse(store_url, "carol", ["an old question"], days_ago=200)
    return store_url


def user_texts(document: dict) -> list[str]:
    return [e["text"] for e in document["events"] if e["event"] == "user"]


def test_export_gives_everything_stored_about_one_person_and_nothing_else(conversations):
    document = privacy.export(privacy.engine_for(conversations), "alice")
    assert document["sender_id"] == "alice"
    assert user_texts(document) == ["my email is alice@example.org", "who founded mila?"]
    assert "answer to who founded mila?" in [e.get("text") for e in document["events"]]
    assert "bonjour" not in json.dumps(document)


def test_delete_forgets_one_person_only(conversations):
    engine = privacy.engine_for(conversations)
    assert privacy.delete(engine, "alice") > 0
    assert privacy.export(engine, "alice")["events"] == []
    assert user_texts(privacy.export(engine, "bob")) == ["bonjour"]
    assert privacy.delete(engine, "alice") == 0  # twice is harmless


def test_purge_deletes_whole_conversations_idle_past_the_retention_period(conversations):
    engine = privacy.engine_for(conversations)
    assert privacy.expired(engine, days=90) == ["carol"]
    conversations_deleted, events_deleted = privacy.purge(engine, days=90)
    assert conversations_deleted == 1 and events_deleted > 0
    assert privacy.export(engine, "carol")["events"] == []
    assert user_texts(privacy.export(engine, "bob")) == ["bonjour"]
    assert privacy.export(engine, "alice")["events"]  # active today: kept
    assert privacy.purge(engine, days=5)[0] == 1  # a shorter period: bob goes too
    assert privacy.export(engine, "alice")["events"]


def test_a_store_without_conversations_yet_is_not_an_error(tmp_path):
    engine = privacy.engine_for(f"sqlite:///{tmp_path / 'empty.db'}")
    assert privacy.export(engine, "x")["events"] == []
    assert privacy.delete(engine, "x") == 0
    assert privacy.purge(engine, days=1) == (0, 0)


def make(*args: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
        env=base_env(TRACKER_STORE_URL=url), timeout=120, check=False,
    )  # fmt: skip


def test_the_make_targets(conversations, tmp_path):
    out = tmp_path / "alice.json"
    result = make("privacy-export", "SENDER=alice", f"OUT={out}", url=conversations)
    assert result.returncode == 0, result.stderr
    assert user_texts(json.loads(out.read_text()))[0] == "my email is alice@example.org"
    result = make("privacy-delete", "SENDER=alice", url=conversations)
    assert "Deleted" in result.stdout, result.stderr
    result = make("privacy-purge", "RETENTION_DAYS=30", url=conversations)
    assert "Deleted 1 conversations" in result.stdout, result.stderr
    result = make("privacy-export", url=conversations)
    assert result.returncode != 0 and "usage" in result.stderr


def test_the_command_line_reads_retention_days_from_the_environment(conversations):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.privacy", "--url", conversations, "purge", "--dry-run"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "RETENTION_DAYS": "5"},
    )  # fmt: skip
    assert "2 conversations" in result.stdout
    # A dry run deletes nothing.
    assert sorted(privacy.expired(privacy.engine_for(conversations), days=5)) == ["bob", "carol"]
