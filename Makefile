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

# TQDM_DISABLE: training progress bars are for people running cells, not for the rendered page.
# OMP_NUM_THREADS=1: the chapters' small networks run as fast on one thread, and processes that
# share the cores then do not slow each other down tenfold.
export OMP_NUM_THREADS ?= 1

book: setup
	TQDM_DISABLE=1 $(VENV)/bin/jupyter-book build . --warningiserror --keep-going
	@echo "Open _build/html/index.html"

# ganlib's unit tests, the notebooks' house rules, the rendered book in a browser (tests/), and
# every chapter executed by nbval, each cell within 300 s.
test: setup lint
	TQDM_DISABLE=1 $(PY) -m pytest -q tests chapters --nbval-lax --nbval-current-env \
		--nbval-cell-timeout=300

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) bench/loop_overhead.py
	$(PY) bench/ring_targets.py
	$(PY) bench/chapter_times.py

clean:
	rm -rf _build .pytest_cache runs bench/out
