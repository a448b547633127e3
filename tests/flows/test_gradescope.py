"""`python -m autograder gradescope N` for real: build the zip, lay it out as Gradescope
does (<root>/source, <root>/submission, <root>/results), run its run_autograder (and
once its setup.sh) as subprocesses with CK_GRADESCOPE_ROOT=<root>, and check
results.json against Gradescope's "Autograder Specifications"
(https://gradescope-autograders.readthedocs.io/en/latest/specs/).

Assignment 5 (a process pool: CPU-bound) and assignment 2 (threads: I/O-bound). The
0.5 vCPU case runs inside a real cgroup limited to half a CPU when this machine lets us
make one (root, a writable cpu controller), else with CK_CPU_QUOTA=0.5.
"""
from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder import KIT_ROOT, manifest, paths
from autograder.instructor import gradescope

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

A5 = manifest.get(5)
A2 = manifest.get(2)
pytestmark = pytest.mark.xdist_group("gradescope")   # one worker builds the zips and the venv
KIT_BIN = Path(sys.executable).parent           # the kit's venv
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "simple_format", "html", "md", "ansi"}


# --------------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def python_bin(tmp_path_factory):
    """A bin/ whose python3 has the kit's dependencies but not the kit itself: the kit's
    venv installs the engine in editable mode, and its import hook would quietly fill in
    any module the zip lacks. A plain .pth line adds the kit venv's site-packages without
    running the .pth files in it (the editable hook is one)."""
    import sysconfig
    venv = tmp_path_factory.mktemp("python")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "kit-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    check = subprocess.run([str(venv / "bin" / "python3"), "-c",
                            "import importlib.util as u; import pytest, psutil, requests_mock; "
                            "print(u.find_spec('autograder'))"],
                           cwd=venv, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.strip() == "None", check.stdout + check.stderr
    return venv / "bin"


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    """The zips of assignments 5 and 2, built once through the CLI's main()."""
    out = tmp_path_factory.mktemp("dist")
    built = {}
    for a in (A5, A2):
        assert gradescope.main([str(a.number), "--out", str(out)]) == 0
        built[a.number] = out / f"gradescope-{a.slug}.zip"
        assert built[a.number].is_file()
    return built


def layout(zip_path: Path, root: Path, submission: Path | None = None) -> Path:
    """<root>/source (the zip, extracted with its modes), <root>/submission (the student's
    file at the top level, as Gradescope puts an upload), <root>/results."""
    source = root / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            zf.extract(info, source)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(source / info.filename, mode & 0o777)
    (root / "submission").mkdir()
    if submission is not None:
        shutil.copy(submission, root / "submission" / submission.name)
    return root


