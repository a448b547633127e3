"""The kit as an nbgrader course: built on the instructor's machine, run in the notebooks.

    build.py      build time: `python -m autograder nbgrader --out DIR`, the course folder
                  (nbgrader_config.py, README.md, source/<name>/: notebook and hints)
    notebook.py   build time: one assignment's source notebook, the cells nbgrader reads
    run.py        run time: NotebookGrader, what the notebooks' test cells call

A notebook's answer cell writes the student's file with `%%writefile`; its test cells
grade that file with the kit's engine, one cell per graded test, worth its points, so
nbgrader's total is the score `make grade` gives the same code.

The notebooks import the grader as `autograder.instructor.nbgrader_course.NotebookGrader`
(nbgrader_course.py, beside this package, keeps that name for them).
"""
from .build import COURSE_ID, main, write_course
from .notebook import BuildError, answer_source, build_notebook, notebook_name, released_answer
from .run import NotebookGrader, TestFailed

__all__ = ["COURSE_ID", "BuildError", "NotebookGrader", "TestFailed", "answer_source",
           "build_notebook", "main", "notebook_name", "released_answer", "write_course"]
