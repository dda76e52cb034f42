.PHONY: run test lint
run:  ## set up and run web + worker on http://127.0.0.1:8000
	scripts/run.sh
test:  ## set up and run the whole test suite
	scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
