.PHONY: run dev test lint
run:  ## set up and run web (gunicorn, DEBUG off, local mode) + workers (default and live queues) on http://127.0.0.1:8000
	scripts/run.sh
dev:  ## the same setup, with the auto-reloading development server (DEBUG on)
	scripts/dev.sh
test:  ## set up and run the whole test suite
	scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
