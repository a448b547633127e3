"""Moodle, through its REST web services (POST /webservice/rest/server.php).

    connect   core_webservice_get_site_info      the token, and the functions its service has
              mod_assign_get_assignments          the assignment's name, maximum grade, due date
              mod_assign_get_user_mappings        participant id -> user id
              (with a late policy) mod_assign_get_user_flags (extensions) and
              mod_assign_get_submissions (each one's timemodified, status submitted)
    deliver   /webservice/upload.php              feedback.txt into a draft area (filearea=draft)
              mod_assign_save_grade               grade, feedback comment (HTML), the draft's file
              mod_assign_get_grades               the grade read back

The participant id in a "Download all submissions" name is not the user id: it is the
assignment's assign_user_mapping id (locallib.php get_uniqueid_for_user), hence the
mappings. save_grade answers null whatever it did: it checks no enrolment, and drops a
grade above the maximum or a workflow state the token may not set without a word. So
every grade is read back, and one Moodle did not keep is Rejected with that reason.
Moodle keeps one grade and one feedback comment per attempt: sending again replaces
them, so a resumed push never doubles a comment.

Moodle reports errors with HTTP 200 and {"exception", "errorcode", "message"}; an empty
body means web services (or REST) are switched off. Sources: moodle/moodle
mod/assign/externallib.php (save_grade, get_user_mappings, get_grades, get_assignments),
webservice/rest/locallib.php (parse_request, generate_error), webservice/upload.php,
webservice/externallib.php (get_site_info); Moodle's API docs under Site administration >
Server > Web services > API Documentation, which print the same parameter names.
"""
from __future__ import annotations


import requests

from ..exports.common import clean, num
from ..exports.moodle import text_html
from ..late import NO_POLICY, Lateness, LatePolicy
from .deliver import Plan, Refused, Rejected, Throttled
from .outbox import Parcel
from .scored import score_for

NEEDED = ("mod_assign_save_grade", "mod_assign_get_user_mappings", "mod_assign_get_grades")
FORMAT_HTML = 1                   # FORMAT_HTML in Moodle's lib/weblib.php


class MoodleError(Exception):
    def __init__(self, errorcode: str, message: str):
        super().__init__(f"{message} ({errorcode})")
        self.errorcode = errorcode


