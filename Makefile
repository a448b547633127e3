# concurrency-kit: every target installs what it needs on first use (.venv via `setup`).
#
#   make grade ASSIGNMENT=1 [SUBMISSION=path]   grade (visible + hidden tests)
#   make check ASSIGNMENT=1 [SUBMISSION=path]   visible tests only: the student's loop
#   make test                                   the kit's own test suite (CI runs this)
#   make bench                                  how fast grading is (not a test)
#   make stability [RUNS=20]                    verdicts stable with one core busy? (not a test)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ASSIGNMENT ?= 1
SUBMISSION ?=
RESULTS ?=
PYTEST_ARGS ?=

.PHONY: setup grade check test list bench stability clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "concurrency-kit needs Python 3.10 or newer (found $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

grade: setup
	@$(BIN)/python -m autograder grade $(ASSIGNMENT) $(SUBMISSION) $(if $(RESULTS),--results $(RESULTS))

check: setup
	@$(BIN)/python -m autograder check $(ASSIGNMENT) $(SUBMISSION)

list: setup
	@$(BIN)/python -m autograder list

# Engine unit tests in parallel (pytest-xdist); the kit tests grade whole submissions
# with timing checks, so they run alone, one grading at a time.
test: setup
	$(BIN)/python -m pytest tests/engine -n 2 $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/test_kit.py $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/grading_speed.py

RUNS ?= 20
stability: setup
	$(BIN)/python bench/stability.py --runs $(RUNS) $(if $(ASSIGNMENT),--assignments $(ASSIGNMENT))

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
