# Targets for the production part (included by the Makefile). test-production is part of `make test`.
.PHONY: test-production
test-production: ## Tests of the production part
	@echo "test-production: nothing yet"
