# Staff tools (included by the Makefile): the conversation report, the review of unanswered
# questions, the knowledge check. test-staff is part of `make test`.
# Tunables (defaults in scripts/staff.yml): make check-knowledge MIN_EXAMPLES=20 STALE_AFTER_DAYS=180
MIN_EXAMPLES ?=
STALE_AFTER_DAYS ?=
STAFF_AGE_ARG = $(if $(STALE_AFTER_DAYS),--stale-after-days $(STALE_AFTER_DAYS))

.PHONY: report review check-knowledge test-staff

report: $(VENV)/.installed ## HTML report of the conversations (TRACKER_STORE_URL): reports/report.html
	@$(PY) -m scripts.report --out reports/report.html $(STAFF_AGE_ARG)

review: $(VENV)/.installed ## Walk through the unanswered questions and add them to the training data
	@$(PY) -m scripts.review

check-knowledge: $(VENV)/.installed ## Knowledge and training data agree (examples, synonyms, placeholders, dates)
	@$(PY) -m scripts.check_knowledge $(if $(MIN_EXAMPLES),--min-examples $(MIN_EXAMPLES)) $(STAFF_AGE_ARG)

# MILA_STAFF_SERVERS=1 lets tests/scripts start the real servers (`make unit` skips those);
# MILA_MODEL picks another model than $(MODEL) for them.
test-staff: $(MODEL) $(VENV)/.installed-dev ## Tests of the staff part (report, review, knowledge check, feedback)
	@$(PY) -m scripts.check_knowledge
	@MILA_STAFF_SERVERS=1 $(PY) -m pytest tests/scripts tests/actions/test_feedback.py -q
