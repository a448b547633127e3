#!/bin/sh
# The compare page as a browser draws it: headless Chromium screenshots of `make compare`
# for a submission beside the reference (issue 17: look at the page, not only its HTML).
#
#   sh bench/compare_screenshot.sh [ASSIGNMENT] [SUBMISSION]
#   (default: 2 tests/broken/02_parallelize_the_downloader/sequential.py)
#
# Writes bench/results/compare-<date>-top.png (header, table, timings) and -feedback.png
# (what the student was told, the diffs). Needs Debian's chromium (installed if root).
set -eu
cd "$(dirname "$0")/.."
n="${1:-2}"
sub="${2:-tests/broken/02_parallelize_the_downloader/sequential.py}"
day="$(date +%Y-%m-%d)"
out="bench/results"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
command -v chromium >/dev/null 2>&1 || { [ "$(id -u)" = 0 ] && apt-get install -y -q chromium >/dev/null; }
make --no-print-directory setup
.venv/bin/python -m autograder compare "$n" "$sub" --html "$tmp/page.html" >/dev/null
.venv/bin/python - "$tmp" <<'PY'
import sys
tmp = sys.argv[1]
html = open(f"{tmp}/page.html", encoding="utf-8").read()
at = html.index("<h2>What the student was told")
open(f"{tmp}/feedback.html", "w", encoding="utf-8").write(html[:html.index("<body>") + 6] + html[at:])
PY
shot() {  # page, height, png
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$tmp/profile" --hide-scrollbars --window-size="1280,$2" \
        --screenshot="$3" "file://$1" >/dev/null 2>&1
}
shot "$tmp/page.html" 2400 "$out/compare-$day-top.png"
shot "$tmp/feedback.html" 1800 "$out/compare-$day-feedback.png"
echo "$out/compare-$day-top.png $out/compare-$day-feedback.png"
