#!/usr/bin/env bash
# Refreshes docs/report.png: the whole report of the testdata run (QA queue cut to its top 8 rows), screenshotted
# in headless Chromium with the flags tests/report_browser.rs uses. Needs Chromium (apt-get install chromium). Run
# from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd testdata && "$root/target/release/hlas" analyze feedback.csv chats.csv reviews.jsonl transcripts.jsonl -o "$tmp/out.arrow" -q)
(cd "$tmp" && "$root/target/release/hlas" report out.arrow -o report.html --top 8 --title "hlas report: the bundled testdata")
mkdir -p docs
shot() { # shot OUTPUT HEIGHT URL
    "${HLAS_CHROMIUM:-/usr/bin/chromium}" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
        --user-data-dir="$tmp/profile" --screenshot="$1" --window-size="1280,$2" "$3" 2>/dev/null
}
shot docs/report.png "${HEIGHT:-5500}" "file://$tmp/report.html"
echo "wrote docs/report.png"
