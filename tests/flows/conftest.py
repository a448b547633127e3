"""The batches the flow tests share: graded once per test process (they take a minute),
read by test_batch (every export) and test_push (pushed to the stand-in LMSes). Tests
using them are in the xdist group "batch", so one worker grades each batch once."""
from __future__ import annotations

import time

import pytest

from autograder import manifest
from autograder.instructor import batch
from flows.lms_download import CLASS_ASSIGNMENT, CLASS_SIZE, canvas_download, moodle_download

A2 = manifest.get(CLASS_ASSIGNMENT)


@pytest.fixture(scope="session")
def moodle(tmp_path_factory):
    """(BatchResult, {participant: Expect}, seconds) of a Moodle download of CLASS_SIZE."""
    root = tmp_path_factory.mktemp("moodle")
    archive, expect = moodle_download(A2, root, n=CLASS_SIZE, variants=2)
    started = time.monotonic()
    result = batch.run(A2, archive, root / "out", jobs=2, progress=False)
    return result, expect, time.monotonic() - started


@pytest.fixture(scope="session")
def canvas(tmp_path_factory):
    """(BatchResult, {user id: Expect}, the zip) of a Canvas download."""
    root = tmp_path_factory.mktemp("canvas")
    archive, expect = canvas_download(A2, root)
    result = batch.run(A2, archive, root / "out", jobs=2, progress=False,
                       export_options={"canvas_assignment_id": "4242"})
    return result, expect, archive
