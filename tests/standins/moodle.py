"""A stand-in Moodle: the web service functions a grade push uses, answering as Moodle does.

Built from moodle/moodle's code (the API documentation page of a Moodle site prints the
same names: Site administration > Server > Web services > API Documentation):
  webservice/rest/server.php, webservice/rest/locallib.php   (POST or GET fields wstoken,
      wsfunction, moodlewsrestformat; errors as HTTP 200 {"exception","errorcode","message"})
  webservice/externallib.php      core_webservice_get_site_info (functions, uploadfiles)
  mod/assign/externallib.php      mod_assign_get_assignments (grade, duedate),
      mod_assign_get_user_mappings, mod_assign_save_grade (its required fields, answers
      null), mod_assign_get_grades (since), mod_assign_get_submissions (timemodified,
      status), mod_assign_get_user_flags (extensionduedate)
  mod/assign/locallib.php         update_grade: a grade above the maximum is dropped, no error
  webservice/upload.php           token (not wstoken), filearea=draft, itemid 0 -> a new draft;
      answers a JSON list of file records with itemid

    MoodleApp(token, assignment, points, mappings={participant: user id}, ignore=())
    app.grades[user id]  what Moodle holds: grade, feedback (HTML), files, timemodified
"""
from __future__ import annotations

import time

from .http import Seen, answer

FUNCTIONS = ("core_webservice_get_site_info", "mod_assign_get_assignments",
             "mod_assign_get_user_mappings", "mod_assign_save_grade", "mod_assign_get_grades",
             "mod_assign_get_submissions", "mod_assign_get_user_flags")
SAVE_GRADE_REQUIRED = ("assignmentid", "userid", "grade", "attemptnumber", "addattempt",
                       "workflowstate", "applytoall")


def _error(exception: str, errorcode: str, message: str):
    return answer(200, {"exception": exception, "errorcode": errorcode, "message": message})


