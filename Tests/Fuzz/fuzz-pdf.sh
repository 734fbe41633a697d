#!/bin/bash
# Fuzzes radd's PDF text extraction (Sources/Ingest/Formats/PDF/PDFText.swift) with libFuzzer:
#   Tests/Fuzz/fuzz-pdf.sh [SECONDS]       (default 600)
# The corpus starts from Tests/IngestTests/Fixtures/pdf; findings go to Tests/Fuzz/findings/.
# A crash input must be fixed and kept as a test (Tests/IngestTests/Fixtures/pdf).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
seconds="${1:-600}"
work="$(mktemp -d /tmp/radd-pdf-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name PDFFuzz \
    ../../Sources/Ingest/Formats/PDF/PDFText.swift ../../Sources/RaddCore/SystemError.swift PDFTextFuzz.swift \
    -o "$work/pdf-fuzz"
mkdir -p "$work/corpus" findings
cp ../IngestTests/Fixtures/pdf/*.pdf "$work/corpus/"
rm -f "$work/corpus/"bomb_*.pdf "$work/corpus/make_bombs.py"   # seconds a run: mutations of them only burn the time
"$work/pdf-fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=findings/ -print_final_stats=1 "$work/corpus"
