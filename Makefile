# `make run` starts ticketd on SQLite; `make test` runs the whole suite; `make test-fast`
# leaves out the tests marked slow (subprocesses, several server processes).
# Both create .venv and install the pinned dependencies on first use, and run the tests
# in one process per core (pytest-xdist; PYTEST_WORKERS=0 runs them in this process).
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= auto
PYTEST := $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip==26.3
	$(VENV)/bin/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

.PHONY: install run test test-fast lint
install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ticketd serve

lint: $(STAMP)
	$(VENV)/bin/ruff check ticketd tests bench
	$(VENV)/bin/ruff format --check ticketd tests bench
	$(VENV)/bin/mypy

test: lint
	$(PYTEST)

test-fast: lint
	$(PYTEST) -m "not slow"
