"""`python -m autograder.instructor.compare N PATH`: the same as `python -m autograder compare`."""
import sys

from . import main

sys.exit(main())
