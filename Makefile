# concurrency-kit: every target installs what it needs on first use (.venv via `setup`).
#
# For students:
#   make check ASSIGNMENT=1 [SUBMISSION=path]   the visible tests: points so far, hidden tests
#              [STUDENT_PYTHON=/usr/bin/python3.13]   your code under another Python (3.10+)
#   make watch ASSIGNMENT=1                     check again every time your file is saved
#   make hint ASSIGNMENT=1 [HINT=k]             the next hint (or hint k again)
#   make status                                 every assignment: best visible score, hints
#   make reset ASSIGNMENT=1                     your file back to the stub (old one kept)
#   make submit ASSIGNMENT=1 [OUT=dir]          your file in a zip to upload, checked first
#   make list                                   the assignments
#   make sandbox                                what the tests run in on this machine
# >>> instructor (release.py leaves these lines out of the student release)
#
# For instructors and teaching assistants:
#   make grade ASSIGNMENT=1 [SUBMISSION=path]   grade (visible + hidden tests)
#   make grade ASSIGNMENT=1 SUBMISSIONS=path [OUT=dir]
#                                               grade a whole LMS download (folder or .zip)
#   make compare ASSIGNMENT=1 SUBMISSION=path [HTML=file]
#                                               a submission beside the reference (for TAs)
#   make push LMS=canvas OUT=dir URL=https://... COURSE=c LMS_ASSIGNMENT=a [DRY_RUN=1]
#   make push LMS=moodle OUT=dir URL=https://... LMS_ASSIGNMENT=id [DRY_RUN=1]
#                                               a batch's grades and feedback into the LMS
#                                               (token: CANVAS_TOKEN / MOODLE_TOKEN)
#   make gradescope ASSIGNMENT=1 [OUT=dir]      the Gradescope autograder zip
#   make nbgrader [OUT=dir]                     an nbgrader course of every assignment
#   make student-release [OUT=dir] [GIT=1]      what students get: a folder and a zip (GIT=1:
#                                               also a git repo, a GitHub Classroom template)
#   make test                                   the kit's own test suite (CI runs this)
#   make test-fast                              dev check and the engine's unit tests (~80 s)
#   make dev-check                              every assignment against its files (seconds)
#   make lint                                   ruff: style and complexity limits (pyproject)
#   make bench                                  how fast grading is (not a test)
#   make bench-batch                            how fast a batch of 30 is (not a test)
#   make bench-check                            how long make check takes, split or not
#   make stability [RUNS=20]                    verdicts stable with one core busy? (not a test)
#   make bench-hostile [N=100]                  a batch of N hostile and ordinary submissions
#   make bench-pythons                          every reference under Python 3.13 and 3.14
# <<< instructor

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ASSIGNMENT ?= 1
SUBMISSION ?=
SUBMISSIONS ?=
RESULTS ?=
OUT ?=
HTML ?=
HINT ?=
STUDENT_PYTHON ?=
PYTEST_ARGS ?=

# The variables a command line may set (the instructor block adds its own). Any other
# (a typo: `make check ASSIGMENT=2`) stops make before it runs anything, instead of
# being ignored while assignment 1 is checked.
KNOWN_VARIABLES := PYTHON ASSIGNMENT SUBMISSION HINT STUDENT_PYTHON OUT

.PHONY: setup sandbox-tools sandbox check watch hint status reset submit list clean

setup: $(VENV)/.installed

# A .venv without pip (python3 -m venv on a machine without python3-venv leaves one) is
# made again; a Python that cannot make one is named, with the package it lacks.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "concurrency-kit needs Python 3.10 or newer (found $$($(PYTHON) --version))"; exit 1; }
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
		echo "$(VENV) has no pip (an earlier setup failed): making it again"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || { \
		echo "setting up $(VENV) (first run only, about 15 s): pytest, pytest-timeout," \
		     "pytest-xdist, requests-mock, psutil"; \
		$(PYTHON) -m venv $(VENV) >$(VENV).log 2>&1 && $(BIN)/python -m pip --version >/dev/null 2>&1 || { \
			cat $(VENV).log; rm -rf $(VENV) $(VENV).log; \
			echo "error: '$(PYTHON) -m venv' cannot make a virtual environment with pip here."; \
			echo "On Debian or Ubuntu: sudo apt install python3-venv (or python3.X-venv for" \
			     "your Python), then run make again."; exit 1; }; \
		rm -f $(VENV).log; }
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@$(MAKE) --no-print-directory sandbox-tools
	@touch $@

# bubblewrap gives gradings their file-system, PID and network namespaces (README,
# "Untrusted submissions"). Installed when we may (root with apt-get); otherwise grading
# runs with the layers this machine has, and says which (`make sandbox`).
sandbox-tools:
	@command -v bwrap >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing bubblewrap (the grading sandbox)"; \
			apt-get install -y -q bubblewrap >/dev/null 2>&1 || \
			{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q bubblewrap >/dev/null 2>&1; } || \
			echo "note: could not install bubblewrap; see 'make sandbox' for what gradings run in"; \
		else \
			echo "note: bubblewrap is not installed (needs root: apt-get install bubblewrap);" \
			     "see 'make sandbox' for what gradings run in"; \
		fi; }

sandbox: setup
	@$(BIN)/python -m autograder sandbox

check: setup
	@$(BIN)/python -m autograder check $(ASSIGNMENT) $(SUBMISSION) $(if $(STUDENT_PYTHON),--python $(STUDENT_PYTHON))

watch: setup
	@$(BIN)/python -m autograder watch $(ASSIGNMENT) $(SUBMISSION)

hint: setup
	@$(BIN)/python -m autograder hint $(ASSIGNMENT) $(if $(HINT),--number $(HINT))

