# The two commands of the README:  make book  and  make test.
# Each sets up .venv from requirements.txt on first use (and again when it changes).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup book book-without-solutions test lint bench clean colab colab-check assignments

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

# The book, then its Colab edition with the book's outputs (_build/colab), which also replaces
# each chapter page's .ipynb download (the MyST source would show raw directives in Jupyter).
book: setup
	TQDM_DISABLE=1 $(VENV)/bin/jupyter-book build . --warningiserror --keep-going
	$(PY) tools/colab_edition.py --outputs-from _build/jupyter_execute
	$(PY) tools/colab_edition.py --outputs-from _build/jupyter_execute --out _build/html/_sources
	@echo "Open _build/html/index.html"

# The instructors' build to hand to students: every solution removed (_build/without-solutions).
# It shares the book's execution cache, so after `make book` it executes nothing again.
book-without-solutions: setup
	mkdir -p _build
	$(PY) -c "import yaml, os; c = yaml.safe_load(open('_config.yml')); \
	  c['sphinx']['config']['hide_solutions'] = True; \
	  c['execute']['cache'] = os.path.abspath(c['execute']['cache']); \
	  e = c['sphinx']['local_extensions']; \
	  c['sphinx']['local_extensions'] = {k: os.path.abspath(v) for k, v in e.items()}; \
	  yaml.safe_dump(c, open('_build/config-without-solutions.yml', 'w'))"
	TQDM_DISABLE=1 $(VENV)/bin/jupyter-book build . --config _build/config-without-solutions.yml \
		--path-output _build/without-solutions --warningiserror --keep-going
	@echo "Open _build/without-solutions/_build/html/index.html"

# The Colab edition alone, without outputs: _build/colab/chapters/*.ipynb.
colab: setup
	$(PY) tools/colab_edition.py

# Every chapter's and every assignment's Colab edition run as a student would: ganlib from a
# wheel, another torch, a folder outside the repository; each assignment unsolved (its checks
# fail, nothing raises) and solved (its checks pass), after its setup cell installs
# otter-grader (minutes: it installs a fresh environment).
colab-check: setup
	COLAB_CHAPTERS=all COLAB_ASSIGNMENTS=all $(PY) -m pytest -q -s tests/test_colab.py \
		-k fresh_environment

# The graded assignments: for each assignments/NN_name.ipynb (otter-grader's format, solutions and
# hidden tests in one notebook), otter assign writes _build/assignments/NN_name/student/ (to hand
# out), autograder/ (the solution and the autograder zip for `otter run`; keep it private) and
# checks that the solution passes its own tests; then each one's Colab edition goes to
# _build/assignments/NN_name/colab/. book/instructors.md says how to grade.
assignments: setup
	rm -rf _build/assignments
	for nb in assignments/*.ipynb; do \
	  $(VENV)/bin/otter assign $$nb _build/assignments/$$(basename $$nb .ipynb) || exit 1; \
	done
	$(PY) tools/colab_edition.py --assignments

# ganlib's unit tests, the notebooks' house rules, the rendered book in a browser (tests/), and
# every chapter executed by nbval, each cell within 300 s.
test: setup lint
	TQDM_DISABLE=1 $(PY) -m pytest -q -n 2 --dist loadfile tests chapters --nbval-lax \
		--nbval-current-env --nbval-cell-timeout=300

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) bench/loop_overhead.py
	$(PY) bench/ring_targets.py
	$(PY) bench/chapter_times.py
	$(PY) bench/ensemble.py

clean:
	rm -rf _build .pytest_cache runs bench/out
