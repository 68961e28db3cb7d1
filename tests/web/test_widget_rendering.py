"""What the widget shows of hostile text, in the browser, against tests/web/echo_server.py.

rasa-webchat 1.0.1 renders user text as text, and bot text as Markdown (react-markdown 4, raw
HTML escaped, but link URLs unchecked). channels/socketio.py escapes bot text so that it is
shown exactly as written. These tests run with the page's Content-Security-Policy bypassed:
the widget and the channel must be safe on their own, the policy is a second line.
"""

from __future__ import annotations

import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.servers import ROOT, free_port
from tests.web.conftest import page_server, serving
from tests.web.echo_server import BUTTON_TITLE, HOSTILE

pytestmark = pytest.mark.slow
TIMEOUT_MS = 20_000
WEB = ROOT / "web"
USER_HOSTILE = '<img src="/user.png" onerror="window.__pwned = 5"> **not bold**'


@pytest.fixture(scope="module")
def echo_site(tmp_path_factory):
    """The page, its socket answered by the echo server."""
    workdir = tmp_path_factory.mktemp("echo")
    web_port, socket_port = free_port(), free_port()
    origin = f"http://127.0.0.1:{web_port}"
    command = [sys.executable, "-m", "tests.web.echo_server", "--port", str(socket_port)]
    with serving(
        [*command, "--origin", origin],
        f"http://127.0.0.1:{socket_port}/webhooks/socketio/",
        workdir / "echo.log",
    ):
        with page_server(web_port, socket_port, workdir / "web.log") as url:
            yield url


@pytest.fixture
def page(browser, echo_site):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(echo_site)
    page.click("#launcher")
    page.requested = requested
    yield page
    context.close()


def _send(page, text: str) -> None:
    page.fill(".rw-new-message", text)
    page.keyboard.press("Enter")


def test_user_text_and_bot_text_are_shown_as_written_and_nothing_runs(page):
    from playwright.sync_api import expect

    _send(page, USER_HOSTILE)
    responses = page.locator(".rw-response")
    expect(responses.filter(has_text="language=")).to_have_count(2)  # the /greet and ours

    expect(page.locator(".rw-client").last).to_have_text(USER_HOSTILE)
    expect(responses.filter(has_text="You said: <img")).to_have_text(f"You said: {USER_HOSTILE}")
    expect(responses.filter(has_text="**bold**").first).to_have_text(HOSTILE)
    expect(page.locator(".rw-reply").filter(has_text="<b>Bold</b>").first).to_have_text(
        BUTTON_TITLE
    )
    messages = page.locator(".rw-messages-container")
    for tag in ("img", "a", "strong", "em", "b", "script"):
        assert messages.locator(tag).count() == 0, f"a <{tag}> was rendered from message text"
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not [url for url in page.requested if url.endswith((".png", "/x"))]

    # The quick reply works from the keyboard too (app.js makes it focusable).
    page.locator(".rw-reply").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client").last).to_have_text(BUTTON_TITLE)


def test_the_page_language_reaches_the_assistant_as_custom_data(page):
    from playwright.sync_api import expect

    expect(page.locator(".rw-response").filter(has_text="language=en")).to_have_count(1)
    page.click("#language-link")
    _send(page, "bonjour")
    expect(page.locator(".rw-response").filter(has_text="language=fr")).to_have_count(1)


def test_without_the_channel_escaping_the_widget_renders_a_javascript_link(page):
    """Why channels/socketio.py escapes: rasa-webchat keeps javascript: URLs in bot links."""
    from playwright.sync_api import expect

    _send(page, "raw: show me")
    links = page.locator('.rw-messages-container a[href^="javascript:"]')
    expect(links).to_have_count(1)
    # Its raw HTML is still escaped (react-markdown's escapeHtml): shown, not run.
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_without_a_served_config_the_socket_is_on_the_page_origin(browser, tmp_path):
    """Behind a proxy that serves web/ as plain files (deploy/nginx), web/config.js applies."""
    from playwright.sync_api import expect

    server = ThreadingHTTPServer(
        ("127.0.0.1", free_port()), partial(SimpleHTTPRequestHandler, directory=str(WEB))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    context = browser.new_context()
    page = context.new_page()
    try:
        with page.expect_request(lambda request: request.url.startswith(f"{origin}/socket.io/")):
            page.goto(f"{origin}/")
            expect(page.locator("#launcher")).to_be_enabled()
            page.click("#launcher")
    finally:
        context.close()
        server.shutdown()
        server.server_close()
