"""push canvas / push moodle against the stand-in servers (tests/standins), on a batch
output folder made here (the flow test pushes a real batch): what each request carried,
the ledger, resuming, rejection, throttling, dry runs and refusals."""
from __future__ import annotations

import html
import json

import pytest

from autograder.instructor import push
from autograder.instructor.push import deliver, outbox
from autograder.instructor.push.canvas import CanvasTarget
from autograder.instructor.push.ledger import LEDGER, Ledger
from autograder.instructor.push.moodle import MoodleTarget
from autograder.instructor.records import GradeRow, Student
from autograder.instructor.rows import to_json
from standins.canvas import CanvasApp
from standins.http import StandIn
from standins.moodle import MoodleApp

TOKEN = "stand-in-token-123"


def batch_out(tmp_path, students):
    """A batch's --out folder: (id, lms ids, score, status) -> DIR/<id>/row.json + feedback."""
    out = tmp_path / "out"
    for sid, lms, score, status in students:
        where = out / sid
        where.mkdir(parents=True)
        row = GradeRow(Student(sid, sid.replace("_", " "), where, "canvas", lms), status, score,
                       32.0, message="could not read the submission" if status == "error"
                       else f"{score:g} of 32")
        (where / "row.json").write_text(json.dumps(to_json(row, "fp")))
        (where / "feedback.txt").write_text(f"Feedback for {sid}: test_x failed, measured 1.0x\n")
    return out


