"""A stand-in Canvas: the REST endpoints a grade push uses, answering as Canvas does.

Built from Canvas's API pages and code:
  https://canvas.instructure.com/doc/api/submissions.html   (index, show, update:
      submission[posted_grade], comment[text_comment], comment[file_ids][]; the Submission
      object with late and seconds_late)
  https://canvas.instructure.com/doc/api/submission_comments.html  (create_file: name, size)
  https://canvas.instructure.com/doc/api/file.file_uploads.html    (upload_url + upload_params,
      the POST without the token, 201 with the File, or a 3xx to create_success)
  https://canvas.instructure.com/doc/api/file.throttling.html      (403 Forbidden (Rate Limit
      Exceeded), X-Request-Cost, X-Rate-Limit-Remaining)
  https://canvas.instructure.com/doc/api/file.oauth.html           (Bearer; 401 + WWW-Authenticate)
  instructure/canvas-lms app/middleware/request_throttle.rb        (the throttled answer's body)
  instructure/canvas-lms app/controllers/application_controller.rb (404 "The specified resource
      does not exist.", 401 "Invalid access token.")

    CanvasApp(token, course, assignment, points, users, throttle=(), bad_grade=(), redirect=False)
    app.submissions[user_id]  what Canvas holds now: score, grade, submission_comments
"""
from __future__ import annotations

import datetime as _dt
import re

from .http import Seen, answer

