"""Slack end to end: signed events in, chat.postMessage out, on the trained model."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from actions.knowledge import load_store
from tests.channels.conftest import SLACK_CHANNEL, SLACK_SIGNING_SECRET
from tests.fakes.slack_api import (
    BOT_USER_ID,
    block_actions_payload,
    deliver,
    encode_event,
    encode_interaction,
    message_event,
    new_ts,
    signature_headers,
)

STORE = load_store()
FOUNDING = STORE.topic("founding")


def webhook(assistant) -> str:
    return f"{assistant.rasa_url}/webhooks/slack/webhook"


def send_event(
    assistant,
    envelope: dict[str, Any],
    secret: str = SLACK_SIGNING_SECRET,
    timestamp: int | None = None,
    **headers: str,
):
    body, content_type = encode_event(envelope)
    signed = signature_headers(body, secret, timestamp)
    return deliver(webhook(assistant), body, content_type, {**signed, **headers})


def ask(assistant, slack, text: str, channel: str, user: str, already: int = 0):
    """Send a signed DM event; (the event, the new post it got)."""
    envelope = message_event(text, channel, user)
    status, body, _ = send_event(assistant, envelope)
    assert status == 200, body
    posts = slack.wait_for_posts(channel, already + 1)
    return envelope, posts[already]


def suggestions(post: dict[str, Any]) -> list[dict[str, Any]]:
    """The suggested-question buttons of a post (its other buttons, e.g. feedback, aside)."""
    actions = [block for block in post["blocks"] if block["type"] == "actions"]
    assert len(actions) == 1, post["blocks"]
    return [b for b in actions[0]["elements"] if b["value"].startswith("/faq_")]


def assert_only_answers(assistant, slack, channel: str, user: str, expected: int) -> None:
    """Ask one more question and wait for its answer: anything an earlier request had set off in
    this conversation would have been posted before it. Then exactly `expected` answers + it."""
    ask(assistant, slack, "where is mila located?", channel, user, already=expected)
    time.sleep(0.3)
    posts = slack.posted(channel)
    assert len(posts) == expected + 1, [post["text"] for post in posts]


def test_question_is_answered_in_its_thread_with_buttons(assistant, slack, slack_dm, slack_user):
    envelope = message_event("who founded mila?", slack_dm, slack_user)
    started = time.monotonic()
    status, _, _ = send_event(assistant, envelope)
    acknowledged = time.monotonic() - started
    assert status == 200
    assert acknowledged < 3, "Slack retries a request not acknowledged within 3 seconds"

    post = slack.wait_for_posts(slack_dm)[0]
    assert post["channel"] == slack_dm
    assert post["thread_ts"] == envelope["event"]["ts"]
    assert "1993" in post["text"]
    assert post["blocks"][0]["text"]["text"] == FOUNDING.answer["en"]
    assert "as_user" not in post
    buttons = suggestions(post)
    assert 2 <= len(buttons) <= 3
    for button in buttons:
        topic = STORE.topic(button["value"].removeprefix("/faq_"))
        assert button["text"]["text"] == topic.question["en"]


def test_french_question_is_answered_in_french(assistant, slack, slack_dm, slack_user):
    _, post = ask(assistant, slack, "Qui a fondé Mila ?", slack_dm, slack_user)
    assert post["blocks"][0]["text"]["text"] == FOUNDING.answer["fr"]
    assert all(
        b["text"]["text"] in {t.question["fr"] for t in STORE.topics.values()}
        for b in suggestions(post)
    )


def test_reply_to_a_thread_stays_in_that_thread(assistant, slack, slack_dm, slack_user):
    parent = "1700000000.000100"
    envelope = message_event(
        "how many students are there at mila?", slack_dm, slack_user, thread_ts=parent
    )
    assert send_event(assistant, envelope)[0] == 200
    assert slack.wait_for_posts(slack_dm)[0]["thread_ts"] == parent


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "body changed after signing", "no signature"],
)
def test_bad_signature_is_rejected_before_anything_is_done(
    assistant, slack, slack_dm, slack_user, tamper
):
    envelope = message_event("who founded mila?", slack_dm, slack_user)
    body, content_type = encode_event(envelope)
    headers = signature_headers(body, SLACK_SIGNING_SECRET)
    if tamper == "wrong secret":
        headers = signature_headers(body, "not-the-signing-secret")
    elif tamper == "body changed after signing":
        body = body.replace(b"who founded", b"who funded")
    else:
        headers = {}
    status, _, _ = deliver(webhook(assistant), body, content_type, headers)
    assert status == 401
    assert_only_answers(assistant, slack, slack_dm, slack_user, expected=0)


def test_stale_timestamp_is_rejected_even_when_correctly_signed(
    assistant, slack, slack_dm, slack_user
):
    envelope = message_event("who founded mila?", slack_dm, slack_user)
    status, _, _ = send_event(assistant, envelope, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    assert_only_answers(assistant, slack, slack_dm, slack_user, expected=0)


# Rasa 3.6 drops a retry only if its reason is in errors_ignore_retry (http_timeout by default)
# and answers a second time on any other reason.
@pytest.mark.parametrize("reason", ["http_timeout", "http_error", "connection_failed"])
def test_retries_of_an_event_get_no_second_answer(assistant, slack, slack_dm, slack_user, reason):
    envelope = message_event("who founded mila?", slack_dm, slack_user)
    assert send_event(assistant, envelope)[0] == 200
    # The first retry before the answer is out, the second after.
    status, _, headers = send_event(
        assistant, envelope, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": reason}
    )
    assert status == 200
    assert headers.get("X-Slack-No-Retry") == "1"
    slack.wait_for_posts(slack_dm, 1)
    retry = {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": reason}
    assert send_event(assistant, envelope, **retry)[0] == 200
    assert_only_answers(assistant, slack, slack_dm, slack_user, expected=1)


def test_clicking_a_button_is_answered_like_typing_the_question(
    assistant, slack, slack_dm, slack_user
):
    envelope, post = ask(assistant, slack, "who founded mila?", slack_dm, slack_user)
    call = slack.calls_where(lambda c: c["method"] == "chat.postMessage" and c["args"] is post)[0]
    button = suggestions(post)[0]
    payload = block_actions_payload(post, call["result"]["message"], button, slack_user)
    body, content_type = encode_interaction(payload)
    status, _, _ = deliver(
        webhook(assistant), body, content_type, signature_headers(body, SLACK_SIGNING_SECRET)
    )
    assert status == 200

    answer = slack.wait_for_posts(slack_dm, 2)[1]
    topic = STORE.topic(button["value"].removeprefix("/faq_"))
    assert answer["blocks"][0]["text"]["text"] == topic.answer["en"]
    assert answer["thread_ts"] == envelope["event"]["ts"]


def test_unsigned_button_click_is_rejected(assistant, slack, slack_dm, slack_user):
    payload = {
        "type": "block_actions",
        "user": {"id": slack_user},
        "channel": {"id": slack_dm},
        "actions": [{"type": "button", "value": "/faq_founding", "action_ts": "1"}],
    }
    body, content_type = encode_interaction(payload)
    status, _, _ = deliver(
        webhook(assistant), body, content_type, signature_headers(body, "forged")
    )
    assert status == 401
    assert_only_answers(assistant, slack, slack_dm, slack_user, expected=0)


@pytest.mark.parametrize(
    "fields",
    [{"bot_id": "B0MILABOT", "subtype": "bot_message"}, {"subtype": "channel_join"}],
    ids=["the bot's own message", "someone joined"],
)
def test_events_that_are_not_questions_get_no_answer(
    assistant, slack, slack_dm, slack_user, fields
):
    envelope = message_event("<@U123> has joined the channel 1993", slack_dm, slack_user, **fields)
    assert send_event(assistant, envelope)[0] == 200
    assert_only_answers(assistant, slack, slack_dm, slack_user, expected=0)


def test_a_mention_delivered_as_two_events_is_answered_once(assistant, slack, slack_user):
    """An app subscribed to app_mention and message.channels gets both for one mention."""
    ts = new_ts()
    text = f"<@{BOT_USER_ID}> who founded mila?"
    for kind in ("app_mention", "message"):
        envelope = message_event(text, SLACK_CHANNEL, slack_user, "channel", ts, event_type=kind)
        assert send_event(assistant, envelope)[0] == 200

    def in_thread(thread_ts):
        return [p for p in slack.posted(SLACK_CHANNEL) if p.get("thread_ts") == thread_ts]

    slack.wait_for(lambda c: c["ok"] and c["args"].get("thread_ts") == ts)
    later = message_event(f"<@{BOT_USER_ID}> where is mila?", SLACK_CHANNEL, slack_user, "channel")
    assert send_event(assistant, later)[0] == 200
    slack.wait_for(lambda c: c["ok"] and c["args"].get("thread_ts") == later["event"]["ts"])
    time.sleep(0.3)
    answers = in_thread(ts)
    assert len(answers) == 1
    assert answers[0]["blocks"][0]["text"]["text"] == FOUNDING.answer["en"], "mention stripped"


def test_url_verification_challenge_is_echoed(assistant):
    envelope = {
        "token": "deprecated",
        "type": "url_verification",
        "challenge": "3eZbrw1aBm2rZgRNFdxV",
    }
    status, body, _ = send_event(assistant, envelope)
    assert status == 200
    assert json.loads(body) == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}
