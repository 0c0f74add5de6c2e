# The few commands the README names. Everything runs from a local virtualenv in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
QUESTION ?= Who founded DeepSeek, and what did the chip restrictions push it to do?

.PHONY: setup demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

demo: setup  ## build the index of the bundled corpus and answer a question
	$(BIN)/assistant reindex
	$(BIN)/assistant ask "$(QUESTION)"

test: setup  ## the test suite (what CI runs)
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/ruff format --check assistant tests benchmarks
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run.py

clean:  ## the virtualenv, build leftovers and the default index (index/.gitkeep stays)
	rm -rf $(VENV) build dist *.egg-info
	rm -rf index/manifest.json index/.manifest.json.* index/chunks-*.sqlite3 index/stores \
		index/.lock index/damaged index/.damaged.*
