# The website widget (docs/web.md): rasa-webchat from npm, patched to work offline and served
# from web/vendor/ by scripts/web_server.py; Debian's Chromium for the browser tests.
# Included by the Makefile; test-web is part of `make test`.
WEB_VENDOR := web/vendor/webchat.js
NPM_STAMP := node_modules/.package-lock.json

.PHONY: web-assets web-setup test-web

# The bundle is self-contained (React inside), so peer dependencies are not installed; no
# package's install script runs.
$(NPM_STAMP): package.json package-lock.json
	@scripts/web-setup.sh npm
	@npm ci --omit=peer --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_VENDOR): $(NPM_STAMP) scripts/web_vendor.py | $(VENV)/.installed
	@$(PY) -m scripts.web_vendor

web-assets: $(WEB_VENDOR) ## Install the chat widget (npm ci) and its offline copy in web/vendor/

web-setup: web-assets ## Also install Debian's Chromium for the browser tests (as root)
	@scripts/web-setup.sh chromium

# `make run` serves the page too (scripts/run.sh), so it needs the widget.
run: web-assets

test-web: web-setup $(MODEL) $(VENV)/.installed-dev ## Website widget: channel, page server, browser tests
	@$(PY) -m pytest tests/web -q --durations=5
