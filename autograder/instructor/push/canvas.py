"""Canvas, through canvasapi (ucfopen/canvasapi, the client Canvas's own docs point to).

Per student (the Canvas user id comes from the "Download Submissions" file names):

    GET  /api/v1/courses/:c/assignments/:a/submissions/:user?include[]=submission_comments
    PUT  same path: submission[posted_grade], comment[text_comment]      Submission.edit
    POST .../submissions/:user/comments/files, the upload, then a PUT   Submission.upload_comment
         with comment[file_ids][]: feedback.txt as a second comment

The grade and the text go in one request, so Canvas never has one without the other.
The text ends with a marker holding the push's fingerprint; the GET reads the
comments first, so a push interrupted after Canvas took a student (before the ledger
line was written) does not post the comment twice, and an interrupted attachment is
sent on its own.

What Canvas answers, and what becomes of it (canvasapi's exceptions):
    401 with WWW-Authenticate (InvalidAccessToken), 401 at connect   Refused: stop
    404 (ResourceDoesNotExist): the user is not in this course      Rejected: this student
    400 / 401 / other 403 on a student                              Rejected, Canvas's words
    403 "Rate Limit Exceeded" (self-hosted Canvas) or 429            Throttled: wait, retry
        (RateLimitExceeded; Instructure's cloud since 2025-10)
    X-Rate-Limit-Remaining under LOW_WATER on any answer      pace(): a pause first, so the
        (canvasapi keeps the last answers in its requester)   bucket refills before a 403

Sources: https://canvas.instructure.com/doc/api/submissions.html (update, show),
.../submission_comments.html (create_file), .../file.file_uploads.html,
.../file.throttling.html, .../file.oauth.html; canvas-lms app/middleware/request_throttle.rb
(the 403 body and X-Rate-Limit-Remaining), canvasapi 3.6.0 requester.py (its exceptions).
"""
from __future__ import annotations

import warnings

import requests

from ..exports.common import num
from ..late import NO_POLICY, Lateness, LatePolicy, lateness_of_lms
from .deliver import Plan, Refused, Rejected, Throttled
from .outbox import Parcel, comment_text
from .scored import score_for

MARKER = "(concurrency-kit push {fp})"
LOW_WATER = 100.0    # X-Rate-Limit-Remaining below this: pause (Canvas's hwm is 600-700)
LEAK = 10.0          # units a second Canvas's bucket drains (request_throttle.rb outflow)


def _canvasapi():
    try:
        import canvasapi
        from canvasapi import exceptions
    except ModuleNotFoundError as exc:
        raise Refused("canvasapi is not installed: run `make setup-lms` (or "
                      "`pip install 'concurrency-kit[lms]'`)") from exc
    return canvasapi, exceptions