status: setup
	@$(BIN)/python -m autograder status

reset: setup
	@$(BIN)/python -m autograder reset $(ASSIGNMENT)

submit: setup
	@$(BIN)/python -m autograder submit $(ASSIGNMENT) $(if $(OUT),--out $(OUT))

list: setup
	@$(BIN)/python -m autograder list

clean:
	rm -rf $(VENV) .pytest_cache build dist grades *.egg-info

# >>> instructor (release.py leaves everything from here to the closing mark out of the
# student release: grading with hidden tests, LMS exports, the kit's own tests)
.PHONY: setup-nbgrader setup-lint setup-lms push grade compare gradescope nbgrader student-release test test-fast dev-check lint bench bench-batch bench-check bench-hostile bench-pythons stability

# nbgrader (and the Jupyter stack it brings) only for `make nbgrader` and the kit's tests.
setup-nbgrader: $(VENV)/.installed-nbgrader

$(VENV)/.installed-nbgrader: $(VENV)/.installed
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[nbgrader]'
	@touch $@

# canvasapi (Canvas's Python client) for `make push`; PyYAML for the kit's tests.
setup-lms: $(VENV)/.installed-lms

$(VENV)/.installed-lms: $(VENV)/.installed
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[lms]'
	@touch $@

LMS ?=
URL ?=
COURSE ?=
LMS_ASSIGNMENT ?=
DRY_RUN ?=
push: setup-lms
	@$(BIN)/python -m autograder push $(LMS) $(OUT) --url '$(URL)' $(if $(COURSE),--course $(COURSE)) --assignment '$(LMS_ASSIGNMENT)' $(if $(DRY_RUN),--dry-run)

grade: setup
ifneq ($(strip $(SUBMISSIONS)),)
	@$(BIN)/python -m autograder batch $(ASSIGNMENT) $(SUBMISSIONS) --out $(or $(OUT),grades/assignment-$(ASSIGNMENT)) $(if $(STUDENT_PYTHON),--python $(STUDENT_PYTHON))
else
	@$(BIN)/python -m autograder grade $(ASSIGNMENT) $(SUBMISSION) $(if $(RESULTS),--results $(RESULTS)) $(if $(STUDENT_PYTHON),--python $(STUDENT_PYTHON))
endif

compare: setup
	@$(BIN)/python -m autograder compare $(ASSIGNMENT) $(SUBMISSION) $(if $(HTML),--html $(HTML))

gradescope: setup
	@$(BIN)/python -m autograder gradescope $(ASSIGNMENT) --out $(or $(OUT),dist)

nbgrader: setup-nbgrader
	@$(BIN)/python -m autograder nbgrader --out $(or $(OUT),build/nbgrader)

GIT ?=
student-release: setup
	@$(BIN)/python -m autograder student-release --out $(or $(OUT),dist) $(if $(GIT),--git)

# Everything in parallel (pytest-xdist): the kit's tests grade whole submissions, and the
# machine lock (autograder/machine_lock.py) still runs their timed tests one at a time.
# loadgroup keeps tests that share an expensive fixture (a batch) on one worker.
test: setup setup-nbgrader setup-lms dev-check
	$(BIN)/python -m pytest tests/engine -n 2 $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/test_kit.py tests/test_designs.py tests/flows -n 2 --dist loadgroup $(PYTEST_ARGS)

# dev check and the engine's unit tests (about 80 s): the loop while changing autograder/.
test-fast: setup setup-lms dev-check
	$(BIN)/python -m pytest tests/engine -n 2 $(PYTEST_ARGS)

# Every manifest entry against its folders, without grading (CONTRIBUTING.md).
dev-check: setup
	@$(BIN)/python -m autograder dev check

# ruff (configured in pyproject.toml), installed on first use.
setup-lint: $(VENV)/.installed-lint

$(VENV)/.installed-lint: $(VENV)/.installed
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[lint]'
	@touch $@

lint: setup-lint
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/grading_speed.py

bench-batch: setup
	$(BIN)/python bench/batch_speed.py

bench-check: setup
	@$(BIN)/python bench/check_speed.py --runs $(or $(RUNS),2) $(if $(ASSIGNMENT),--assignments $(ASSIGNMENT))

bench-hostile: setup
	@$(BIN)/python bench/hostile_batch.py --n $(or $(N),100)

bench-pythons: setup
	sh bench/other_pythons.sh 1

RUNS ?= 20
stability: setup
	$(BIN)/python bench/stability.py --runs $(RUNS) $(if $(ASSIGNMENT),--assignments $(ASSIGNMENT))

KNOWN_VARIABLES += SUBMISSIONS RESULTS HTML PYTEST_ARGS RUNS N LMS URL COURSE LMS_ASSIGNMENT DRY_RUN GIT
# <<< instructor

# Only the make a person typed checks: one started by another make's recipe (MAKELEVEL
# above 0) inherits that make's variables through MAKEFLAGS, known here or not.
unknown_variables := $(if $(filter 0,$(MAKELEVEL)),$(filter-out $(KNOWN_VARIABLES),$(foreach \
	v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v)))))
ifneq ($(unknown_variables),)
$(error unknown variable $(unknown_variables): nothing was run.$(shell $(PYTHON) -c \
	'import difflib, sys; known = sys.argv[2:]; m = [f"{u}: did you mean {difflib.get_close_matches(u, known, 1, 0.6)[0]}?" for u in sys.argv[1].split() if difflib.get_close_matches(u, known, 1, 0.6)]; print(" " + "; ".join(m) if m else "")' \
	'$(unknown_variables)' $(KNOWN_VARIABLES) 2>/dev/null) Variables make knows: \
	$(sort $(KNOWN_VARIABLES)))
endif
