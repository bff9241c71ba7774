#!/usr/bin/env bash
# Refreshes docs/report.png: the report of the testdata run, screenshotted in headless Chromium with the flags
# tests/report_browser.rs uses. Needs Chromium (apt-get install chromium). Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
target/release/hlas analyze testdata/feedback.csv testdata/chats.csv testdata/reviews.jsonl testdata/transcripts.jsonl \
    -o "$tmp/out.arrow" -q
target/release/hlas report "$tmp/out.arrow" -o "$tmp/report.html" --title "hlas report: the bundled testdata"
mkdir -p docs
"${HLAS_CHROMIUM:-/usr/bin/chromium}" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$tmp/profile" --screenshot=docs/report.png --window-size=1280,3200 "file://$tmp/report.html"
echo "wrote docs/report.png"
