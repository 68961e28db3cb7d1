"""The website widget against the real servers: a visitor's conversation in headless Chromium.

Starts the action server and the Rasa server (scripts/servers.py) with a credentials file that
has the REST and Socket.IO channels of credentials.yml, and the page server as `make run` does.
Saves docs/widget.png, the screenshot the README shows.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from actions.knowledge import load_store
from scripts.servers import ROOT, Assistant, free_port, running_assistant
from tests.web.conftest import MODEL, page_server, require

pytestmark = pytest.mark.slow
SCREENSHOT = ROOT / "docs" / "widget.png"
TIMEOUT_MS = 30_000  # a reply on a busy 2-core machine
SOCKET_CHANNEL = "channels.socketio.MilaSocketIOInput"


@dataclass
class Site:
    url: str
    origin: str
    assistant: Assistant


def write_credentials(path: Path, origin: str) -> Path:
    """credentials.yml's REST and Socket.IO channels, the socket open to `origin` only."""
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    kept = {
        key: value
        for key, value in credentials.items()
        if key in (SOCKET_CHANNEL, "channels.rest.MilaRestInput")
    }
    kept[SOCKET_CHANNEL] = {**kept[SOCKET_CHANNEL], "allowed_origins": [origin]}
    path.write_text(yaml.safe_dump(kept), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require(MODEL.exists(), f"{MODEL.relative_to(ROOT)} is missing: run `make train`")
    workdir = tmp_path_factory.mktemp("site")
    web_port = free_port()
    origin = f"http://127.0.0.1:{web_port}"
    credentials = write_credentials(workdir / "credentials.yml", origin)
    env = {"MILA_CREDENTIALS": str(credentials), "MILA_WEB_ORIGINS": ""}
    with running_assistant(MODEL, env=env, workdir=workdir) as assistant:
        socket_port = int(assistant.rasa_url.rsplit(":", 1)[1])
        with page_server(web_port, socket_port, workdir / "web.log") as url:
            yield Site(url=url, origin=origin, assistant=assistant)


@pytest.fixture(scope="module")
def store():
    return load_store(ROOT / "knowledge")


def _polling(site: Site, origin: str | None) -> int:
    request = urllib.request.Request(
        f"{site.assistant.rasa_url}/socket.io/?EIO=4&transport=polling"
    )
    if origin:
        request.add_header("Origin", origin)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_socket_refuses_a_foreign_origin(site):
    assert _polling(site, "http://evil.example") == 400
    assert _polling(site, site.origin.replace("127.0.0.1", "localhost")) == 400
    assert _polling(site, site.origin) == 200
    assert _polling(site, None) == 200  # not a browser: no Origin, nothing to check


def test_visitor_asks_switches_to_french_clicks_a_suggestion_and_reloads(browser, site, store):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-CA")
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda line: line.type == "error" and errors.append(line.text))
    bot = page.locator(".rw-response")
    founding = store.topics["founding"]

    # The page in English, the chat opened from the launcher; the assistant greets.
    page.goto(site.url)
    expect(page.locator(".site-name")).to_have_text("Mila – Quebec AI Institute")
    expect(page.locator("#language-link")).to_have_text("fr")
    launcher = page.locator("#launcher")
    expect(launcher).to_have_text("Any questions?")
    launcher.click()
    expect(page.locator(".rw-conversation-container")).to_be_visible()
    expect(launcher).to_be_hidden()
    expect(bot.first).to_have_text(store.messages["greet"]["en"])

    # A question in English: the right fact, with suggestions.
    page.fill(".rw-new-message", "who founded Mila?")
    page.keyboard.press("Enter")
    expect(bot.filter(has_text="1993")).to_have_text([founding.answer["en"]])
    expect(page.locator(".rw-reply").first).to_be_visible()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # The header's language link: the page, the launcher and the assistant switch to French,
    # even for a question typed in English (the page's language is sent as metadata).
    page.click("#language-link")
    expect(page.locator(".site-name")).to_have_text("Mila – Institut québécois d'IA")
    expect(page.locator("#language-link")).to_have_text("en")
    expect(launcher).to_have_text("Des questions ?")
    if not page.locator(".rw-conversation-container").is_visible():
        launcher.click()
    expect(bot.filter(has_text=founding.answer["en"])).to_have_count(1)  # history kept
    page.fill(".rw-new-message", "who founded Mila?")
    page.keyboard.press("Enter")
    expect(bot.filter(has_text=founding.answer["fr"])).to_have_count(1)

    # A suggestion button: its question is shown as the visitor's, its answer follows.
    titles = {topic.question["fr"]: topic for topic in store.topics.values()}
    replies = page.locator(".rw-reply")
    expect(replies.first).to_be_visible()
    suggestion = next(text for text in replies.all_inner_texts() if text in titles)
    replies.filter(has_text=suggestion).first.click()
    expect(page.locator(".rw-client").last).to_have_text(suggestion)
    expect(bot.filter(has_text=titles[suggestion].answer["fr"])).to_have_count(1)

    # A reload keeps the whole conversation.
    shown = bot.all_inner_texts()
    page.reload()
    if not page.locator(".rw-conversation-container").is_visible():
        launcher.click()
    expect(bot).to_have_text(shown)

    local = (
        site.url.rstrip("/"),
        site.assistant.rasa_url,
        site.assistant.rasa_url.replace("http", "ws"),
    )
    assert [url for url in requests if not url.startswith((*local, "data:"))] == []
    assert errors == []
    context.close()
