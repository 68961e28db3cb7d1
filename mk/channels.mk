# Targets for the channels part (included by the Makefile). test-channels is part of `make test`.
# Slack and Telegram run against local fakes of their APIs (tests/fakes/): no network, no secret.
.PHONY: test-channels
test-channels: $(MODEL) $(VENV)/.installed-dev ## Slack and Telegram end to end, against local fakes of their APIs
	@$(PY) -m pytest tests/channels -q