def run_autograder(root: Path, bin_dir: Path | None, *, env: dict | None = None,
                   prefix: list[str] = (), path: str | None = None, timeout: float = 200) -> dict:
    """Run <root>/source/run_autograder from <root> (Gradescope's working directory);
    return results.json after checking it against Gradescope's format."""
    full = {k: v for k, v in os.environ.items() if k not in ("CK_CPU_QUOTA", "VIRTUAL_ENV")}
    full.update({"CK_GRADESCOPE_ROOT": str(root),
                 "PATH": path or f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"})
    full.update(env or {})
    proc = subprocess.run([*prefix, str(root / "source" / "run_autograder")], cwd=root,
                          env=full, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = root / "results" / "results.json"
    assert results.is_file(), f"no results.json:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    data = json.loads(results.read_text())
    check_format(data)
    data["_stdout"] = proc.stdout + proc.stderr
    return data


def check_format(data: dict) -> None:
    """The fields Gradescope reads, with the types and values its spec allows."""
    assert isinstance(data, dict)
    assert isinstance(data["score"], (int, float)) and not isinstance(data["score"], bool)
    assert isinstance(data["output"], str) and data["output"].strip()
    assert data.get("output_format", "simple_format") in FORMATS
    assert data.get("visibility", "visible") in VISIBILITY
    assert data.get("stdout_visibility", "hidden") in VISIBILITY
    assert isinstance(data["tests"], list)
    for t in data["tests"]:
        assert isinstance(t["name"], str) and t["name"]
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"]
        assert t["status"] in ("passed", "failed")
        assert (t["status"] == "passed") == (t["score"] == t["max_score"] > 0) or t["max_score"] == 0
        assert isinstance(t["output"], str)
        assert t.get("output_format", "text") in FORMATS
        assert t["visibility"] in VISIBILITY
    if data["tests"]:
        raw = data.get("extra_data", {}).get("raw_score", data["score"])
        assert raw == pytest.approx(sum(t["score"] for t in data["tests"]))
        assert data["score"] == raw or data["extra_data"]["late"] in data["output"]


def max_points(data: dict) -> float:
    return sum(t["max_score"] for t in data["tests"])


# ------------------------------------------------------------- the zip itself

@pytest.mark.parametrize("number", [5, 2])
def test_zip_holds_the_scripts_the_engine_and_this_assignment_only(zips, number):
    a = manifest.get(number)
    with zipfile.ZipFile(zips[number]) as zf:
        names = set(zf.namelist())
        infos = {i.filename: i for i in zf.infolist()}
        blobs = {n: zf.read(n) for n in names}
    # Gradescope: setup.sh and run_autograder at the root of the archive, executable.
    for script in ("setup.sh", "run_autograder"):
        assert script in names
        assert (infos[script].external_attr >> 16) & 0o111, f"{script} is not executable"
        assert blobs[script].startswith(b"#!/usr/bin/env bash\n")
    # The engine: every module of the package, and the project file pip installs.
    core = {f"autograder/{m}.py" for m in ("__init__", "__main__", "cli", "manifest", "runner",
                                           "sandbox", "plugin/__init__", "plugin/fixtures",
                                           "scoring", "reports", "submission", "channel",
                                           "instructor/gradescope/__init__",
                                           "instructor/gradescope/build", "instructor/gradescope/run",
                                           "checks/__init__", "checks/timing",
                                           "grading/judge", "grading/worker",
                                           "grading/ckworker/zygote")}
    assert core <= names, sorted(core - names)
    engine = {n for n in names if n.startswith("autograder/")}
    assert all((KIT_ROOT / n).is_file() for n in engine)
    assert blobs["pyproject.toml"] == (KIT_ROOT / "pyproject.toml").read_bytes()
    # requirements.txt: every dependency pinned to what the kit was tested with (installed
    # here, inside pyproject's range), or kept as written when this Python does not need it.
    deps = tomllib.loads((KIT_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    reqs = [ln for ln in blobs["requirements.txt"].decode().splitlines()
            if ln and not ln.startswith("#")]
    pins = {canonicalize_name(r.split("==")[0]): r.split("==")[1] for r in reqs if "==" in r}
    for dep in map(Requirement, deps):
        if dep.marker is not None and not dep.marker.evaluate():
            assert str(dep) in {str(Requirement(r)) for r in reqs}, dep
            continue
        version = pins[canonicalize_name(dep.name)]
        assert version == importlib.metadata.version(dep.name) and dep.specifier.contains(version)
    assert {"pluggy", "iniconfig", "urllib3"} <= set(pins)          # and what they need
    # This assignment's folder, exactly (stub, README, hints, visible and hidden tests).
    folder = {f"assignments/{a.slug}/{p.relative_to(a.folder).as_posix()}"
              for p in a.folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    shipped = {n for n in names if n.startswith("assignments/") and n != "assignments/manifest.toml"}
    assert shipped == folder
    for must in ("README.md", "hints.md", a.files[0], "tests/test_visible.py", "tests/test_hidden.py"):
        assert f"assignments/{a.slug}/{must}" in names
    # A manifest with this one entry.
    entries = tomllib.loads(blobs["assignments/manifest.toml"].decode())["assignment"]
    assert [e["slug"] for e in entries] == [a.slug]
    assert manifest._parse(entries[0], "zip") == a
    # The README says which CPU setting to raise when the assignment times process pools.
    assert (b'"Autograder Settings"' in blobs["README.md"]) == a.cpu_speedup == (number == 5)
    # Never: the reference, broken variants, other assignments, .git, caches, kit tests.
    assert not [n for n in names if n.split("/")[0] in ("reference", "tests", "bench", ".git")]
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))
                or "/.git/" in n or ".pytest_cache" in n]
    others = {x.slug for x in manifest.load()} - {a.slug}
    assert not [n for n in names if any(f"/{slug}/" in f"/{n}" for slug in others)]
    secret = {p.read_bytes(): p for p in (KIT_ROOT / "reference").rglob("*.py")}
    secret.update({p.read_bytes(): p for p in paths.BROKEN.rglob("*.py")})
    leaked = {n: str(secret[b]) for n, b in blobs.items() if b in secret}
    assert not leaked
    assert gradescope.check_zip(zips[number], a) == []


@pytest.mark.parametrize("number", [5, 2])
def test_scripts_are_the_templates_filled_in(zips, number):
    """setup.sh and run_autograder are templates/ with the assignment's number and the
    virtualenv's name put in; the templates ship with the engine (its files in the zip)."""
    with zipfile.ZipFile(zips[number]) as zf:
        blobs = {n: zf.read(n) for n in zf.namelist()}
    for script in ("setup.sh", "run_autograder"):
        template = blobs[f"autograder/instructor/gradescope/templates/{script}"]
        assert b"@NUMBER@" in template and b"@VENV@" in template
        filled = template.replace(b"@NUMBER@", str(number).encode()).replace(
            b"@VENV@", gradescope.VENV.encode())
        assert blobs[script] == filled == gradescope.build.script(script, manifest.get(number))
        assert b"@NUMBER@" not in blobs[script] and b"@VENV@" not in blobs[script]
    assert f"\nASSIGNMENT={number}\n".encode() in blobs["run_autograder"]
    assert f'VENV="$ROOT/{gradescope.VENV}"'.encode() in blobs["setup.sh"]


def test_build_refuses_a_zip_that_would_leak_the_reference(tmp_path, monkeypatch):
    """The build's own check catches a reference solution that slipped into the bundle."""
    real = gradescope.build.bundle

    def leaky(assignment):
        files = real(assignment)
        files[f"assignments/{assignment.slug}/extra.py"] = assignment.reference_dir / "crunch.py"
        return files
    monkeypatch.setattr(gradescope.build, "bundle", leaky)    # where write_zip looks it up
    with pytest.raises(gradescope.BuildError, match="reference/05_crunch_with_processes"):
        gradescope.write_zip(A5, tmp_path)
    assert not list(tmp_path.iterdir())
    assert gradescope.main(["99", "--out", str(tmp_path)]) == 2


def test_setup_sh_is_valid_bash_and_uses_only_files_in_the_zip(zips, tmp_path):
    with zipfile.ZipFile(zips[5]) as zf:
        names = set(zf.namelist())
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
    for name, text in (("setup.sh", setup), ("run_autograder", run)):
        script = tmp_path / name
        script.write_text(text)
        check = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert check.returncode == 0, f"{name}: {check.stderr}"
    used = set(re.findall(r'\$SOURCE/([\w./-]+)', setup + run))
    assert used, "setup.sh names no file of the zip?"
    for rel in used:
        assert rel in names or any(n.startswith(rel.rstrip("/") + "/") for n in names), rel
    assert "requirements.txt" in used and "run_autograder" in used


def test_setup_sh_installs_python_with_apt_when_it_is_missing(zips, tmp_path):
    """No python3 with venv on the image: setup.sh asks apt for python3, pip and venv, and
    when Python is still not usable says what to choose on Gradescope."""
    root = layout(zips[5], tmp_path / "root")
    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "apt-calls"
    (fake / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (fake / "python3").write_text("#!/bin/sh\nexit 1\n")
    for f in fake.iterdir():
        f.chmod(0o755)
    proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=root,
                          env={"PATH": f"{fake}:/usr/bin:/bin", "CK_GRADESCOPE_ROOT": str(root)},
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    lines = calls.read_text().splitlines()
    assert lines[0] == "update"
    assert lines[1].startswith("install -y")
    assert {"python3", "python3-pip", "python3-venv"} <= set(lines[1].split())
    assert "Python 3.10 or newer" in proc.stderr and "Ubuntu 22.04" in proc.stderr


# ------------------------------------------------------- CPU, without grading

def test_cpu_note_only_for_process_pools_below_two_cpus():
    from autograder.checks.timing import CpuBudget
    half, two = CpuBudget(2, 2, 0.5), CpuBudget(2, 2, None)
    note = gradescope.cpu_note(A5, half)
    assert note and '"Autograder Settings"' in note and "0.5" in note
    assert gradescope.cpu_note(A5, two) is None
    assert gradescope.cpu_note(A5, CpuBudget(8, 1, None))       # pinned to one CPU
    assert gradescope.cpu_note(A2, half) is None                # threads waiting on I/O


def test_cpu_speedup_is_declared_where_the_graded_tests_time_process_pools():
    """The manifest's cpu_speedup (the README line, the build's message, the CPU note)
    names exactly the assignments whose graded tests judge CPU-bound speedups."""
    markers = re.compile(r"cpu_bound\s*=\s*True|judge_with_yardstick")
    timed = [a.number for a in manifest.load()
             if any(markers.search(p.read_text(encoding="utf-8")) for p in a.tests_dir.rglob("*.py"))]
    declared = [a.number for a in manifest.load() if a.cpu_speedup]
    assert declared == timed == [3, 4, 5]


@pytest.mark.slow
def test_reference_crunch_earns_full_marks(zips, python_bin, tmp_path):
    root = layout(zips[5], tmp_path, A5.reference_dir / "crunch.py")
    data = run_autograder(root, python_bin)
    assert data["score"] == max_points(data) == A5.points, data["output"]
    assert all(t["status"] == "passed" for t in data["tests"])
    assert {t["visibility"] for t in data["tests"]} == {"visible", "after_published"}
    # The engine that graded is the zip's, not the kit's.
    assert f"engine {root / 'source' / 'autograder'}\n" in data["_stdout"]
    cpus = gradescope.measured_cpus()
    assert ("Autograder Settings" in data["output"]) == (cpus.effective < 2), data["output"]


@pytest.mark.slow
def test_stub_earns_less(zips, python_bin, tmp_path):
    root = layout(zips[5], tmp_path, A5.folder / "crunch.py")
    data = run_autograder(root, python_bin)
    assert 0 <= data["score"] < A5.points
    assert any(t["status"] == "failed" for t in data["tests"])


@pytest.mark.slow
def test_syntax_error_earns_zero_and_says_why(zips, python_bin, tmp_path):
    bad = tmp_path / "crunch.py"
    bad.write_text("def crunch(n_items:\n    return {}\n")
    root = layout(zips[5], tmp_path / "root", bad)
    data = run_autograder(root, python_bin)
    assert data["score"] == 0 and max_points(data) == A5.points
    # One message with the line and a caret, first; found before any test ran.
    assert data["output"].startswith("crunch.py has a syntax error at line 1"), data["output"]
    assert "\n    1 | def crunch(n_items:\n" in data["output"] and "^" in data["output"]
    assert all(t["output"].startswith("Not run: crunch.py has a syntax error at line 1")
               for t in data["tests"])


@pytest.mark.slow
def test_empty_submission_still_gives_valid_results(zips, python_bin, tmp_path):
    root = layout(zips[5], tmp_path)
    data = run_autograder(root, python_bin)
    assert data["score"] == 0 and max_points(data) == A5.points
    assert "no crunch.py" in data["output"] or "crunch.py is missing" in data["output"]


def test_no_submission_folder_still_gives_rows_and_a_reason(zips, python_bin, tmp_path):
    root = layout(zips[5], tmp_path)
    (root / "submission").rmdir()
    data = run_autograder(root, python_bin)
    assert data["score"] == 0
    assert max_points(data) == A5.points          # every expected test, 0 points each
    assert "could not grade" in data["output"] and "no submission folder" in data["output"]
    assert data["extra_data"]["ck_state"] == "error"


def test_a_broken_test_suite_still_gives_results(zips, python_bin, tmp_path):
    """Grading itself blows up (the tests cannot be collected): score 0, the error."""
    root = layout(zips[5], tmp_path, A5.reference_dir / "crunch.py")
    (root / "source" / "assignments" / A5.slug / "tests" / "test_visible.py").write_text("def (:\n")
    data = run_autograder(root, python_bin)
    assert data["score"] == 0
    assert "could not grade" in data["output"] and "CollectionError" in data["output"]


def test_engine_that_cannot_start_still_gives_results(zips, python_bin, tmp_path):
    root = layout(zips[5], tmp_path, A5.reference_dir / "crunch.py")
    (root / "source" / "autograder" / "cli.py").unlink()
    data = run_autograder(root, python_bin)
    assert data["score"] == 0 and data["extra_data"]["ck_state"] == "failed"
    assert "did not start" in data["output"] and "ModuleNotFoundError" in data["output"]


def test_no_python_at_all_still_gives_results(zips, tmp_path):
    root = layout(zips[5], tmp_path)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text("#!/bin/sh\nexit 3\n")
    (fake / "python3").chmod(0o755)
    data = run_autograder(root, None, path=f"{fake}:/usr/bin:/bin")
    assert data["score"] == 0 and "could not start Python" in data["output"]


@pytest.mark.slow
def test_grader_killed_mid_way_leaves_a_placeholder_with_the_log(zips, python_bin, tmp_path):
    """The grader dies in the middle (as on an out-of-memory kill): the placeholder it
    wrote before grading stays, completed with its last output."""
    import psutil
    root = layout(zips[5], tmp_path, A5.reference_dir / "crunch.py")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(CK_GRADESCOPE_ROOT=str(root), PATH=f"{python_bin}:/usr/bin:/bin")
    proc = subprocess.Popen([str(root / "source" / "run_autograder")], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results = root / "results" / "results.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not results.exists():
        time.sleep(0.05)
    assert results.exists()
    grader = [p for p in psutil.Process(proc.pid).children(recursive=True)
              if "gradescope" in p.cmdline() and "--run" in p.cmdline()]
    assert len(grader) == 1
    doomed = [grader[0], *grader[0].children(recursive=True)]   # as an OOM kill would
    for p in doomed:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    data = json.loads(results.read_text())
    check_format(data)
    assert data["score"] == 0 and data["extra_data"]["ck_state"] == "failed"
    assert "stopped before it finished" in data["output"] and "status 137" in data["output"]
    assert max_points(data) == A5.points


@pytest.mark.slow
def test_downloader_reference_at_half_a_cpu_has_no_cpu_note(zips, python_bin, tmp_path):
    """Threads waiting on I/O do not need CPUs: full marks, and no note about them."""
    root = layout(zips[2], tmp_path, A2.reference_dir / "downloader.py")
    data = run_autograder(root, python_bin, env={"CK_CPU_QUOTA": "0.5"})
    assert data["score"] == max_points(data) == A2.points, data["output"]
    assert "Autograder Settings" not in data["output"]
    assert "quota 0.5" in data["extra_data"]["cpus"]


# ------------------------------------------------------------ half a CPU

def _mounts() -> list[tuple[str, str, set[str]]]:
    """(mount point, fs type, super options) of every cgroup mount."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fstype, _, opts = (right.split() + ["", "", ""])[:3]
        if fstype in ("cgroup", "cgroup2"):
            out.append((left.split()[4], fstype, set(opts.split(","))))
    return out


def _own_path(controller: str | None) -> str | None:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        hid, ctrls, path = line.split(":", 2)
        if (controller is None and hid == "0") or (controller and controller in ctrls.split(",")):
            return path
    return None


def _make_v2(name: str) -> tuple[str, Path] | None:
    """A cgroup v2 child with cpu.max = 0.5 CPU, where the cpu controller is delegated."""
    for mount, fstype, _ in _mounts():
        if fstype == "cgroup2" and (rel := _own_path(None)) is not None:
            child = Path(mount) / rel.lstrip("/") / name
            child.mkdir()
            if (child / "cpu.max").exists():
                try:
                    (child / "cpu.max").write_text("50000 100000")
                except OSError:
                    child.rmdir()
                    raise
                return ("v2", child)
            child.rmdir()    # no cpu controller delegated here; not ours to enable
    return None


def _make_v1(name: str) -> tuple[str, Path] | None:
    """A cgroup v1 cpu child with cpu.cfs_quota_us = 50000 per 100000."""
    for mount, fstype, opts in _mounts():
        if fstype == "cgroup" and "cpu" in opts and (rel := _own_path("cpu")) is not None:
            child = Path(mount) / rel.lstrip("/") / name
            child.mkdir()
            try:
                (child / "cpu.cfs_period_us").write_text("100000")
                (child / "cpu.cfs_quota_us").write_text("50000")
            except OSError:
                child.rmdir()
                raise
            return ("v1", child)
    return None


def _remove(child: Path) -> None:
    """The cgroup gone, its processes (if any are left) moved back to the parent first."""
    for _ in range(50):
        try:
            child.rmdir()
            return
        except OSError:
            for pid in (child / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):
                    (child.parent / "cgroup.procs").write_text(pid)
            time.sleep(0.1)


@contextlib.contextmanager
def half_cpu_cgroup():
    """A new cgroup with 0.5 CPU (cgroup v2 cpu.max = "50000 100000", else v1
    cpu.cfs_quota_us = 50000 per 100000), as Gradescope's container has; None when this
    machine does not let us make one. Only the new cgroup is touched."""
    name = f"ck-gradescope-test-{os.getpid()}"
    try:
        made = _make_v2(name) or _make_v1(name)
    except OSError:
        made = None
    try:
        yield made
    finally:
        if made is not None:
            _remove(made[1])


@pytest.mark.slow
def test_reference_crunch_at_half_a_cpu_earns_full_marks_with_a_note(zips, python_bin, tmp_path):
    """Gradescope's default 0.5 vCPU: speedups judged on structure, full marks, and the
    instructor told which setting to raise. In a real 0.5-CPU cgroup when possible."""
    root = layout(zips[5], tmp_path, A5.reference_dir / "crunch.py")
    with half_cpu_cgroup() as cgroup:
        if cgroup is None:
            data = run_autograder(root, python_bin, env={"CK_CPU_QUOTA": "0.5"})
        else:
            # A wrapper moves itself into the cgroup, then becomes run_autograder.
            wrapper = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(cgroup[1])]
            data = run_autograder(root, python_bin, prefix=wrapper)
            stat = dict(line.split() for line in (cgroup[1] / "cpu.stat").read_text().splitlines())
            assert int(stat["nr_throttled"]) > 0, f"the {cgroup[0]} cgroup never throttled: {stat}"
    print(f"half a CPU through: {cgroup[0] + ' cgroup' if cgroup else 'CK_CPU_QUOTA=0.5'}")
    assert data["score"] == max_points(data) == A5.points, data["output"]
    assert "quota 0.5" in data["extra_data"]["cpus"], data["extra_data"]
    out = data["output"]
    assert "Note for the instructor" in out and "0.5" in out
    assert '"Autograder Settings"' in out and "CPU allocation" in out
    assert "structural evidence" in out
    speed = next(t for t in data["tests"] if "faster than the grader" in t["name"])
    assert "inconclusive" in speed["output"]


# ------------------------------------------------ setup.sh for real (pip only)

@pytest.mark.slow
def test_setup_sh_then_run_autograder_with_its_own_venv(zips, python_bin, tmp_path):
    """setup.sh as Gradescope runs it (its apt step is skipped: python3 with venv is
    here), then run_autograder with the venv setup.sh made, without the kit's on PATH."""
    ok = subprocess.run(["python3", "-c", "import sys, ensurepip, venv; "
                         "sys.exit(sys.version_info < (3, 10))"],
                        env={"PATH": f"{python_bin}:/usr/bin:/bin"}, capture_output=True)
    assert ok.returncode == 0, "the kit's venv python has no venv/ensurepip: setup.sh would run apt"
    probe = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                            "-d", str(tmp_path / "probe"), "pytest-timeout>=2.2"],
                           capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"no package index reachable for pip here: {probe.stderr[-300:]}")
    root = layout(zips[5], tmp_path / "root", A5.reference_dir / "crunch.py")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CK_CPU_QUOTA")}
    env.update(CK_GRADESCOPE_ROOT=str(root), PATH=f"{python_bin}:/usr/bin:/bin")
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=root, env=env,
                           capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    venv_python = root / gradescope.VENV / "bin" / "python"
    assert venv_python.exists()
    assert "05_crunch_with_processes" in setup.stdout       # its smoke test listed it
    data = run_autograder(root, None, path="/usr/bin:/bin")       # only the venv setup.sh made
    assert data["score"] == max_points(data) == A5.points, data["output"]
    assert f"engine {root / 'source' / 'autograder'}\n" in data["_stdout"]


@pytest.mark.slow
@pytest.mark.parametrize("submitted, score, late", [
    ("2026-12-02T01:00:00-08:00", 24.0, "1 d 2 h late"),      # past due by a day and 2 h
    ("2026-11-30T20:00:00-08:00", 30.0, None)])               # on time
def test_late_policy_from_submission_metadata_and_a_leaderboard(tmp_path, python_bin,
                                                                submitted, score, late):
    """`gradescope 2 --late '10%/day'`: the run reads Gradescope's submission_metadata.json
    (created_at against assignment.due_date), keeps the raw score beside the penalised one
    and says why; the leaderboard gets the measured speedup; extra_data the numbers."""
    out = tmp_path / "dist"
    assert gradescope.main(["2", "--out", str(out), "--late", "10%/day, cap 50%"]) == 0
    root = layout(out / f"gradescope-{A2.slug}.zip", tmp_path / "gs",
                  A2.reference_dir / "downloader.py")
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": submitted, "submission_method": "upload",
        "assignment": {"due_date": "2026-11-30T23:00:00-08:00", "late_due_date": None,
                       "title": A2.title, "total_points": "30.0"},
        "users": [{"email": "ada@example.edu", "id": 7, "name": "Ada"}]}))
    data = run_autograder(root, python_bin)
    assert data["score"] == score and data["extra_data"]["raw_score"] == 30.0
    assert data["extra_data"]["late_policy"] == "10% per day late (a day begun counts), at most 50%"
    if late:
        assert data["output"].startswith(f"Late: {late} (Gradescope's submission time")
        assert "30 -> 24" in data["extra_data"]["late"]
    else:
        assert "late" not in data["extra_data"] and not data["output"].startswith("Late")
    (board,) = data["leaderboard"]
    assert board["name"] == "Speedup" and board["order"] == "desc" and board["value"] > 1
    measured = data["extra_data"]["measured"]
    assert any(m["label"].startswith("speedup") for ms in measured.values() for m in ms)
