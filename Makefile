# Two commands on a fresh clone: `make run` (the bot; the local console without Slack
# credentials) and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run console test test-postgres lint bench lock clean

# The locked versions (requirements-dev.txt: requirements.txt plus the test tools), every file
# checked against its hash, then the project itself. The lock already satisfies it; should a
# dependency be added to pyproject.toml without `make lock`, pip fetches just that one (and
# tests/test_packaging.py says the lock is behind).
$(BIN)/.installed: pyproject.toml requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
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

# Bugs, not style (ruff), and types against a baseline that only shrinks (mypy).
lint: install
	$(BIN)/ruff check .
	$(BIN)/python .ci/mypy_baseline.py

bench: install
	$(BIN)/python -m bench

# After a change to the dependencies in pyproject.toml: recompile both locks (uv resolves for
# every platform and Python >= 3.11; the hosts and CI run the version in .python-version).
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" --quiet
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(UV_COMPILE) -o requirements.txt
	$(UV_COMPILE) --extra dev -c requirements.txt -o requirements-dev.txt

clean:
	rm -rf $(VENV) build *.egg-info
