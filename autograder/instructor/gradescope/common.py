"""What the zip's build and its run inside Gradescope agree on: the layout under the
root, the virtualenv's name (setup.sh makes it, run_autograder uses it), and the CPU
setting an instructor raises for process-pool speedups."""
from __future__ import annotations

ROOT_ENV = "CK_GRADESCOPE_ROOT"       # moves <root>/source, submission, results (kit tests)
DEFAULT_ROOT = "/autograder"
VENV = "ck-venv"                      # <root>/ck-venv: setup.sh's virtualenv

# A process pool of 2 workers needs 2 CPUs to show its speedup.
CPUS_FOR_SPEEDUP = 2.0
SETTING = ('open the assignment\'s Settings page and, under "Autograder Settings", raise '
           'the CPU allocation to 2 or more (Gradescope\'s default is 1/2 vCPU)')
