# The single entry point: people and CI type the same targets. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/mila.tar.gz

# No network at run or test time: Rasa must not try to send telemetry.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Rasa 3.6 and its dependencies print pages of deprecation warnings that say nothing to a user.
export PYTHONWARNINGS := ignore::DeprecationWarning
# Defaults of the embedded profile (endpoints.yml reads them); set them in the environment for
# the production profile (docs/production.md).
export TRACKER_STORE_URL ?= sqlite:///rasa.db

KNOWLEDGE := $(shell find knowledge -name '*.yml' 2>/dev/null)
GENERATED := domain/faq.generated.yml data/rules/faq.generated.yml data/nlu/lookups.generated.yml
TRAINING_INPUTS := config.yml $(sort $(wildcard domain/*.yml) $(shell find data -name '*.yml' 2>/dev/null) $(GENERATED))

.PHONY: help install install-dev generate check-generated train run shell test lint validate unit stories e2e benchmark clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt constraints.txt
	@scripts/bootstrap-venv.sh "$(PYTHON_VERSION)" "$(VENV)" requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

install: $(VENV)/.installed ## Create the venv and install the pinned runtime

install-dev: $(VENV)/.installed-dev ## Also install the test and benchmark tools

generate: $(VENV)/.installed ## Regenerate the Rasa files derived from knowledge/
	@$(PY) -m scripts.generate

check-generated: $(VENV)/.installed ## Fail if the generated files are out of date with knowledge/
	@$(PY) -m scripts.generate --check

# The files derived from knowledge/ (rewritten only when their content changes).
$(GENERATED) &: $(KNOWLEDGE) scripts/generate.py | $(VENV)/.installed
	@$(PY) -m scripts.generate

$(MODEL): $(TRAINING_INPUTS) | $(VENV)/.installed
	@echo "Training the model (data, domain or config changed)..."
	@rm -f models/mila.partial.tar.gz
	@$(RASA) train --domain domain --data data --config config.yml --out models \
		--fixed-model-name mila.partial --quiet
	@# Rasa skips training when its own fingerprint says nothing changed.
	@if [ -f models/mila.partial.tar.gz ]; then mv models/mila.partial.tar.gz $@; else touch $@; fi

# An interrupted training must not delete the last good model: train to a side file, then move.
.PRECIOUS: $(MODEL)

train: $(MODEL) ## Train the model, only when data, config or knowledge changed

run: $(MODEL) ## Set up everything and start the assistant (action server, Rasa server)
	@scripts/run.sh

shell: $(MODEL) ## Talk to the assistant in the terminal (rasa shell, action server started)
	@scripts/run.sh --shell

lint: $(VENV)/.installed-dev ## Ruff on the Python code
	@$(VENV)/bin/ruff check actions components scripts tests channels
	@$(VENV)/bin/ruff format --check actions components scripts tests channels

validate: $(VENV)/.installed check-generated check-knowledge ## Rasa data validation (warnings are errors), knowledge and data agree
	@$(RASA) data validate --domain domain --data data --config config.yml --fail-on-warning --quiet

unit: $(VENV)/.installed-dev ## Unit tests: knowledge store, language, every action, the intent classifier
	@$(PY) -m pytest tests/actions tests/components tests/scripts -q

stories: $(MODEL) ## Conversation stories in both languages (rasa test)
	@$(RASA) test core --model $(MODEL) --stories tests/stories --e2e --fail-on-prediction-errors --out results/stories --quiet

e2e: $(MODEL) $(VENV)/.installed-dev ## Start the real servers and ask real questions over REST
	@$(PY) -m pytest tests/e2e -q

test: lint validate unit stories e2e test-web test-channels test-staff test-production ## Everything CI runs

benchmark: $(VENV)/.installed-dev ## Compare pipelines, measure speed; writes docs/benchmarks.md
	@$(PY) -m scripts.benchmark

include mk/web.mk mk/channels.mk mk/staff.mk mk/production.mk

clean: ## Remove models, results and caches (keeps the venv)
	rm -rf models results .pytest_cache .ruff_cache benchmark/out