def run(argv, monkeypatch, capsys, env=None):
    for key in ("CANVAS_TOKEN", "MOODLE_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    code = push.main(argv)
    return code, capsys.readouterr()


def writes(server):
    return [s for s in server.seen if s.method in ("PUT", "POST")]


# ------------------------------------------------------------------------ Canvas

CANVAS_STUDENTS = [("ada_101", {"user_id": "101"}, 28.0, "graded"),
                   ("alan_102", {"user_id": "102"}, 32.0, "graded"),
                   ("grace_103", {"user_id": "103"}, 0.0, "error")]


@pytest.fixture
def canvas(tmp_path):
    app = CanvasApp(token=TOKEN, course=7, assignment=42, points=100.0,
                    users={"101": "Ada", "102": "Alan", "103": "Grace"})
    with StandIn(app) as server:
        yield app, server, batch_out(tmp_path, CANVAS_STUDENTS)


def canvas_argv(server, out, *more):
    return ["canvas", str(out), "--url", server.url, "--course", "7", "--assignment", "42",
            "--backoff", "0.01", *more]


def test_canvas_push_sends_grade_comment_and_feedback_file(canvas, monkeypatch, capsys):
    app, server, out = canvas
    code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert code == 1, said.out          # grace_103 could not be graded: not sent, listed
    ada = app.submissions["101"]
    assert ada["score"] == 87.5          # 28/32 on Canvas's 100 points
    text, file_comment = ada["submission_comments"]
    assert "Feedback for ada_101" in text["comment"] and "87.5/100" in text["comment"]
    assert "(concurrency-kit push " in text["comment"]
    assert file_comment["attachments"][0]["display_name"] == "feedback.txt"
    assert file_comment["attachments"][0]["data"] == (out / "ada_101" / "feedback.txt").read_text()
    assert app.submissions["103"]["score"] is None and not app.submissions["103"]["submission_comments"]
    assert "not sent grace_103: not graded" in said.out
    assert "2 sent to Canvas" in said.out


def test_canvas_requests_carry_exactly_what_canvas_documents(canvas, monkeypatch, capsys):
    app, server, out = canvas
    run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    ada = [(s.method, s.path) for s in server.seen if "/101" in s.path or "/files_api/" in s.path]
    base = "/api/v1/courses/7/assignments/42/submissions/101"
    assert ada[:4] == [("GET", base), ("PUT", base), ("POST", base + "/comments/files"),
                       ("POST", "/files_api/upload/1")]
    assert ada[4] == ("PUT", base)
    get, put, pre, up, attach = [s for s in server.seen
                                 if "/101" in s.path or s.path == "/files_api/upload/1"][:5]
    assert get.query["include[]"] == ["submission_comments"]
    assert put.form["submission[posted_grade]"] == ["87.5"]
    assert set(put.form) == {"submission[posted_grade]", "comment[text_comment]"}
    assert pre.form["name"] == ["feedback.txt"]
    assert int(pre.form["size"][0]) == (out / "ada_101" / "feedback.txt").stat().st_size
    assert "Authorization" not in up.headers          # the doc: no token with the upload
    file_id = app.submissions["101"]["submission_comments"][1]["attachments"][0]["id"]
    assert attach.form == {"comment[file_ids][]": [str(file_id)]}
    for seen in server.seen:                          # the token only ever in the header
        assert TOKEN not in json.dumps([seen.path, seen.query, seen.form])
        if not seen.path.startswith(("/files_api/", "/api/v1/files/")):
            assert seen.headers["Authorization"] == f"Bearer {TOKEN}"


def test_canvas_second_push_sends_nothing_and_a_regrade_is_sent(canvas, monkeypatch, capsys):
    app, server, out = canvas
    run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    before = len(writes(server))
    code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert len(writes(server)) == before, "a second push sent something"
    assert "0 sent to Canvas; 2 unchanged" in said.out
    (out / "alan_102" / "feedback.txt").write_text("regraded: all passed\n")
    run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    sent = {s.path for s in writes(server)[before:] if s.path.startswith("/api")}
    assert sent == {"/api/v1/courses/7/assignments/42/submissions/102",
                    "/api/v1/courses/7/assignments/42/submissions/102/comments/files"}
    assert len(app.submissions["102"]["submission_comments"]) == 4


def test_canvas_push_lost_ledger_finds_its_comment_and_posts_no_twin(canvas, monkeypatch, capsys):
    """An interrupt after Canvas took a student but before the ledger line: the marker in
    the comment is found, and nothing is posted twice."""
    app, server, out = canvas
    run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    (out / LEDGER).unlink()
    before = len(writes(server))
    code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert len(writes(server)) == before
    assert "already in Canvas (found its comment)" in said.out
    assert len(app.submissions["101"]["submission_comments"]) == 2
    assert len(Ledger(out / LEDGER)._last) == 2       # and the ledger is whole again


def test_canvas_interrupted_after_the_comment_sends_only_the_file(canvas, monkeypatch, capsys):
    app, server, out = canvas
    target = CanvasTarget(server.url, TOKEN, 7, 42)
    target.connect()
    parcel = next(p for p in outbox.read(out)[0] if p.student == "ada_101")
    plan = target.plan(parcel)
    fp = outbox.fingerprint(target.key, plan.what)
    sub = target._assignment.get_submission("101")
    sub.edit(submission={"posted_grade": "87.5"},          # what a push did before it died
             comment={"text_comment": f"x\n(concurrency-kit push {fp[:16]})"})
    assert target.deliver(parcel, plan, fp) == "feedback.txt"
    assert [bool(c["attachments"]) for c in app.submissions["101"]["submission_comments"]] == [False, True]


def test_canvas_rejected_student_is_reported_and_the_rest_go_on(tmp_path, monkeypatch, capsys):
    app = CanvasApp(token=TOKEN, course=7, assignment=42, points=32.0,
                    users={"102": "Alan", "104": "Barbara"}, bad_grade={"104"})
    out = batch_out(tmp_path, [("ada_101", {"user_id": "101"}, 28.0, "graded"),   # dropped
                               ("alan_102", {"user_id": "102"}, 30.0, "graded"),
                               ("barbara_104", {"user_id": "104"}, 12.0, "graded")])
    with StandIn(app) as server:
        code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
        again, said_again = run(canvas_argv(server, out), monkeypatch, capsys,
                                {"CANVAS_TOKEN": TOKEN})
    assert code == 1
    assert "REJECTED ada_101 (Canvas 101): Canvas has no user 101" in said.out
    assert "REJECTED barbara_104 (Canvas 104): Canvas answered BadRequest" in said.out
    assert "locked for grading" in said.out
    assert app.submissions["102"]["score"] == 30.0
    assert "1 sent to Canvas; 0 unchanged since the last push; 2 rejected by Canvas" in said.out
    assert again == 1                                  # the rejected are tried again
    assert "0 sent to Canvas; 1 unchanged since the last push; 2 rejected" in said_again.out


@pytest.mark.parametrize("status", [403, 429])
def test_canvas_throttling_waits_and_loses_nobody(tmp_path, monkeypatch, capsys, status):
    """403 Forbidden (Rate Limit Exceeded) from Canvas's own code, 429 from Instructure's
    cloud since October 2025: each student is tried again after a wait."""
    app = CanvasApp(token=TOKEN, course=7, assignment=42, points=32.0,
                    users={"101": "Ada", "102": "Alan"}, throttle={3, 4, 5, 9},
                    throttle_status=status)
    out = batch_out(tmp_path, CANVAS_STUDENTS[:2])
    with StandIn(app) as server:
        code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert code == 0, said.out
    assert [app.submissions[u]["score"] for u in ("101", "102")] == [28.0, 32.0]
    assert all(len(app.submissions[u]["submission_comments"]) == 2 for u in ("101", "102"))
    assert "s waited for Canvas's rate limit" in said.out


def test_backoff_doubles_and_gives_up_after_its_tries():
    waits = []

    def always():
        raise deliver.Throttled("slow down")
    tally = deliver.Tally()
    with pytest.raises(deliver.Rejected, match="still rate-limited after 8 tries"):
        deliver._with_backoff(always, 1.0, tally, waits.append)
    assert waits == [1, 2, 4, 8, 16, 32, 64]
    assert tally.waited == sum(waits)


def test_canvas_upload_by_redirect_also_attaches(tmp_path, monkeypatch, capsys):
    app = CanvasApp(token=TOKEN, course=7, assignment=42, points=32.0, users={"101": "Ada"},
                    redirect=True)
    out = batch_out(tmp_path, CANVAS_STUDENTS[:1])
    with StandIn(app) as server:
        code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert code == 0, said.out
    assert app.submissions["101"]["submission_comments"][1]["attachments"]
    assert any(s.path.endswith("/create_success") and "Authorization" not in s.headers
               for s in server.seen)


def test_canvas_include_errors_sends_zero_with_the_reason(canvas, monkeypatch, capsys):
    app, server, out = canvas
    code, said = run(canvas_argv(server, out, "--include-errors"), monkeypatch, capsys,
                     {"CANVAS_TOKEN": TOKEN})
    assert code == 0, said.out
    grace = app.submissions["103"]
    assert grace["score"] == 0.0
    assert "could not grade this submission" in grace["submission_comments"][0]["comment"]


def test_canvas_dry_run_sends_nothing(canvas, monkeypatch, capsys):
    app, server, out = canvas
    code, said = run(canvas_argv(server, out, "--dry-run"), monkeypatch, capsys,
                     {"CANVAS_TOKEN": TOKEN})
    assert writes(server) == [] and not (out / LEDGER).exists()
    assert "would send ada_101 (Canvas 101): posted_grade 87.5 of 100 (kit 28/32)" in said.out
    assert "2 would be sent" in said.out
    code, said = run(canvas_argv(server, out, "--dry-run"), monkeypatch, capsys)   # no token
    assert "posted_grade 28 of 32" in said.out and "no CANVAS_TOKEN" in said.out


def test_canvas_refusals_stop_before_any_student(canvas, monkeypatch, capsys):
    app, server, out = canvas
    code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": "wrong"})
    assert code == 2 and "Canvas refused the token (Invalid access token.)" in said.err
    code, said = run(canvas_argv(server, out), monkeypatch, capsys)
    assert code == 2 and "set CANVAS_TOKEN" in said.err
    argv = canvas_argv(server, out)
    argv[argv.index("--course") + 1] = "8"
    code, said = run(argv, monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert code == 2 and "Canvas has no course 8" in said.err
    assert writes(server) == []
    code, said = run(["canvas", str(out), "--url", "http://canvas.example.edu", "--course", "7",
                      "--assignment", "42"], monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert code == 2 and "not an https:// address" in said.err
    code, said = run(["canvas", str(out), "--url", "http://canvas.example.edu", "--course", "7",
                      "--assignment", "42", "--dry-run"], monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert code == 2 and "not an https:// address" in said.err     # a dry run reads with it


def test_canvas_anonymous_and_plain_students_are_not_sent(tmp_path, monkeypatch, capsys):
    out = batch_out(tmp_path, [("anon_x1", {"user_id": "", "anonymous_id": "x1"}, 5.0, "graded"),
                               ("bob", {}, 5.0, "graded")])
    app = CanvasApp(token=TOKEN, course=7, assignment=42, points=32.0, users={"101": "Ada"})
    with StandIn(app) as server:
        code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert code == 1
    assert "not sent anon_x1: anonymous grading" in said.out
    assert "not sent bob: no Canvas user id" in said.out


def test_an_unreadable_row_is_named_not_skipped(canvas, monkeypatch, capsys):
    app, server, out = canvas
    (out / "alan_102" / "row.json").write_text("{ torn")
    code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert code == 1 and "alan_102/row.json: unreadable" in said.out


# ------------------------------------------------------------------------ Moodle

MOODLE_STUDENTS = [("Ada_Lovelace_5", {"participant": "5"}, 24.0, "graded"),
                   ("Alan_Turing_6", {"participant": "6"}, 30.0, "graded")]


def moodle_argv(server, out, *more):
    return ["moodle", str(out), "--url", server.url, "--assignment", "12", "--backoff", "0.01",
            *more]


@pytest.fixture
def moodle(tmp_path):
    app = MoodleApp(token=TOKEN, assignment=12, points=30.0, mappings={"5": "205", "6": "206"})
    with StandIn(app) as server:
        yield app, server, batch_out(tmp_path, MOODLE_STUDENTS)


def test_moodle_push_saves_grade_feedback_and_file(moodle, monkeypatch, capsys):
    app, server, out = moodle
    code, said = run(moodle_argv(server, out), monkeypatch, capsys, {"MOODLE_TOKEN": TOKEN})
    assert code == 0, said.out
    ada = app.grades["205"]                      # participant 5 is user 205 in Moodle
    assert ada["grade"] == 22.5                  # 24/32 on Moodle's 30
    assert ada["format"] == "1" and "Feedback for Ada_Lovelace_5" in ada["feedback"]
    assert ada["files"] == [("feedback.txt", (out / "Ada_Lovelace_5" / "feedback.txt").read_bytes())]
    save = next(s for s in server.seen if s.field("wsfunction") == "mod_assign_save_grade"
                and s.field("userid") == "205")
    assert {k: save.field(k) for k in ("assignmentid", "grade", "attemptnumber", "addattempt",
                                       "applytoall", "moodlewsrestformat")} == {
        "assignmentid": "12", "grade": "22.5", "attemptnumber": "-1", "addattempt": "0",
        "applytoall": "1", "moodlewsrestformat": "json"}
    assert all(TOKEN not in json.dumps(s.query) for s in server.seen)   # in the body only


def test_moodle_second_push_sends_nothing(moodle, monkeypatch, capsys):
    app, server, out = moodle
    run(moodle_argv(server, out), monkeypatch, capsys, {"MOODLE_TOKEN": TOKEN})
    saves = sum(s.field("wsfunction") == "mod_assign_save_grade" for s in server.seen)
    code, said = run(moodle_argv(server, out), monkeypatch, capsys, {"MOODLE_TOKEN": TOKEN})
    assert sum(s.field("wsfunction") == "mod_assign_save_grade" for s in server.seen) == saves
    assert "0 sent to Moodle; 2 unchanged" in said.out


def test_moodle_grade_it_did_not_keep_is_rejected(tmp_path, monkeypatch, capsys):
    """save_grade answers null even when it saved nothing: the grade read back tells."""
    app = MoodleApp(token=TOKEN, assignment=12, points=30.0, mappings={"5": "205", "6": "206"},
                    ignore={"206"})
    out = batch_out(tmp_path, MOODLE_STUDENTS + [("Grace_7", {"participant": "7"}, 3.0, "graded")])
    with StandIn(app) as server:
        code, said = run(moodle_argv(server, out), monkeypatch, capsys, {"MOODLE_TOKEN": TOKEN})
    assert code == 1
    assert "REJECTED Alan_Turing_6 (Moodle 206): Moodle took the request but kept no grade" in said.out
    assert "not sent Grace_7: participant 7 is not one of this Moodle assignment's" in said.out
    assert set(app.grades) == {"205"}


def test_moodle_refusals(moodle, monkeypatch, capsys, tmp_path):
    app, server, out = moodle
    code, said = run(moodle_argv(server, out), monkeypatch, capsys, {"MOODLE_TOKEN": "nope"})
    assert code == 2 and "Moodle refused the token: Invalid token - token not found" in said.err
    argv = moodle_argv(server, out)
    argv[argv.index("--assignment") + 1] = "13"
    code, said = run(argv, monkeypatch, capsys, {"MOODLE_TOKEN": TOKEN})
    assert code == 2 and "Moodle has no assignment 13" in said.err
    app.functions = tuple(f for f in app.functions if f != "mod_assign_get_user_mappings")
    code, said = run(moodle_argv(server, out), monkeypatch, capsys, {"MOODLE_TOKEN": TOKEN})
    assert code == 2 and "lacks mod_assign_get_user_mappings" in said.err
    assert app.grades == {}


def test_moodle_without_file_uploads_sends_the_comment(tmp_path, monkeypatch, capsys):
    app = MoodleApp(token=TOKEN, assignment=12, points=32.0, mappings={"5": "205"}, uploadfiles=0)
    out = batch_out(tmp_path, MOODLE_STUDENTS[:1])
    with StandIn(app) as server:
        code, said = run(moodle_argv(server, out), monkeypatch, capsys, {"MOODLE_TOKEN": TOKEN})
    assert code == 0, said.out
    assert app.grades["205"]["files"] == [] and "Can upload files" in said.out
    assert not any(s.path == "/webservice/upload.php" for s in server.seen)


def test_moodle_flatten_is_php_bracket_form():
    from autograder.instructor.push.moodle import _flatten
    assert _flatten({"a": [1, 2], "p": {"x": {"y": "z"}}, "b": True}) == {
        "a[0]": 1, "a[1]": 2, "p[x][y]": "z", "b": 1}


def test_targets_have_distinct_ledger_keys():
    assert CanvasTarget("https://c.edu", "t", 1, 2).key != CanvasTarget("https://c.edu", "t", 1, 3).key
    assert MoodleTarget("https://m.edu", "t", 2).key.startswith("moodle https://m.edu")


# --------------------------------------------------------------------- late policy

def test_canvas_late_policy_reads_canvas_seconds_late(tmp_path, monkeypatch, capsys):
    """The policy named once, at the batch (batch.json), applied at the push from what
    Canvas says: seconds_late, not just the download's LATE mark."""
    app = CanvasApp(token=TOKEN, course=7, assignment=42, points=32.0,
                    users={"101": "Ada", "102": "Alan"}, late={"101": 90000})   # 1 d 1 h
    out = batch_out(tmp_path, [("ada_101", {"user_id": "101", "late": "1"}, 30.0, "graded"),
                               ("alan_102", {"user_id": "102"}, 30.0, "graded")])
    (out / "batch.json").write_text(json.dumps({"assignment": 1, "late": "10%/day"}))
    with StandIn(app) as server:
        dry, said_dry = run(canvas_argv(server, out, "--dry-run"), monkeypatch, capsys,
                            {"CANVAS_TOKEN": TOKEN})
        code, said = run(canvas_argv(server, out), monkeypatch, capsys, {"CANVAS_TOKEN": TOKEN})
    assert "posted_grade 23.6 of 32 (kit 30/32, -20% late)" in said_dry.out
    assert code == 0, said.out
    assert app.submissions["101"]["score"] == 23.6 and app.submissions["102"]["score"] == 30.0
    comment = app.submissions["101"]["submission_comments"][0]["comment"]
    assert "23.6/32 points (the kit's 30/32; late: 1 d 1 h late (Canvas's seconds_late)" in comment
    assert ("late policy: 10% per day late (a day begun counts), from Canvas's seconds_late "
            "(1 late)") in said.out


def test_moodle_late_policy_reads_submission_times_and_extensions(tmp_path, monkeypatch, capsys):
    due = 1_764_633_600                                     # 2025-12-02 00:00 UTC
    app = MoodleApp(token=TOKEN, assignment=12, points=32.0,
                    mappings={"5": "205", "6": "206", "7": "207"}, duedate=due,
                    submitted={"205": due + 3 * 3600, "206": due + 3 * 3600, "207": due - 60},
                    extensions={"206": due + 86400})        # 206 had a day more
    out = batch_out(tmp_path, MOODLE_STUDENTS + [("Grace_7", {"participant": "7"}, 32.0, "graded")])
    with StandIn(app) as server:
        code, said = run(moodle_argv(server, out, "--late", "25%/day"), monkeypatch, capsys,
                         {"MOODLE_TOKEN": TOKEN})
    assert code == 0, said.out
    assert {u: g["grade"] for u, g in app.grades.items()} == {"205": 16.0, "206": 30.0, "207": 32.0}
    assert "3 h late (Moodle's submission time against the due date): -25% of 32" in \
        html.unescape(app.grades["205"]["feedback"])
    assert "(1 late)" in said.out


def test_a_late_policy_that_does_not_read_stops_the_push(canvas, monkeypatch, capsys):
    app, server, out = canvas
    code, said = run(canvas_argv(server, out, "--late", "ten percent"), monkeypatch, capsys,
                     {"CANVAS_TOKEN": TOKEN})
    assert code == 2 and "cannot read 'ten percent'" in said.err and writes(server) == []


def test_canvas_running_low_on_its_quota_pauses_between_students(tmp_path):
    """X-Rate-Limit-Remaining 40 of Canvas's bucket: (100 - 40) / 10 units a second = 6 s
    before the next student, so Canvas need not refuse one."""
    app = CanvasApp(token=TOKEN, course=7, assignment=42, points=32.0,
                    users={"101": "Ada", "102": "Alan"}, remaining=40)
    out = batch_out(tmp_path, CANVAS_STUDENTS[:2])
    waits = []
    with StandIn(app) as server:
        target = CanvasTarget(server.url, TOKEN, 7, 42)
        target.connect()
        tally = deliver.push(target, outbox.read(out)[0], Ledger(out / LEDGER),
                             say=lambda _: None, sleep=waits.append)
        assert tally.sent == ["ada_101", "alan_102"] and waits == [6.0, 6.0]
        assert tally.waited == 12.0
        app.remaining = 650
        target.connect()                          # a fresh answer: plenty left
        assert target.pace() == 0.0
