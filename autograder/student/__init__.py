"""The student's room: the loop a student runs on their own file.

    check    the visible tests, then the points so far and the hidden tests that exist
    watch    check again every time the file is saved
    hint     the next hint, with where the lesson says it
    status   every assignment: best visible score, last check, hints read
    reset    the file back to the stub, the old one kept
    submit   the file(s) in a zip, ready to upload, checked first

Built on the grading core (the `autograder` package itself); never imports the
instructor's room, which the student release leaves out.
"""

# command -> (module in this room, one line of help); each module's main(argv) parses
# its own options.
COMMANDS = {
    "check": ("check", "run the visible tests only (fast feedback)"),
    "watch": ("watch", "run the visible tests again every time the student's file is saved"),
    "hint": ("hints", "the next hint of an assignment (one more each time)"),
    "status": ("status", "every assignment: best visible score, last check, hints"),
    "reset": ("reset", "the student's file back to the stub (old one kept)"),
    "submit": ("package", "the student's file(s) in a zip, ready to upload, checked first"),
}
