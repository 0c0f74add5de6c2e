# The few commands the README names. Everything runs from a local virtualenv in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
QUESTION ?= Who founded DeepSeek, and what did the chip restrictions push it to do?

TESTBED ?= $(HOME)/.cache/assistant-testbed
LLAMA_CPP ?= llama-cpp-python==0.3.36

.PHONY: setup demo test test-sets test-install test-llm eval-llm lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

demo: setup  ## build the index of the bundled corpus and answer a question
	$(BIN)/assistant reindex
	$(BIN)/assistant ask "$(QUESTION)"

# two workers (pytest-xdist): 4 min on 2 cores instead of 5.7; up to 4 on bigger machines
test: setup  ## the test suite (what CI runs)
	$(BIN)/pytest -q --numprocesses=auto --maxprocesses=4

test-sets: setup  ## the gold-set floors `make test` leaves out (eval/all_sets.py scores them all)
	$(BIN)/pytest -q -m sets tests/test_gold_sets.py

test-install: setup  ## installed as a wheel, by `pip install .` and by pipx (one of them is in `test`)
	$(BIN)/pytest -q -m install tests/test_install.py

# llama-cpp-python, built once (3-10 min) portably, without native or AMX code (AMX segfaults),
# and kept in $(TESTBED)/wheels/<version>/<variant>/: see tests/realmodel/build.py
$(BIN)/.llama-cpp: $(BIN)/.installed tests/realmodel/build.py
	wheels=$$($(BIN)/python -m tests.realmodel.build --cache $(TESTBED) --package '$(LLAMA_CPP)') && \
		$(BIN)/pip install --quiet --force-reinstall --no-deps $$wheels/llama_cpp_python-*.whl
	$(BIN)/pip install --quiet -e '.[dev,testbed]'
	$(BIN)/python -m tests.realmodel.build --check
	$(BIN)/python -m tests.realmodel.models --cache $(TESTBED)
	touch $@

test-llm: $(BIN)/.llama-cpp  ## real models behind Ollama's API: tests, then the eval of both gold sets
	$(BIN)/pytest -q -m realmodel tests/realmodel
	$(BIN)/python -m tests.realmodel.run_eval --cache $(TESTBED) $(EVAL_ARGS)

lint: setup
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/ruff format --check assistant tests benchmarks
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/documents.py
	$(BIN)/python benchmarks/formats.py

clean:  ## the virtualenv, build leftovers and the default index (index/.gitkeep stays)
	rm -rf $(VENV) build dist *.egg-info
	rm -rf index/manifest.json index/.manifest.json.* index/chunks-*.sqlite3 index/stores \
		index/.lock index/damaged index/.damaged.* index/extracted
