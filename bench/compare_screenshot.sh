#!/bin/sh
# The compare page as a browser draws it: headless Chromium screenshots of `make compare`
# for a submission beside the reference (issue 17: look at the page, not only its HTML).
#
#   sh bench/compare_screenshot.sh [ASSIGNMENT] [SUBMISSION]
#   (default: 2 tests/broken/02_parallelize_the_downloader/sequential.py)
#
# Writes bench/results/compare-<date>-top.png (header, table, timings), -lanes.png (what the
# threads did, student above reference) and -feedback.png (what the student was told, the
# diffs). Needs Debian's chromium (installed if root).
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
head = html[:html.index("<body>") + 6]
at = html.index("<h2>What the student was told")
open(f"{tmp}/feedback.html", "w", encoding="utf-8").write(head + html[at:])
lanes = html.index("<h2>What the threads did")
end = html.index("<h2>", lanes + 4)
open(f"{tmp}/lanes.html", "w", encoding="utf-8").write(head + html[lanes:end] + "</body></html>")
PY
shot() {  # page, height, png
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$tmp/profile" --hide-scrollbars --window-size="1280,$2" \
        --screenshot="$3" "file://$1" >/dev/null 2>&1
}
shot "$tmp/page.html" 2400 "$out/compare-$day-top.png"
shot "$tmp/feedback.html" 1800 "$out/compare-$day-feedback.png"
shot "$tmp/lanes.html" 2000 "$out/compare-$day-lanes.png"
echo "$out/compare-$day-top.png $out/compare-$day-feedback.png $out/compare-$day-lanes.png"
