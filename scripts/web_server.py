"""Serve the page and the widget (web/) on loopback, with /config.js telling the page where the
Rasa server's socket is. A static server for development and tests (`make run`, tests/web/);
in production any web server can serve web/ with the same headers (docs/web.md).

    python -m scripts.web_server [--host 127.0.0.1] [--port 8080]
                                 [--socket-port 5005 | --socket-url http://127.0.0.1:5005]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DEFAULT_PORT = 8080
DEFAULT_SOCKET_PORT = 5005
SOCKET_PATH = "/socket.io/"


def page_config(socket_url: Optional[str], socket_port: int) -> dict:
    """What the page needs to open the socket: an explicit URL, or the page's host and a port."""
    return {"socketUrl": socket_url, "socketPort": socket_port, "socketPath": SOCKET_PATH}


def content_security_policy(socket_url: Optional[str], socket_port: int) -> str:
    """Scripts, styles, images and fonts from this site only; the socket to Rasa and nothing else.

    An HTML or script injection in a message would run no script and fetch nothing. The widget
    injects its CSS as <style> elements, hence 'unsafe-inline' for styles (not for scripts).
    """
    if socket_url:
        parts = urlsplit(socket_url)
        secure = parts.scheme == "https"
        sockets = f"{parts.scheme}://{parts.netloc} {'wss' if secure else 'ws'}://{parts.netloc}"
    else:  # same host as the page, whichever name the visitor used
        sockets = " ".join(
            f"{scheme}://*:{socket_port}" for scheme in ("http", "https", "ws", "wss")
        )
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src 'self' {sockets}",
            "object-src 'none'",
            "frame-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


class WebHandler(SimpleHTTPRequestHandler):
    """Files of web/ (no directory listings), /config.js, and security headers on every answer."""

    config_js: bytes = b""
    csp: str = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(self.config_js)))
            self.end_headers()
            self.wfile.write(self.config_js)
            return
        super().do_GET()

    def list_directory(self, path):
        self.send_error(404, "Not found")
        return None

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    socket_url: Optional[str] = None,
    socket_port: int = DEFAULT_SOCKET_PORT,
    directory: Path = WEB,
) -> ThreadingHTTPServer:
    """A server for `directory`; call serve_forever() on it."""
    config = json.dumps(page_config(socket_url, socket_port))
    handler = type(
        "ConfiguredWebHandler",
        (WebHandler,),
        {
            "config_js": f"window.MILA_WEB_CONFIG = {config};\n".encode(),
            "csp": content_security_policy(socket_url, socket_port),
        },
    )
    return ThreadingHTTPServer((host, port), partial(handler, directory=str(directory)))


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Serve web/ (the page and the chat widget).")
    parser.add_argument("--host", default=os.environ.get("MILA_WEB_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("MILA_WEB_PORT", DEFAULT_PORT))
    )
    socket = parser.add_mutually_exclusive_group()
    socket.add_argument("--socket-url", help="the Rasa server's URL as the browser reaches it")
    socket.add_argument(
        "--socket-port",
        type=int,
        default=int(os.environ.get("RASA_PORT", DEFAULT_SOCKET_PORT)),
        help="the Rasa server's port on the page's own host (default: $RASA_PORT or 5005)",
    )
    args = parser.parse_args(argv)
    if not (WEB / "vendor" / "webchat.js").exists():
        print("warning: web/vendor/webchat.js is missing: run `make web-assets`", file=sys.stderr)
    server = make_server(args.host, args.port, args.socket_url, args.socket_port)
    print(f"Serving {WEB} on http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