class MoodleApp:
    def __init__(self, *, token: str, assignment: int, points: float,
                 mappings: dict[str, str], ignore=(), uploadfiles: int = 1,
                 functions=FUNCTIONS, name: str = "Parallelize the downloader",
                 duedate: int = 0, submitted: dict[str, int] | None = None,
                 extensions: dict[str, int] | None = None):
        self.token, self.assignment, self.points, self.name = token, assignment, points, name
        self.mappings = dict(mappings)     # participant (assign_user_mapping id) -> user id
        self.ignore = set(ignore)          # user ids whose grade Moodle drops without a word
        self.uploadfiles, self.functions = uploadfiles, tuple(functions)
        self.duedate, self.submitted = duedate, dict(submitted or {})   # user id -> time
        self.extensions = dict(extensions or {})                         # user id -> time
        self.grades: dict[str, dict] = {}
        self.drafts: dict[int, list[tuple[str, bytes]]] = {}

    def __call__(self, seen: Seen):
        if seen.path == "/webservice/upload.php":
            return self.upload(seen)
        if seen.path != "/webservice/rest/server.php":
            return 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"
        if seen.field("wstoken") != self.token:
            return _error("moodle_exception", "invalidtoken", "Invalid token - token not found")
        function = seen.field("wsfunction")
        if function not in self.functions:
            return _error("webservice_access_exception", "accessexception",
                          "Access control exception")
        return getattr(self, function)(seen)

    # --------------------------------------------------------------- functions

    def core_webservice_get_site_info(self, seen):
        return answer(200, {"sitename": "Stand-in Moodle", "username": "teacher", "userid": 2,
                            "siteurl": f"http://{seen.headers.get('Host')}",
                            "functions": [{"name": f, "version": "2024100700"}
                                          for f in self.functions],
                            "uploadfiles": self.uploadfiles, "downloadfiles": 1})

    def mod_assign_get_assignments(self, seen):
        return answer(200, {"courses": [{"id": 3, "fullname": "Concurrency 101", "shortname": "CS101",
                                         "assignments": [{"id": self.assignment, "cmid": 77,
                                                          "course": 3, "name": self.name,
                                                          "grade": self.points,
                                                          "duedate": self.duedate}]}],
                            "warnings": []})

    def mod_assign_get_user_mappings(self, seen):
        if seen.field("assignmentids[0]") != str(self.assignment):
            return answer(200, {"assignments": [], "warnings": [
                {"item": "assignment", "itemid": seen.field("assignmentids[0]"),
                 "warningcode": "3", "message": "No mappings found"}]})
        return answer(200, {"assignments": [{"assignmentid": self.assignment, "mappings": [
            {"id": int(p), "userid": int(u)} for p, u in sorted(self.mappings.items())]}],
            "warnings": []})

    def mod_assign_get_submissions(self, seen):
        return answer(200, {"assignments": [{"assignmentid": self.assignment, "submissions": [
            {"id": 800 + i, "userid": int(u), "attemptnumber": 0, "timecreated": t,
             "timemodified": t, "status": "submitted", "groupid": 0, "plugins": []}
            for i, (u, t) in enumerate(sorted(self.submitted.items()))]}], "warnings": []})

    def mod_assign_get_user_flags(self, seen):
        return answer(200, {"assignments": [{"assignmentid": self.assignment, "userflags": [
            {"id": 900 + i, "userid": int(u), "locked": 0, "mailed": 0, "extensionduedate": t,
             "workflowstate": "", "allocatedmarker": 0}
            for i, (u, t) in enumerate(sorted(self.extensions.items()))]}], "warnings": []})

    def mod_assign_save_grade(self, seen):
        missing = [k for k in SAVE_GRADE_REQUIRED if seen.field(k) is None]
        if missing:
            return _error("invalid_parameter_exception", "invalidparameter",
                          f"Invalid parameter value detected (Missing required key in single "
                          f"structure: {missing[0]})")
        if seen.field("assignmentid") != str(self.assignment):
            return _error("dml_missing_record_exception", "invalidrecord",
                          "Can't find data record in database table assign.")
        user, grade = seen.field("userid"), float(seen.field("grade"))
        if user in self.ignore or grade > self.points or grade < 0:
            return answer(200, None)                        # update_grade returned false
        draft = seen.field("plugindata[files_filemanager]")
        self.grades[user] = {
            "grade": grade, "timemodified": int(time.time()),
            "feedback": seen.field("plugindata[assignfeedbackcomments_editor][text]"),
            "format": seen.field("plugindata[assignfeedbackcomments_editor][format]"),
            "files": self.drafts.get(int(draft), []) if draft else []}
        return answer(200, None)

    def mod_assign_get_grades(self, seen):
        since = int(seen.field("since", 0))
        grades = [{"id": 700 + i, "userid": int(u), "attemptnumber": 0, "grader": 2,
                   "timecreated": g["timemodified"], "timemodified": g["timemodified"],
                   "grade": f"{g['grade']:.5f}"}
                  for i, (u, g) in enumerate(sorted(self.grades.items()))
                  if g["timemodified"] >= since]
        return answer(200, {"assignments": [{"assignmentid": self.assignment, "grades": grades}],
                            "warnings": []})

    # ------------------------------------------------------------------ upload

    def upload(self, seen):
        if seen.field("token") != self.token:
            return answer(200, {"error": "Invalid token - token not found",
                                "errorcode": "invalidtoken", "stacktrace": None,
                                "debuginfo": None, "reproductionlink": None})
        if not self.uploadfiles:
            return answer(200, {"error": "Web service file upload must be enabled in external "
                                         "service settings", "errorcode": "accessexception"})
        if seen.field("filearea", "private") != "draft":
            return answer(200, {"error": "Uploading directly to user private files area is no "
                                         "longer supported", "errorcode": "privatefilesupload"})
        itemid = int(seen.field("itemid", 0)) or 600000 + len(self.drafts) + 1
        files = self.drafts.setdefault(itemid, [])
        out = []
        for filename, data in seen.files.values():
            files.append((filename, data))
            out.append({"component": "user", "contextid": 5, "userid": 2, "filearea": "draft",
                        "filename": filename, "filepath": "/", "itemid": itemid})
        return answer(200, out)