class MoodleTarget:
    lms = "Moodle"

    def __init__(self, url: str, token: str, assignment: str, *, timeout: float = 60.0,
                 policy: LatePolicy = NO_POLICY):
        self.url, self.token, self.timeout, self.policy = url.rstrip("/"), token, timeout, policy
        self.late_of: dict[str, Lateness] = {}     # user id -> from Moodle's own times
        self.due = 0                                # the assignment's duedate (Unix time)
        self.assignment_id = str(assignment)
        self.key = f"moodle {self.url} assignment {self.assignment_id}"
        self.title, self.points = "", None
        self.users: dict[str, str] = {}          # participant (mapping id) -> user id
        self.session = requests.Session()
        self.uploads = True

    # ------------------------------------------------------------------ the wire

    def call(self, function: str, **params) -> object:
        """One web service function; MoodleError for Moodle's exception answer."""
        body = {"wstoken": self.token, "wsfunction": function, "moodlewsrestformat": "json",
                **_flatten(params)}
        try:
            answer = self.session.post(f"{self.url}/webservice/rest/server.php", data=body,
                                       timeout=self.timeout)
        except requests.RequestException as exc:
            raise Throttled(f"no answer from {self.url} ({type(exc).__name__})") from exc
        if answer.status_code in (429, 503):
            raise Throttled(f"Moodle answered {answer.status_code}")
        if not answer.text.strip():
            raise Refused(f"{self.url} answered nothing to {function}: are web services and "
                          "the REST protocol enabled (Site administration > Server > Web "
                          "services)?")
        try:
            data = answer.json()
        except ValueError as exc:
            raise Refused(f"{self.url} did not answer JSON to {function} (HTTP "
                          f"{answer.status_code}): is this the Moodle site's address?") from exc
        if isinstance(data, dict) and "exception" in data:
            raise MoodleError(str(data.get("errorcode", "")), str(data.get("message", "")))
        return data

    # ------------------------------------------------------------------ connect

    def connect(self) -> list[str]:
        try:
            info = self.call("core_webservice_get_site_info")
        except MoodleError as exc:
            raise Refused(f"Moodle refused the token: {exc}; check MOODLE_TOKEN") from exc
        have = {f.get("name") for f in info.get("functions", [])}
        missing = [f for f in NEEDED if have and f not in have]
        if missing:
            raise Refused(f"the token's web service lacks {', '.join(missing)}: add them to "
                          "the service (Site administration > Server > Web services > "
                          "External services > Functions)")
        self.uploads = bool(info.get("uploadfiles", 1))
        notes = [f"Moodle site {info.get('sitename', self.url)}, as {info.get('username', '?')}"]
        notes += self._assignment()
        self._mappings()
        if self.policy:
            notes.append(self._read_lateness(have))
        if not self.uploads:
            notes.append("the service may not upload files: feedback goes as the comment only "
                         "(tick 'Can upload files' on the service to attach feedback.txt)")
        return notes

    def _assignment(self) -> list[str]:
        try:
            data = self.call("mod_assign_get_assignments")
        except MoodleError as exc:
            return [f"could not read the assignment's maximum grade ({exc}): grades are sent "
                    "on the kit's scale"]
        for course in data.get("courses", []):
            for a in course.get("assignments", []):
                if str(a.get("id")) == self.assignment_id:
                    self.title, self.points = a.get("name", ""), float(a.get("grade") or 0) or None
                    self.due = int(a.get("duedate") or 0)
                    return [f"Moodle assignment {self.assignment_id}: {self.title}, maximum grade "
                            f"{num(self.points) if self.points else 'not a number (a scale?)'}"]
        raise Refused(f"Moodle has no assignment {self.assignment_id} this token can see: use "
                      "the assignment's id (mod_assign_get_assignments 'id'), not the course "
                      "module id in the page's URL")

    def _mappings(self) -> None:
        try:
            data = self.call("mod_assign_get_user_mappings", assignmentids=[self.assignment_id])
        except MoodleError as exc:
            raise Refused(f"Moodle would not map participants to users: {exc}") from exc
        for a in data.get("assignments", []):
            for m in a.get("mappings", []):
                self.users[str(m["id"])] = str(m["userid"])
        if not self.users:
            why = "; ".join(w.get("message", "") for w in data.get("warnings", []))
            raise Refused("Moodle gave no participant ids for this assignment"
                          + (f" ({why})" if why else "") + ": the token's user needs "
                          "mod/assign:revealidentities, and the submissions must have been "
                          "downloaded from this assignment")

    def _read_lateness(self, have: set) -> str:
        """Each user's last submission time against the due date (or their extension)."""
        if not self.due:
            return "late policy: the assignment has no due date in Moodle, so nobody is late"
        if have and "mod_assign_get_submissions" not in have:
            raise Refused("the late policy needs mod_assign_get_submissions in the token's "
                          "web service (Moodle's submission times)")
        due = {u: self.due for u in self.users.values()}
        if not have or "mod_assign_get_user_flags" in have:
            flags = self.call("mod_assign_get_user_flags", assignmentids=[self.assignment_id])
            for a in flags.get("assignments", []):
                for f in a.get("userflags", []):
                    if f.get("extensionduedate"):
                        due[str(f["userid"])] = int(f["extensionduedate"])
        data = self.call("mod_assign_get_submissions", assignmentids=[self.assignment_id])
        for a in data.get("assignments", []):
            for sub in a.get("submissions", []):
                user, when = str(sub.get("userid")), int(sub.get("timemodified") or 0)
                if user in due and when and sub.get("status") == "submitted":
                    seconds = when - due[user]
                    self.late_of[user] = Lateness(seconds > 0, max(0, seconds),
                                                  "Moodle's submission time against the due date")
        late = sum(v.late for v in self.late_of.values())
        return f"late policy: {self.policy.describe()}, from Moodle's submission times ({late} late)"

    # --------------------------------------------------------------------- plan

    def plan(self, parcel: Parcel) -> Plan:
        participant = parcel.lms.get("participant", "")
        if not participant:
            raise Rejected("no Moodle participant id: this submission did not come from a "
                           "Moodle download")
        user = self.users.get(participant) if self.users else f"participant {participant}"
        if user is None:
            raise Rejected(f"participant {participant} is not one of this Moodle assignment's "
                           "participants: a download from another assignment?")
        scored = score_for(parcel, self.points, self.policy, self.late_of.get(user))
        what = {"grade": num(scored.grade), "headline": scored.headline(),
                "feedback": parcel.feedback_digest(), "files": bool(self.uploads and parcel.feedback)}
        shown = (f"grade {scored.shown()}, a feedback comment"
                 + (", feedback.txt as a feedback file" if what["files"] else ""))
        return Plan(lms_id=user, what=what, shown=shown)

    # ------------------------------------------------------------------ deliver

    def deliver(self, parcel: Parcel, plan: Plan, fp: str) -> str:
        plugindata = {"assignfeedbackcomments_editor": {
            "text": _comment(parcel, self.title, plan.what["headline"]),
            "format": FORMAT_HTML}}
        if plan.what["files"]:
            plugindata["files_filemanager"] = self._upload(parcel)
        try:
            self.call("mod_assign_save_grade", assignmentid=self.assignment_id,
                      userid=plan.lms_id, grade=plan.what["grade"], attemptnumber=-1,
                      addattempt=0, workflowstate="", applytoall=1, plugindata=plugindata)
            kept = self._grade_now(plan.lms_id)
        except MoodleError as exc:
            raise Rejected(f"Moodle answered: {exc}") from exc
        if kept is None or abs(kept - float(plan.what["grade"])) > 0.005:
            raise Rejected(f"Moodle took the request but kept {'no grade' if kept is None else num(kept)}"
                           f" for {plan.what['grade']}: a grade above the maximum, or a marking "
                           "workflow state this token may not set")
        return f"grade {plan.what['grade']}, feedback" + (" + feedback.txt" if plan.what["files"] else "")

    def _upload(self, parcel: Parcel) -> int:
        """feedback.txt into a new draft area; its item id."""
        try:
            with open(parcel.feedback, "rb") as f:
                answer = self.session.post(f"{self.url}/webservice/upload.php",
                                           data={"token": self.token, "filearea": "draft", "itemid": 0},
                                           files={"file_1": ("feedback.txt", f, "text/plain")},
                                           timeout=self.timeout)
        except requests.RequestException as exc:      # the network: try this one again
            raise Throttled(f"no answer from {self.url}'s upload.php ({type(exc).__name__})") from exc
        try:
            data = answer.json()
        except ValueError as exc:
            raise Rejected(f"Moodle's upload.php did not answer JSON (HTTP {answer.status_code})") from exc
        if isinstance(data, dict):                    # the AJAX error shape: {"error", ...}
            raise Rejected(f"Moodle refused feedback.txt: {data.get('error', data)}")
        if not data or "itemid" not in data[0]:
            why = data[0].get("error", data) if data else "no answer"
            raise Rejected(f"Moodle refused feedback.txt: {why}")
        return int(data[0]["itemid"])

    def _grade_now(self, user: str) -> float | None:
        """The user's grade as Moodle holds it now. All of the assignment's grades (since=0):
        a `since` from this machine's clock would miss a grade on a server whose clock is
        behind."""
        data = self.call("mod_assign_get_grades", assignmentids=[self.assignment_id], since=0)
        for a in data.get("assignments", []):
            for g in a.get("grades", []):
                if str(g.get("userid")) == user and g.get("grade") not in (None, ""):
                    return float(g["grade"])
        return None


def _comment(parcel: Parcel, title: str, headline: str) -> str:
    head = f"{title}: " if title else ""
    return text_html(f"{head}{headline}") + text_html(clean(parcel.feedback_text()))


def _flatten(params: dict, prefix: str = "") -> dict:
    """Moodle's bracket form: {"a": [1], "p": {"x": {"y": 2}}} -> a[0]=1, p[x][y]=2."""
    out: dict = {}
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, name))
        elif isinstance(value, (list, tuple)):
            out.update(_flatten(dict(enumerate(value)), name))
        elif isinstance(value, bool):
            out[name] = int(value)
        else:
            out[name] = value
    return out
