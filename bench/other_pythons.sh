#!/bin/sh
# Every reference graded with the student's code under other Pythons (--python): Debian
# trixie's 3.13 and sid's 3.14, each in a chroot built here with debootstrap (once; kept
# under $CHROOTS). Not a test: a slow sweep, its results in bench/results/.
#
#   sh bench/other_pythons.sh [RUNS]      (as root: debootstrap and bubblewrap need it)
set -eu
cd "$(dirname "$0")/.."
CHROOTS=${CHROOTS:-/srv/ck-pythons}
RUNS=${1:-1}
OUT=bench/results/other-pythons-$(date +%Y-%m-%d).txt
PY=.venv/bin/python

build() {  # build NAME SUITE PACKAGE
    root=$CHROOTS/$1
    if [ ! -x "$root/usr/bin/$3" ]; then
        command -v debootstrap >/dev/null || apt-get install -y -q debootstrap
        mkdir -p "$CHROOTS"
        debootstrap --variant=minbase --include="$3,python3-requests" "$2" "$root" \
            http://deb.debian.org/debian >"$CHROOTS/$1.log" 2>&1
    fi
    echo "$root/usr/bin/$3"
}

make --no-print-directory setup >/dev/null
{
    echo "# every reference, the student's code under other Pythons (the tests on the kit's)"
    echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kit Python $($PY -c 'import sys; print(sys.version.split()[0])')"
    for spec in "trixie trixie python3.13" "sid sid python3.14"; do
        set -- $spec
        python=$(build "$1" "$2" "$3")
        for n in $($PY -c 'from autograder import manifest; print(*[a.number for a in manifest.load()])'); do
            ref=$(ls -d reference/0"$n"_*)
            run=1
            while [ "$run" -le "$RUNS" ]; do
                start=$(date +%s.%N)
                total=$($PY -m autograder grade "$n" "$ref" --python "$python" 2>&1 \
                        | grep -E '^Total|^error' | head -1)
                secs=$(echo "$(date +%s.%N) - $start" | bc)
                printf '%-8s %-32s run %d  %6.1f s  %s\n' "$3" "$(basename "$ref")" "$run" "$secs" "$total"
                run=$((run + 1))
            done
        done
    done
} | tee "$OUT"
