"""Moodle "Download all submissions": a folder (or flat files) per participant and plugin.

    <Full Name>_<participant>_assignsubmission_<plugin>_/...          (in folders, the default)
    <Full Name>_<participant>_assignsubmission_<plugin>_<filename>    (flat)

A student with only folders is graded in place (the file plugin's folder); flat files, or
folders and flat files together, are gathered into workdir/<id>/. lms = {"participant"}.
Only the file plugin is graded; other plugins (onlinetext, comments) are noted.
"""
from __future__ import annotations

import re
from typing import Any

from ..records import Student
from .layout import Candidate, Item, Layout, student
from .names import clean, compose

MOODLE_FOLDER = re.compile(r"^(?P<name>[^_]*)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_$")
MOODLE_FILE = re.compile(
    r"^(?P<name>[^_]*)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<orig>.+)$", re.S)


class MoodleLayout(Layout):
    """Tried before Canvas: "_assignsubmission_" cannot occur in a Canvas name, while a
    Moodle file name may hold "_2_3_" that would pass for Canvas ids."""
    kind = "moodle"
    what = "from Moodle names"

    def match(self, item: Item) -> dict[str, Any] | None:
        m = (MOODLE_FOLDER if item.is_dir else MOODLE_FILE).match(item.name)
        return m.groupdict() if m else None

    def claim(self, item: Item, ids: dict[str, Any]) -> None:
        pid, name = ids["pid"], clean(ids["name"])
        c = self._group(pid, lambda: Candidate(
            "moodle", compose(name, pid), name, "moodle", {"participant": pid}, first_rel=item.rel))
        c.items.append((item, clean(ids["orig"]) if ids.get("orig") else "", ids["plugin"]))
        self.files += not item.is_dir

    def materialise(self, c: Candidate, sid: str) -> Student:
        plugins = {p for _, _, p in c.items}
        for plugin in sorted(plugins - {"file"}):
            c.notes.append(f"also handed in Moodle '{plugin}' content; only files are graded"
                           if "file" in plugins
                           else f"handed in Moodle '{plugin}' content only, no file")
        folders = [(i, p) for i, _, p in c.items if i.is_dir]
        flat = [(i, o, p) for i, o, p in c.items if not i.is_dir]
        if not flat:
            by_plugin = {p: i for i, p in folders}
            path = folders[0][0].path if len(folders) == 1 else by_plugin.get("file", folders[0][0]).path
        else:
            path = self._gather(c, sid, folders, flat)
        if c.name == "Participant":
            c.notes.append("blind marking: Moodle gave no name, only the participant id")
        return student(c, sid, path)

    def _gather(self, c: Candidate, sid: str, folders, flat):
        """Flat files (and any folders beside them) into workdir/<id>/."""
        path = self.ctx.workdir / sid
        path.mkdir(parents=True, exist_ok=True)
        for item, _plugin in folders:
            self._copy(item, path, path, move=False)
        for item, orig, plugin in flat:
            target = path / orig
            if target.exists():
                target = path / f"{plugin}_{orig}"
                c.notes.append(f"two files named {orig}: saved the {plugin} one as {target.name}")
            self._copy(item, target, path, move=self.ctx.ours)
        return path
