"""Telegram end to end: updates in, sendMessage out, on the trained model."""

from __future__ import annotations

import time
from typing import Any

import pytest

from actions.knowledge import load_store
from channels.telegram import keyboard_rows
from tests.channels.conftest import TELEGRAM_SECRET, TELEGRAM_WEBHOOK_URL
from tests.fakes.telegram_api import callback_update, deliver, message_update

STORE = load_store()
FOUNDING = STORE.topic("founding")


def webhook(assistant) -> str:
    return f"{assistant.rasa_url}/webhooks/telegram/webhook"


def ask(assistant, telegram, chat_id: int, text: str, already: int = 0, **update_fields: Any):
    """Deliver a text message; (the update, the new sendMessage call it caused)."""
    update = message_update(chat_id, text, **update_fields)
    status, body = deliver(webhook(assistant), update, TELEGRAM_SECRET)
    assert status == 200, body
    return update, telegram.wait_for_sent(chat_id, already + 1)[already]


def suggestions(call: dict[str, Any]) -> list[dict[str, Any]]:
    """The suggested questions of an answer's inline keyboard, each alone on its row."""
    rows = call["args"]["reply_markup"]["inline_keyboard"]
    found = [row for row in rows if any(b["callback_data"].startswith("/faq_") for b in row)]
    assert all(len(row) == 1 for row in found), "one suggested question per row"
    return [row[0] for row in found]


def assert_only_answers(assistant, telegram, chat_id: int, expected: int) -> None:
    """One more question, answered after anything an earlier update had set off in this chat;
    then exactly `expected` answers before it."""
    ask(assistant, telegram, chat_id, "where is mila located?", already=expected)
    time.sleep(0.3)
    sent = telegram.sent(chat_id)
    assert len(sent) == expected + 1, [call["args"]["text"] for call in sent]


def test_webhook_is_registered_with_its_secret_at_startup(assistant, telegram):
    registered = telegram.wait_for(lambda c: c["method"] == "setWebhook")[-1]["args"]
    assert registered["url"] == TELEGRAM_WEBHOOK_URL
    assert registered["secret_token"] == TELEGRAM_SECRET
    assert set(registered["allowed_updates"]) == {"message", "edited_message", "callback_query"}


def test_question_gets_the_answer_with_an_inline_keyboard(assistant, telegram, chat_id):
    _update, call = ask(assistant, telegram, chat_id, "who founded mila?")
    assert call["args"]["text"] == FOUNDING.answer["en"]
    assert "1993" in call["args"]["text"]
    buttons = suggestions(call)
    assert 2 <= len(buttons) <= 3
    for button in buttons:
        topic = STORE.topic(button["callback_data"].removeprefix("/faq_"))
        assert button["text"] == topic.question["en"]


def test_french_question_is_answered_in_french(assistant, telegram, chat_id):
    _, call = ask(assistant, telegram, chat_id, "Qui a fondé Mila ?")
    assert call["args"]["text"] == FOUNDING.answer["fr"]


def test_button_click_is_acknowledged_and_answered_like_typing(assistant, telegram, chat_id):
    _, first = ask(assistant, telegram, chat_id, "who founded mila?")
    button = suggestions(first)[0]
    click = callback_update(first["result"], button["callback_data"])
    assert deliver(webhook(assistant), click, TELEGRAM_SECRET)[0] == 200

    answer = telegram.wait_for_sent(chat_id, 2)[1]
    topic = STORE.topic(button["callback_data"].removeprefix("/faq_"))
    assert answer["args"]["text"] == topic.answer["en"]
    acknowledged = telegram.calls_where(lambda c: c["method"] == "answerCallbackQuery")
    assert click["callback_query"]["id"] in [c["args"]["callback_query_id"] for c in acknowledged]


@pytest.mark.parametrize("secret", [None, "wrong-secret"], ids=["no secret", "wrong secret"])
def test_update_without_the_secret_token_is_rejected(assistant, telegram, chat_id, secret):
    status, _ = deliver(webhook(assistant), message_update(chat_id, "who founded mila?"), secret)
    assert status == 401
    assert_only_answers(assistant, telegram, chat_id, expected=0)


def test_redelivered_update_gets_no_second_answer(assistant, telegram, chat_id):
    update, _ = ask(assistant, telegram, chat_id, "who founded mila?")
    assert deliver(webhook(assistant), update, TELEGRAM_SECRET)[0] == 200
    assert_only_answers(assistant, telegram, chat_id, expected=1)


def test_start_command_greets_in_the_users_telegram_language(assistant, telegram, chat_id):
    _, call = ask(assistant, telegram, chat_id, "/start", language_code="fr")
    assert call["args"]["text"] == STORE.message("greet", "fr")


def test_help_command_lists_the_topics(assistant, telegram, chat_id):
    _, call = ask(assistant, telegram, chat_id, "/help@mila_test_bot")
    assert call["args"]["text"] == STORE.message("menu", "en")
    assert len(suggestions(call)) >= 3


def test_questions_get_a_row_each_and_short_buttons_share_one():
    titles = ["Who founded Mila?", "Where is Mila located?", "👍 Helpful answer", "👎 Not helpful"]
    rows = keyboard_rows([{"title": t, "payload": "/x"} for t in titles])
    assert [[b["title"] for b in row] for row in rows] == [titles[:1], titles[1:2], titles[2:]]
