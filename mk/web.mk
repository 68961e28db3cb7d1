# Targets for the web part (included by the Makefile). test-web is part of `make test`.
.PHONY: test-web
test-web: ## Tests of the web part
	@echo "test-web: nothing yet"
