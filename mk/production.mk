# Targets for the production part (included by the Makefile). test-production is part of `make test`.
# docs/production.md explains the profiles, the cluster, deploy/, the load test and privacy.
TOOLS_VENV := .cache/tools-venv
LOAD_CONVERSATIONS ?= 200
LOAD_FAULT_CONVERSATIONS ?= 40
RETENTION_DAYS ?= 90

.PHONY: test-production tools services cluster-setup cluster cluster-start cluster-stop loadtest \
	privacy-export privacy-delete privacy-purge

$(TOOLS_VENV)/.installed: deploy/tools-requirements.txt | $(VENV)/.installed
	@rm -rf $(TOOLS_VENV)
	@$(PY) -m venv $(TOOLS_VENV)
	@$(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check -r deploy/tools-requirements.txt \
		> .cache/tools-install.log 2>&1 || { cat .cache/tools-install.log; exit 1; }
	@touch $@

tools: $(TOOLS_VENV)/.installed ## Deploy validators and py-spy, in their own venv

services: ## Start PostgreSQL and Redis on 127.0.0.1 if stopped; create the `rasa` database
	@scripts/start-services.sh

cluster-setup: ## Install nginx (Debian package) if it is missing
	@scripts/cluster-setup.sh

test-production: $(MODEL) $(VENV)/.installed-dev $(TOOLS_VENV)/.installed services cluster-setup ## Tests of the production part
	@$(VENV)/bin/ruff check production
	@$(VENV)/bin/ruff format --check production
	@$(PY) -m pytest tests/production -q

cluster: $(MODEL) services cluster-setup ## Two Rasa and two action servers behind nginx (port 8080), PostgreSQL, Redis
	@deploy/local/cluster.sh up

cluster-start: $(MODEL) services cluster-setup ## The same cluster, in the background
	@deploy/local/cluster.sh start

cluster-stop: ## Stop the background cluster
	@deploy/local/cluster.sh stop

loadtest: $(MODEL) $(VENV)/.installed-dev $(TOOLS_VENV)/.installed services cluster-setup ## Load and fault test of the cluster; LOAD_CONVERSATIONS=200
	@mkdir -p results
	@$(PY) -m scripts.loadtest --conversations $(LOAD_CONVERSATIONS) \
		--fault-conversations $(LOAD_FAULT_CONVERSATIONS) --all-faults --profile \
		--report results/loadtest.md

privacy-export: $(VENV)/.installed ## Print one conversation as JSON: SENDER=id [OUT=file]
	@test -n "$(SENDER)" || { echo "usage: make privacy-export SENDER=<sender id> [OUT=file]" >&2; exit 2; }
	@$(PY) -m scripts.privacy export "$(SENDER)" $(if $(OUT),--out "$(OUT)")

privacy-delete: $(VENV)/.installed ## Delete one conversation: SENDER=id
	@test -n "$(SENDER)" || { echo "usage: make privacy-delete SENDER=<sender id>" >&2; exit 2; }
	@$(PY) -m scripts.privacy delete "$(SENDER)"

privacy-purge: $(VENV)/.installed ## Delete conversations idle for more than RETENTION_DAYS (90)
	@$(PY) -m scripts.privacy purge --days $(RETENTION_DAYS)
