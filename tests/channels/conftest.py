"""Real servers (trained model, action server, Rasa with Slack and Telegram) against fakes of
the Slack and Telegram APIs on 127.0.0.1. Both channels share one Rasa server per session."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from unittest import mock

import pytest

from scripts.servers import ROOT, running_assistant
from tests.fakes.slack_api import SlackFake
from tests.fakes.telegram_api import TelegramFake

MODEL = ROOT / "models" / "mila.tar.gz"
SLACK_TOKEN = "xoxb-0000-0000-mila-test"
SLACK_SIGNING_SECRET = "5b1d3f0c8e7a4b2d9f6e0a1c3b5d7f9e"
# The channel where the bot answers every message, not only mentions.
SLACK_CHANNEL = "C0MILAFAQ"
TELEGRAM_TOKEN = "123456789:AAE-mila_test_token"
TELEGRAM_SECRET = "mila-webhook-secret_0123456789"
TELEGRAM_WEBHOOK_URL = "https://mila.example.org/webhooks/telegram/webhook"


def messaging_credentials(path: Path) -> Path:
    """credentials.yml followed by credentials.messaging.yml, as scripts/run.sh builds it."""
    parts = [(ROOT / name).read_text() for name in ("credentials.yml", "credentials.messaging.yml")]
    path.write_text("\n".join(parts))
    return path


@pytest.fixture(scope="session")
def slack():
    with SlackFake(token=SLACK_TOKEN) as fake:
        yield fake


@pytest.fixture(scope="session")
def telegram():
    with TelegramFake(token=TELEGRAM_TOKEN) as fake:
        yield fake


@pytest.fixture(scope="session")
def assistant(slack, telegram, tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test-channels does it) first")
    workdir = Path(tmp_path_factory.mktemp("channels"))
    env = {
        "MILA_CREDENTIALS": str(messaging_credentials(workdir / "credentials.yml")),
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "SLACK_CHANNEL": SLACK_CHANNEL,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_WEBHOOK_URL": TELEGRAM_WEBHOOK_URL,
        "TELEGRAM_API_URL": telegram.url,
    }
    # Conversations of this run only: running_assistant() takes TRACKER_STORE_URL from our own
    # environment, which `make` sets to the repository's rasa.db.
    store = {"TRACKER_STORE_URL": f"sqlite:///{workdir / 'rasa.db'}"}
    with (
        mock.patch.dict(os.environ, store),
        running_assistant(MODEL, env=env, workdir=workdir) as running,
    ):
        yield running


@pytest.fixture
def slack_user() -> str:
    return "U" + uuid.uuid4().hex[:10].upper()


@pytest.fixture
def slack_dm() -> str:
    """A direct-message channel of its own for each test."""
    return "D" + uuid.uuid4().hex[:10].upper()


@pytest.fixture
def chat_id() -> int:
    """A private Telegram chat (its id is the user's id) of its own for each test."""
    return 10_000_000 + uuid.uuid4().int % 1_000_000_000
