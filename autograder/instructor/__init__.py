"""The instructor's room: grading with the hidden tests, whole classes, the LMS, and what
the kit builds for others. The student release leaves this folder out whole.

    grade             every test of one submission, visible and hidden
    batch             a whole LMS download: grades.csv, LMS exports, per-student feedback
    merge             the parts of a batch graded in shards (batch --shard K/M), as one
    slurm             those shards as a Slurm job array on whole nodes, and their merge
    push              a batch's grades and feedback into Canvas or Moodle, by their API
    compare           a submission beside the reference, for teaching assistants
    gradescope        the Gradescope autograder zip of an assignment
    nbgrader          an nbgrader course of the kit
    student-release   what students get: stubs, visible tests, hints, the engine
    dev               the kit's own checks (`dev check`: every assignment against its files)

Built on the grading core and on the student's room (the release writes what `check`
reads); the core never imports this room.
"""

COMMANDS = {
    "grade": ("grade", "run every graded test (visible and hidden)"),
    "batch": ("batch", "grade every submission of an LMS download, write grades and exports"),
    "slurm": ("cluster", "grade a download on a Slurm cluster: shards on whole nodes, then merge"),
    "merge": ("merge", "put the parts of a sharded batch (batch --shard K/M) together"),
    "push": ("push", "send a batch's grades and feedback to Canvas or Moodle, by their API"),
    "compare": ("compare", "grade a submission and the reference side by side (for TAs)"),
    "gradescope": ("gradescope", "build the Gradescope autograder zip of an assignment"),
    "nbgrader": ("nbgrader.build", "build an nbgrader course from the kit"),
    "student-release": ("release", "build what students get: stubs, visible tests, hints, engine"),
    "dev": ("devcheck", "the kit's own checks: `dev check` (every assignment against its files)"),
}
