# Targets for the staff part (included by the Makefile). test-staff is part of `make test`.
.PHONY: test-staff
test-staff: ## Tests of the staff part
	@echo "test-staff: nothing yet"