class CanvasTarget:
    lms = "Canvas"

    def __init__(self, url: str, token: str, course: str, assignment: str, title: str = "",
                 policy: LatePolicy = NO_POLICY):
        self.url, self.token, self.policy = url.rstrip("/"), token, policy
        self.late_of: dict[str, Lateness] = {}     # user id -> what Canvas says
        self.course_id, self.assignment_id = str(course), str(assignment)
        self.key = f"canvas {self.url} course {self.course_id} assignment {self.assignment_id}"
        self.title = title
        self.points: float | None = None
        self._assignment = None

    # ------------------------------------------------------------------ connect

    def connect(self) -> list[str]:
        """The course and the assignment, read with the token: Refused when either fails."""
        canvasapi, errors = _canvasapi()
        with warnings.catch_warnings():          # http:// to a loopback stand-in (checked)
            warnings.simplefilter("ignore", UserWarning)
            canvas = canvasapi.Canvas(self.url, self.token)
        try:
            course = canvas.get_course(self.course_id)
            self._assignment = course.get_assignment(self.assignment_id)
        except (errors.InvalidAccessToken, errors.Unauthorized) as exc:
            raise Refused(f"Canvas refused the token ({_words(exc)}): check CANVAS_TOKEN and "
                          "that it belongs to a teacher of this course") from exc
        except errors.ResourceDoesNotExist as exc:
            raise Refused(f"Canvas has no course {self.course_id} with an assignment "
                          f"{self.assignment_id} that this token can see (404): check the "
                          "numbers in the assignment's URL") from exc
        except errors.CanvasException as exc:
            raise Refused(f"Canvas answered {_words(exc)} when asked for the course") from exc
        except requests.RequestException as exc:
            raise Refused(f"could not reach {self.url} ({type(exc).__name__})") from exc
        self.title = getattr(self._assignment, "name", "") or self.title
        self.points = getattr(self._assignment, "points_possible", None)
        notes = [f"Canvas assignment {self.assignment_id}: {self.title or '(no name)'}, "
                 f"{num(self.points) if self.points is not None else 'no'} points possible"]
        if self.policy:
            self._read_lateness(errors)
            notes.append(f"late policy: {self.policy.describe()}, from Canvas's seconds_late "
                         f"({sum(v.late for v in self.late_of.values())} late)")
        return notes

    def _read_lateness(self, errors) -> None:
        """Every submission's late and seconds_late, one paginated list for the class."""
        try:
            for sub in self._assignment.get_submissions():
                self.late_of[str(sub.user_id)] = Lateness(
                    bool(getattr(sub, "late", False)), float(getattr(sub, "seconds_late", 0) or 0),
                    "Canvas's seconds_late")
        except errors.CanvasException as exc:
            raise Refused(f"Canvas would not list the submissions ({_words(exc)}), which the "
                          "late policy needs") from exc

    # --------------------------------------------------------------------- plan

    def plan(self, parcel: Parcel) -> Plan:
        uid = parcel.lms.get("user_id", "")
        if not uid:
            why = ("anonymous grading: the download names Canvas's anonymous id, not the user "
                   "id the API needs; push after Canvas unmasks the names, or import canvas.csv"
                   if parcel.lms.get("anonymous_id") else
                   "no Canvas user id: this submission did not come from a Canvas download")
            raise Rejected(why)
        scored = score_for(parcel, self.points, self.policy, self._lateness(uid, parcel))
        what = {"posted_grade": num(scored.grade), "comment": scored.headline(),
                "feedback": parcel.feedback_digest()}
        shown = (f"posted_grade {scored.shown()}, a comment"
                 + (", feedback.txt attached" if parcel.feedback else ""))
        return Plan(lms_id=uid, what=what, shown=shown)

    def _lateness(self, uid: str, parcel: Parcel) -> Lateness | None:
        """Canvas's own word (seconds_late, read at connect), else the download's mark."""
        if uid in self.late_of:
            return self.late_of[uid]
        return lateness_of_lms(parcel.lms)

    # ------------------------------------------------------------------ deliver

    def deliver(self, parcel: Parcel, plan: Plan, fp: str) -> str:
        _, errors = _canvasapi()
        marker = MARKER.format(fp=fp[:16])
        try:
            sub = self._assignment.get_submission(plan.lms_id, include=["submission_comments"])
            posted, attached = _already(sub, marker)
            done = []
            if not posted:
                text = comment_text(parcel, self.title, plan.what["comment"], marker)
                sub.edit(submission={"posted_grade": plan.what["posted_grade"]},
                         comment={"text_comment": text})
                done.append(f"grade {plan.what['posted_grade']} and a comment")
            if parcel.feedback is not None and not attached:
                ok, answer = sub.upload_comment(str(parcel.feedback))
                if not ok:
                    raise Rejected(f"Canvas did not take feedback.txt ({str(answer)[:200]})")
                done.append("feedback.txt")
            return " + ".join(done) or "already in Canvas (found its comment)"
        except errors.CanvasException as exc:
            raise _student_error(exc, errors, plan.lms_id) from exc
        except requests.RequestException as exc:        # the network: try this one again
            raise Throttled(f"no answer from Canvas ({type(exc).__name__})") from exc


    def pace(self) -> float:
        """Seconds to wait before the next student: Canvas's bucket leaks LEAK units a
        second, and its last answer said how many are left (X-Rate-Limit-Remaining)."""
        cache = getattr(getattr(self._assignment, "_requester", None), "_cache", None) or []
        try:
            remaining = float(cache[0].headers.get("X-Rate-Limit-Remaining"))
        except (IndexError, TypeError, ValueError, AttributeError):
            return 0.0
        return max(0.0, (LOW_WATER - remaining) / LEAK)


def _already(sub, marker: str) -> tuple[bool, bool]:
    """Whether this push's comment is on the submission, and a file comment after it."""
    comments = list(getattr(sub, "submission_comments", None) or [])
    at = next((i for i, c in enumerate(comments) if marker in (c.get("comment") or "")), None)
    if at is None:
        return False, False
    return True, any(c.get("attachments") for c in comments[at + 1:])


def _student_error(exc, errors, uid: str) -> Exception:
    """What a student's failed request becomes: Throttled, Refused or Rejected."""
    if isinstance(exc, errors.RateLimitExceeded) or "Rate Limit Exceeded" in str(exc):
        return Throttled(_words(exc))
    if isinstance(exc, errors.InvalidAccessToken):
        return Refused(f"Canvas stopped taking the token ({_words(exc)})")
    if isinstance(exc, errors.ResourceDoesNotExist):
        return Rejected(f"Canvas has no user {uid} in this course's assignment (404): "
                        "dropped the course, or moved to another section?")
    return Rejected(f"Canvas answered {type(exc).__name__}: {_words(exc)}")


def _words(exc) -> str:
    """Canvas's own message, one line: its errors list, or the body text."""
    msg = getattr(exc, "message", None) or str(exc)
    if isinstance(msg, list):
        msg = "; ".join(str(m.get("message", m)) if isinstance(m, dict) else str(m) for m in msg)
    return " ".join(str(msg).split())[:300]
