# The two commands of the README:  make book  and  make test.
# Each sets up .venv from requirements.txt on first use (and again when it changes).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup book test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

book: setup
	$(VENV)/bin/jupyter-book build . --warningiserror --keep-going
	@echo "Open _build/html/index.html"

test: setup lint
	$(PY) -m pytest -q tests

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) bench/loop_overhead.py

clean:
	rm -rf _build .pytest_cache runs bench/out
