"""scripts/web_server.py and the page it serves: files, /config.js, headers, nothing else."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from scripts.servers import free_port
from scripts.web_server import content_security_policy, make_server

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seed" / "mila-about.txt"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    web = tmp_path_factory.mktemp("web")
    (web / "index.html").write_text("<p>page</p>")
    (web / "vendor").mkdir()
    (web / "vendor" / "webchat.js").write_text("// widget")
    server = make_server(port=free_port(), socket_port=5999, directory=web)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, ""


def test_the_page_is_served_with_a_strict_policy(site):
    status, headers, body = get(f"{site}/")
    assert (status, body) == (200, "<p>page</p>")
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-eval'" not in policy
    assert "connect-src 'self' http://*:5999 https://*:5999 ws://*:5999 wss://*:5999" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_config_js_tells_the_page_where_the_socket_is(site):
    status, headers, body = get(f"{site}/config.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    config = json.loads(re.fullmatch(r"window\.MILA_WEB_CONFIG = (.*);\n", body).group(1))
    assert config == {"socketUrl": None, "socketPort": 5999, "socketPath": "/socket.io/"}


@pytest.mark.parametrize(
    "path", ["/vendor/", "/missing.js", "/../credentials.yml", "/%2e%2e/Makefile"]
)
def test_no_listing_and_nothing_outside_web(site, path):
    assert get(f"{site}{path}")[0] == 404


def test_an_explicit_socket_url_is_the_only_socket_allowed():
    policy = content_security_policy("https://chat.mila.example", 5005)
    assert "connect-src 'self' https://chat.mila.example wss://chat.mila.example;" in policy


class _Intro(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inside, self.paragraphs = False, []

    def handle_starttag(self, tag, attrs):
        if tag == "p" and ("class", "intro") in attrs:
            self.inside = True
            self.paragraphs.append("")

    def handle_endtag(self, tag):
        self.inside = self.inside and tag != "p"

    def handle_data(self, data):
        if self.inside:
            self.paragraphs[-1] += data


def _intro() -> list:
    parser = _Intro()
    parser.feed((ROOT / "web" / "index.html").read_text(encoding="utf-8"))
    assert parser.paragraphs, "web/index.html has no <p class='intro'>"
    return [" ".join(paragraph.split()) for paragraph in parser.paragraphs]


def test_the_intro_is_quoted_from_the_sourced_knowledge():
    about = yaml.safe_load((ROOT / "knowledge" / "topics" / "about.yml").read_text())
    source = " ".join(about["source"].split())
    for paragraph in _intro():
        assert paragraph in source


@pytest.mark.skipif(not SEED.exists(), reason="the seed document is not beside the repository")
def test_the_intro_is_quoted_word_for_word_from_the_seed():
    seed = " ".join(SEED.read_text(encoding="utf-8").split())
    for paragraph in _intro():
        assert paragraph in seed
