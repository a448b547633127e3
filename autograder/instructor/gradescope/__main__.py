"""`python -m autograder.instructor.gradescope ...` is `python -m autograder gradescope ...`."""
import sys

from . import main

sys.exit(main())
