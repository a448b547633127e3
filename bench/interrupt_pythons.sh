#!/bin/sh
# Ctrl-C with the kit itself on Python 3.14 and 3.15 (issue 17: on 3.14 `make watch` did not stop,
# an interrupted batch exited 0, compare's Ctrl-C test failed 3 runs of 5). The kit's own
# interruption tests, RUNS times each, with the kit's .venv made by `make setup` from sid's
# python3.14 (or python3.15) inside the chroot bench/other_pythons.sh builds:
#
#   * make watch in a terminal (a pty), Ctrl-C typed: exits 0, says it stopped, leaves
#     nothing running (tests/flows/test_student_release.py, the release made there too);
#   * a batch sent SIGINT part-way: exits 130, keeps what was done, a rerun resumes
#     (tests/flows/test_batch.py);
#   * compare and concurrently.run_all: Ctrl-C as the gradings start and while they run
#     cancels both (tests/engine/test_compare.py, test_concurrently.py).
#
#   sh bench/interrupt_pythons.sh [RUNS] [PYTHON]   (as root: chroot, mounts; PYTHON is
#       python3.14 (default), python3.13 or python3.15, all sid packages; writes
#       bench/results/interrupt-<version>-<date>.txt)
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PY=${2:-python3.14}
ROOT=${CHROOTS:-/srv/ck-pythons}/sid
KIT=/ck-kit
OUT=bench/results/interrupt-${PY#python}-$(date +%Y-%m-%d).txt
TESTS="tests/engine/test_concurrently.py tests/engine/test_compare.py"
TESTS="$TESTS tests/flows/test_batch.py::test_an_interrupted_batch_resumes_without_regrading"
TESTS="$TESTS tests/flows/test_student_release.py::test_watch_in_a_terminal_sees_a_saved_fix"

[ -x "$ROOT/usr/bin/python3" ] || { echo "no $ROOT: run bench/other_pythons.sh first"; exit 1; }
mounted=""
cleanup() {
    for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT
for m in proc dev sys tmp; do
    if ! mountpoint -q "$ROOT/$m"; then
        case $m in
            proc) mount -t proc proc "$ROOT/proc" ;;
            tmp) mount --bind /tmp "$ROOT/tmp" ;;
            *) mount --rbind "/$m" "$ROOT/$m" ;;
        esac
        mounted="$ROOT/$m $mounted"
    fi
done
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
in_root() { chroot "$ROOT" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt DEBIAN_FRONTEND=noninteractive PYTHON="$PY" "$@"; }
# (PYTHON in the environment: the release the watch test makes sets up its .venv with it too)
if ! in_root sh -c "command -v make >/dev/null && $PY -c 'import ensurepip'" 2>/dev/null; then
    in_root apt-get -o Acquire::Check-Valid-Until=false -q update >/dev/null
    in_root apt-get install -y -q make "$PY" "$PY-venv" procps >/dev/null
fi
# The kit as committed (HEAD), fresh: its .venv is 3.14's, made by its own `make setup`.
rm -rf "$ROOT$KIT"
mkdir -p "$ROOT$KIT"
git archive HEAD | tar -x -C "$ROOT$KIT"
in_root sh -c "cd $KIT && make --no-print-directory setup PYTHON=$PY" >/dev/null
{
    echo "# the kit's Ctrl-C tests with the kit on $(in_root "$PY" -VV | head -1)"
    echo "# $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD), $(nproc) CPUs," \
         "sid chroot $ROOT, $RUNS runs"
    run=1
    while [ "$run" -le "$RUNS" ]; do
        result=$(in_root sh -c "cd $KIT && .venv/bin/python -m pytest -q \
                 -p no:randomly -k 'ctrl_c or interrupted or watch_in_a_terminal' $TESTS" \
                 2>&1 | tail -1)
        echo "run $run: $result"
        run=$((run + 1))
    done
} | tee "$OUT"
