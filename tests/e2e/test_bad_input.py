"""Bad input over REST: a polite reply or a clear 4xx, never a crash; the next message works."""

from __future__ import annotations

import pytest

BAD_MESSAGES = {
    "empty": "",
    "whitespace": "   \n\t  ",
    "huge_100kb": "mila " * 20_000,  # over the 5,000-character cap: 413
    "emoji_only": "🤖🎉🙃",
    "html_script": "<script>alert('x')</script><b>who founded mila</b>",
    "sql": "'; DROP TABLE events; --",
    "control_chars": "\x00\x01\x02 hello \x7f",
    "right_to_left": "مرحبا، من أسس ميلا؟",
}


@pytest.mark.parametrize("name", sorted(BAD_MESSAGES))
def test_bad_text_gets_a_polite_reply_and_the_next_message_is_answered(assistant, sender, name):
    status, body = assistant.post({"sender": sender, "message": BAD_MESSAGES[name]})
    assert status == 200 or 400 <= status < 500, body
    if status == 200:
        assert isinstance(body, list)
        for reply in body:
            assert "<script>" not in reply.get("text", "")
    assert "1993" in assistant.ask("who founded mila?", sender)[0]["text"]


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe\xfa not utf-8",
        b'{"sender": "x", "message": ',
        b"[]",
        b'{"sender": 5, "message": {"a": 1}}',
    ],
)
def test_malformed_requests_are_rejected_with_4xx_and_the_server_lives_on(assistant, sender, raw):
    status, _ = assistant.post(None, raw=raw)
    assert 400 <= status < 500
    assert "1993" in assistant.ask("who founded mila?", sender)[0]["text"]