API = "/api/v1"
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
THROTTLED_BODY = b"403 Forbidden (Rate Limit Exceeded)\n"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class CanvasApp:
    def __init__(self, *, token: str, course: int, assignment: int, points: float,
                 users: dict[str, str], throttle=(), throttle_status: int = 403,
                 bad_grade=(), redirect: bool = False, name: str = "Fix the consumer",
                 late: dict[str, int] | None = None, remaining: float = 699.75):
        self.token, self.course, self.assignment = token, course, assignment
        self.points, self.name = points, name
        self.users = dict(users)                  # user id -> name, the course's students
        self.throttle = set(throttle)             # API request numbers answered "slow down"
        self.throttle_status = throttle_status    # 403 (Canvas's code) or 429 (its cloud)
        self.bad_grade = set(bad_grade)           # user ids whose grade Canvas refuses (400)
        self.redirect = redirect                  # the local-storage upload path (302)
        self.api_calls = 0
        self.remaining = remaining                # X-Rate-Limit-Remaining on every answer
        self.files: dict[int, dict] = {}
        self.submissions = {uid: {"id": 9000 + i, "user_id": int(uid),
                                  "assignment_id": assignment, "score": None, "grade": None,
                                  "workflow_state": "submitted", "submission_comments": [],
                                  "late": uid in (late or {}), "seconds_late": (late or {}).get(uid, 0),
                                  "submitted_at": "2026-12-01T12:00:00Z"}
                            for i, uid in enumerate(sorted(self.users, key=int))}
        self._routes = [
            ("GET", rf"{API}/courses/(\d+)", self.course_json),
            ("GET", rf"{API}/courses/(\d+)/assignments/(\d+)", self.assignment_json),
            ("GET", rf"{API}/courses/(\d+)/assignments/(\d+)/submissions", self.index),
            ("GET", rf"{API}/courses/(\d+)/assignments/(\d+)/submissions/(\d+)", self.show),
            ("PUT", rf"{API}/courses/(\d+)/assignments/(\d+)/submissions/(\d+)", self.update),
            ("POST", rf"{API}/courses/(\d+)/assignments/(\d+)/submissions/(\d+)/comments/files",
             self.preflight),
        ]

    # ----------------------------------------------------------------- dispatch

    def __call__(self, seen: Seen):
        if seen.path.startswith("/files_api/upload/"):          # no token here (the doc)
            return self.upload(seen)
        if m := re.fullmatch(rf"{API}/files/(\d+)/create_success", seen.path):
            return self.created(int(m[1]), seen)
        self.api_calls += 1
        if self.api_calls in self.throttle:
            return self.throttle_status, {"Content-Type": "text/plain; charset=utf-8",
                                          "X-Rate-Limit-Remaining": "0.0"}, THROTTLED_BODY
        if seen.headers.get("Authorization") != f"Bearer {self.token}":
            return answer(401, {"errors": [{"message": "Invalid access token."}]},
                          {"WWW-Authenticate": 'Bearer realm="canvas-lms"'})
        for method, pattern, handler in self._routes:
            m = re.fullmatch(pattern, seen.path)
            if m and method == seen.method:
                status, headers, body = handler(seen, *m.groups())
                headers.update({"X-Request-Cost": "0.25",
                                "X-Rate-Limit-Remaining": f"{self.remaining:g}"})
                return status, headers, body
        return answer(404, NOT_FOUND)

    def _ours(self, course, assignment=None) -> bool:
        return int(course) == self.course and (assignment is None or int(assignment) == self.assignment)

    # -------------------------------------------------------------------- reads

    def course_json(self, seen, course):
        if not self._ours(course):
            return answer(404, NOT_FOUND)
        return answer(200, {"id": self.course, "name": "Concurrency 101", "course_code": "CS101"})

    def assignment_json(self, seen, course, assignment):
        if not self._ours(course, assignment):
            return answer(404, NOT_FOUND)
        return answer(200, {"id": self.assignment, "course_id": self.course, "name": self.name,
                            "points_possible": self.points, "grading_type": "points"})

    def index(self, seen, course, assignment):
        """submissions_api#index: one page (canvasapi follows a Link: next it is not sent)."""
        if not self._ours(course, assignment):
            return answer(404, NOT_FOUND)
        return answer(200, [self.submissions[u] for u in sorted(self.submissions, key=int)])

    def show(self, seen, course, assignment, user):
        sub = self.submissions.get(user)
        if not self._ours(course, assignment) or sub is None:
            return answer(404, NOT_FOUND)
        return answer(200, sub)

    # ------------------------------------------------------------------- writes

    def update(self, seen, course, assignment, user):
        sub = self.submissions.get(user)
        if not self._ours(course, assignment) or sub is None:
            return answer(404, NOT_FOUND)
        grade = seen.field("submission[posted_grade]")
        if grade is not None:
            if user in self.bad_grade:
                return answer(400, {"error": "Grade could not be applied: the submission is "
                                             "locked for grading"})
            sub.update(score=float(grade), grade=grade, workflow_state="graded")
        text = seen.field("comment[text_comment]")
        file_ids = seen.form.get("comment[file_ids][]", [])
        if text is not None or file_ids:
            sub["submission_comments"].append({
                "id": 100 + sum(len(s["submission_comments"]) for s in self.submissions.values()),
                "author_id": 1, "author_name": "Teacher", "comment": text or "",
                "created_at": _now(),
                "attachments": [self.files[int(f)] for f in file_ids if int(f) in self.files]})
        return answer(200, sub)

    def preflight(self, seen, course, assignment, user):
        if not self._ours(course, assignment) or user not in self.submissions:
            return answer(404, NOT_FOUND)
        n = len(self.files) + 1
        self.files[n] = {"id": 5000 + n, "pending": True, "for": user,
                         "display_name": seen.field("name"), "size": int(seen.field("size", 0))}
        return answer(200, {"upload_url": f"{_base(seen)}/files_api/upload/{n}",
                            "upload_params": {"key": f"attachments/{n}/{seen.field('name')}"},
                            "file_param": "file"})

    def upload(self, seen):
        n = int(seen.path.rsplit("/", 1)[1])
        pending = self.files.get(n)
        if pending is None or "file" not in seen.files:
            return answer(400, {"errors": [{"message": "no file"}]})
        filename, data = seen.files["file"]
        fid = pending["id"]
        record = {"id": fid, "display_name": filename, "filename": filename, "size": len(data),
                  "content-type": "text/plain", "url": f"{_base(seen)}/files/{fid}/download",
                  "data": data.decode("utf-8", "replace")}
        del self.files[n]
        self.files[fid] = record
        if self.redirect:
            return 302, {"Location": f"{API}/files/{fid}/create_success?uuid=u{fid}"}, b""
        return answer(201, record, {"Location": f"{API}/files/{fid}"})

    def created(self, fid: int, seen):
        if seen.field("uuid") != f"u{fid}" or fid not in self.files:
            return answer(404, NOT_FOUND)
        return answer(200, self.files[fid])


def _base(seen: Seen) -> str:
    return f"http://{seen.headers.get('Host')}"
