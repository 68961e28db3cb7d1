"""A stand-in for the Rasa server, for the widget's rendering tests: channels/socketio.py on Sanic,
answering every message with hostile text, without a model.

    python -m tests.web.echo_server --port 5005 --origin http://127.0.0.1:8080

Every message gets back: "You said: <its text>", the HOSTILE sample,
"language=<customData.language>", and a question with a button whose title holds markup.
A message starting with "raw:" gets the HOSTILE sample through Rasa's own output channel,
without escaping, to show what the widget itself does with it.
"""

from __future__ import annotations

import argparse
import logging

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Sanic

from channels.socketio import MilaSocketIOInput

# Markup, Markdown and HTML that must be shown as written, never rendered or run.
HOSTILE = (
    '<img src="/pixel.png" onerror="window.__pwned = 1"> **bold** _italic_ '
    "[click me](javascript:window.__pwned=2) ![pixel](/pixel.png) <script>window.__pwned=3</script>"
)
BUTTON_TITLE = "<b>Bold</b> & [link](javascript:window.__pwned=4)"


async def answer(message: UserMessage) -> None:
    output = message.output_channel
    recipient = message.sender_id
    if message.text.startswith("raw:"):
        raw = SocketIOOutput(output.sio, output.bot_message_evt)
        await raw.send_text_message(recipient, HOSTILE)
        return
    await output.send_text_message(recipient, f"You said: {message.text}")
    await output.send_text_message(recipient, HOSTILE)
    await output.send_text_message(recipient, f"language={message.metadata.get('language')}")
    # Last: the widget shows the buttons of the last message only.
    await output.send_text_with_buttons(
        recipient, "Pick one:", [{"title": BUTTON_TITLE, "payload": "/pick"}]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--origin", required=True, help="the page's origin, the only one allowed")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    channel = MilaSocketIOInput(
        session_persistence=True, metadata_key="customData", allowed_origins=[args.origin]
    )
    app = Sanic("mila_echo")
    app.blueprint(channel.blueprint(answer), url_prefix="/webhooks/socketio")
    app.run(host="127.0.0.1", port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
