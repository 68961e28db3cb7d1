"""Copy the widget's bundle from node_modules/ into web/vendor/, patched to work offline.

rasa-webchat 1.0.1's `lib/index.js` is one self-contained UMD bundle (React included) whose CSS,
injected at run time, starts each stylesheet with an @import of a web font from the internet.
Offline, or behind a strict Content-Security-Policy, that request fails or hangs; the copy served
from web/vendor/ has the @import removed and the font set to `inherit`, so the widget uses the
page's system fonts. Run by `make web-assets`; fails loudly if the bundle is not the one expected.

    python -m scripts.web_vendor [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "node_modules" / "rasa-webchat"
TARGET = ROOT / "web" / "vendor" / "webchat.js"
VERSION = "1.0.1"

FONT_IMPORT = "@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);"
FONT_FAMILY = "font-family:Inter,sans-serif"
# Anything that would still make the browser fetch a stylesheet or a font from another site.
REMOTE_CSS = re.compile(r"@import\s+url\(\s*['\"]?https?:|fonts\.(googleapis|gstatic)\.com")


def patch(bundle: str) -> str:
    """The bundle with its remote font import removed and its font inherited from the page."""
    if FONT_IMPORT not in bundle or FONT_FAMILY not in bundle:
        raise ValueError("the bundle does not contain the expected font rules: is it 1.0.1?")
    patched = bundle.replace(FONT_IMPORT, "").replace(FONT_FAMILY, "font-family:inherit")
    leftover = REMOTE_CSS.search(patched)
    if leftover:
        raise ValueError(f"the patched bundle still loads a remote resource: {leftover.group(0)}")
    return patched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the copy is current")
    args = parser.parse_args(argv)
    manifest = PACKAGE / "package.json"
    if not manifest.exists():
        print(f"error: {manifest} is missing: run `make web-assets` (npm ci)", file=sys.stderr)
        return 1
    version = json.loads(manifest.read_text())["version"]
    if version != VERSION:
        print(f"error: rasa-webchat {version} installed, {VERSION} expected", file=sys.stderr)
        return 1
    try:
        patched = patch((PACKAGE / "lib" / "index.js").read_text(encoding="utf-8"))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.check:
        current = TARGET.exists() and TARGET.read_text(encoding="utf-8") == patched
        print(f"{TARGET.relative_to(ROOT)} is {'current' if current else 'out of date'}")
        return 0 if current else 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(patched, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} (rasa-webchat {version}, web font removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
