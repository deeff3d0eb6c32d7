#!/usr/bin/env bash
# libFuzzer run of the MIME parser: builds Fuzz/MIMEFuzzer with Sources/IntakeMIME under -sanitize=fuzzer,address,
# seeds a corpus with fixtures/email and CPython's test_email messages (when installed), and fuzzes for SECONDS.
# Usage: Fuzz/mime.sh   Knobs: SECONDS_TO_RUN (60). Crashes land in .build/fuzz/ as crash-<sha1>; replay one with
# .build/fuzz/mime-fuzzer <file>. The corpus grows in .build/fuzz/corpus between runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build/fuzz"
mkdir -p "$out/corpus"
swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name MIMEFuzzer -I "$root/Sources/CEtpan" \
  "$root"/Sources/IntakeMIME/*.swift "$root/Fuzz/MIMEFuzzer/MIMEFuzzer.swift" -o "$out/mime-fuzzer" \
  2> >(grep -v "Cannot export local symbol" >&2)
cp "$root"/fixtures/email/*.eml "$root"/fixtures/email/mime/*.eml "$out/corpus/" 2>/dev/null || true
data="$(/usr/bin/python3 -c 'import os, test.test_email as t; print(os.path.join(os.path.dirname(t.__file__), "data"))' 2>/dev/null || true)"
[[ -n "$data" ]] && cp "$data"/msg_*.txt "$out/corpus/"
cd "$out"
exec ./mime-fuzzer -max_total_time="${SECONDS_TO_RUN:-60}" -max_len=262144 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 corpus
