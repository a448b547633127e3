"""The name the nbgrader course is reached by: the notebooks' first test cell imports
`autograder.instructor.nbgrader_course.NotebookGrader` (courses built before the split
too), and the instructor room's command table runs this module's main. The code is in
autograder/instructor/nbgrader/ (build.py, notebook.py, run.py)."""
import sys

from .nbgrader import main
from .nbgrader.run import NotebookGrader, TestFailed

__all__ = ["NotebookGrader", "TestFailed", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
