# Two commands on a fresh clone: `make run` (the bot; the local console without Slack
# credentials) and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run console test test-postgres bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/sogabot run

console: install
	$(BIN)/sogabot console --as $(or $(AS),member)

test: install
	$(BIN)/python -m pytest

test-postgres: install
	TEST_DATABASE_URL=$(or $(TEST_DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/test) $(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
