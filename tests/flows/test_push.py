"""A class graded by the batch, then pushed for real: the Canvas download's grades,
comments and feedback files into the stand-in Canvas through canvasapi, the Moodle
download's into the stand-in Moodle through its web services; a dropped student, a
grade the LMS does not keep, throttling, and a second push that sends nothing."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from autograder import KIT_ROOT
from standins.canvas import CanvasApp
from standins.http import StandIn
from standins.moodle import MoodleApp

# The first test of the group grades the shared batches (flows/conftest.py): 22
# submissions, some hanging to their budget, take minutes on a loaded 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("batch"), pytest.mark.timeout(2400)]
TOKEN = "flow-token-9"


def push(lms: str, out, url: str, *ids: str) -> subprocess.CompletedProcess:
    env_name = {"canvas": "CANVAS_TOKEN", "moodle": "MOODLE_TOKEN"}[lms]
    return subprocess.run([sys.executable, "-m", "autograder", "push", lms, str(out), "--url", url,
                           *ids, "--backoff", "0.05"], cwd=KIT_ROOT, capture_output=True,
                          text=True, timeout=300, env={"PATH": "/usr/bin:/bin", env_name: TOKEN})


def writes(server) -> int:
    return sum(s.method in ("PUT", "POST") for s in server.seen)


def test_a_canvas_class_is_pushed_once_with_its_feedback(canvas, tmp_path):
    result, expect, _ = canvas
    out = tmp_path / "out"
    shutil.copytree(result.out, out)
    rows = {r.student.lms["user_id"]: r for r in result.rows}
    app = CanvasApp(token=TOKEN, course=7, assignment=4242, points=30.0,
                    users={"1001": "Ada", "1002": "Alan", "1003": "Grace"},   # 1004 dropped
                    throttle={4, 5, 11}, late={"1002": 5 * 3600})          # Alan: 5 h late
    ids = ("--course", "7", "--assignment", "4242", "--late", "10%/day")
    with StandIn(app) as server:
        first = push("canvas", out, server.url, *ids)
        before = writes(server)
        second = push("canvas", out, server.url, *ids)
        assert writes(server) == before, second.stdout
    assert first.returncode == 1, first.stdout + first.stderr
    assert "REJECTED" in first.stdout and "(Canvas 1004): Canvas has no user 1004" in first.stdout
    assert "3 sent to Canvas" in first.stdout and "s waited for Canvas's rate limit" in first.stdout
    assert "0 sent to Canvas; 3 unchanged since the last push; 1 rejected" in second.stdout
    assert app.submissions["1002"]["score"] == rows["1002"].score - 3 == 27.0   # -10%
    alan = app.submissions["1002"]["submission_comments"][0]["comment"]
    assert "late: 5 h late (Canvas's seconds_late)" in alan
    for uid in ("1001", "1002", "1003"):
        sub, row = app.submissions[uid], rows[uid]
        assert (row.score == 30.0) == expect[uid].full
        assert sub["score"] == row.score or uid == "1002"
        text, attached = sub["submission_comments"]
        feedback = (out / row.student.id / "feedback.txt").read_text()
        assert feedback.splitlines()[0] in text["comment"]
        assert attached["attachments"][0]["data"] == feedback


def test_a_moodle_class_is_pushed_once_with_its_feedback(moodle, tmp_path):
    result, expect, _ = moodle
    out = tmp_path / "out"
    shutil.copytree(result.out, out)
    graded = [r for r in result.rows if r.status == "graded"]
    participants = [r.student.lms["participant"] for r in graded]
    users = {p: str(9000 + i) for i, p in enumerate(participants[:-1])}     # the last: gone
    ignored = users[participants[0]]
    due = 1_764_633_600
    late_user = users[participants[1]]                          # 2 h late: -10%
    app = MoodleApp(token=TOKEN, assignment=12, points=30.0, mappings=users, ignore={ignored},
                    duedate=due, submitted={u: due - 60 for u in users.values()} | {late_user: due + 7200})
    with StandIn(app) as server:
        first = push("moodle", out, server.url, "--assignment", "12", "--late", "10%/day")
        saves = [s for s in server.seen if s.field("wsfunction") == "mod_assign_save_grade"]
        second = push("moodle", out, server.url, "--assignment", "12", "--late", "10%/day")
        again = [s for s in server.seen if s.field("wsfunction") == "mod_assign_save_grade"]
    assert first.returncode == 1, first.stdout + first.stderr
    assert len(saves) == len(users), first.stdout
    assert [s.field("userid") for s in again[len(saves):]] == [ignored], second.stdout  # retried
    assert f"{len(users) - 1} sent to Moodle" in first.stdout
    assert f"REJECTED {graded[0].student.id} (Moodle {ignored}): Moodle took the request but " \
           "kept no grade" in first.stdout
    assert f"not sent {graded[-1].student.id}: participant {participants[-1]} is not one" in first.stdout
    error = next(r for r in result.rows if r.status == "error")
    assert f"not sent {error.student.id}: not graded" in first.stdout
    assert f"0 sent to Moodle; {len(users) - 1} unchanged" in second.stdout
    assert app.grades[late_user]["grade"] == max(0.0, graded[1].score - 3)
    assert "2 h late (Moodle&#x27;s submission time" in app.grades[late_user]["feedback"]
    for row in graded[1:-1]:
        kept = app.grades[users[row.student.lms["participant"]]]
        assert kept["grade"] == row.score or users[row.student.lms["participant"]] == late_user
        feedback = (out / row.student.id / "feedback.txt").read_bytes()
        assert kept["files"] == [("feedback.txt", feedback)]
        assert kept["format"] == "1" and kept["feedback"].startswith(f"<p>{app.name}: ")

