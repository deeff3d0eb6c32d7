#!/usr/bin/env bash
# MIME benchmark: raw MIME to stored complaint (intake), MIME parsing alone (intake), and Python's email package
# parsing the same corpus, in the same run, ROUNDS times, alternating so each sees the same machine.
#
# Corpus: fixtures/email/**/*.eml and CPython's own test_email/data/msg_*.txt (Debian libpython3.X-testsuite),
# repeated to COUNT messages, each copy with a Message-ID of its own (bench/mime/make_corpus.py).
#   intake store  `intake email-bench --mode store`: the email-inbound push adapter (parse, classify) and
#                 Gateway.submit (journal, group commit, fdatasync) with CONCURRENCY deliveries in flight, the backlog
#                 on as in a running server, worked off until every message is a stored complaint; fresh storage.
#   intake parse  the push adapter alone, one thread.
#   python        /usr/bin/python3's email package, policy.default: parse, Subject, From, body text; one thread.
# Ratios are over the totals of all rounds.
#
# Usage: bench/mime.sh <path-to-intake-binary>
# Knobs (environment): COUNT (5000), ROUNDS (3), KEEP=1 to keep the temp dir, CONCURRENCY (100: Postfix's
# default_process_limit, how many `pipe` deliveries it runs at once; fewer in flight means smaller group commits, and
# at 32 the rate is about a third lower).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
COUNT="${COUNT:-5000}"
ROUNDS="${ROUNDS:-3}"
CONCURRENCY="${CONCURRENCY:-100}"
KEEP="${KEEP:-0}"
python=/usr/bin/python3

[[ $# -eq 1 && -x "$1" ]] || { echo "usage: $0 <path-to-intake-binary>" >&2; exit 2; }
bin="$1"

data="$("$python" -c 'import os, test.test_email as t; print(os.path.join(os.path.dirname(t.__file__), "data"))' 2>/dev/null)" || {
  echo "mime: CPython's test_email data is missing: apt-get install $("$python" -c 'import sys;print(f"libpython3.{sys.version_info.minor}-testsuite")')" >&2
  exit 1
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/intake-mime-bench.XXXXXX")"
cleanup() { if [[ "$KEEP" == 1 ]]; then echo "mime: kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

shopt -s nullglob globstar
"$python" "$here/mime/make_corpus.py" --out "$tmp/corpus" --count "$COUNT" "$root"/fixtures/email/**/*.eml "$data"/msg_*.txt
echo "mime: $(du -sh "$tmp/corpus" | cut -f1) on disk; $(nproc) CPUs; $("$python" --version)"

rate() { sed -n 's/.*"msgs_per_sec": *\([0-9.]*\).*/\1/p' <<<"$1"; }
secs() { sed -n 's/.*"seconds": *\([0-9.]*\).*/\1/p' <<<"$1"; }
store_s=0 parse_s=0 python_s=0
for round in $(seq "$ROUNDS"); do
  store="$("$bin" email-bench --corpus "$tmp/corpus" --mode store --concurrency "$CONCURRENCY" --round "$round")"
  parse="$("$bin" email-bench --corpus "$tmp/corpus" --mode parse --round "$round")"
  py="$("$python" "$here/mime/python_email.py" "$tmp/corpus" "$round")"
  echo "mime: [intake store] $store"
  echo "mime: [intake parse] $parse"
  echo "mime: [python]       $py"
  answered="$("$python" -c "print(round($COUNT / $(sed -n 's/.*"answered_seconds": *\([0-9.]*\).*/\1/p' <<<"$store")))")"
  echo "mime: round $round: store $(rate "$store") msgs/s (answered $answered msgs/s), parse $(rate "$parse") msgs/s, python $(rate "$py") msgs/s"
  store_s="$("$python" -c "print($store_s + $(secs "$store"))")"
  parse_s="$("$python" -c "print($parse_s + $(secs "$parse"))")"
  python_s="$("$python" -c "print($python_s + $(secs "$py"))")"
done
"$python" - "$COUNT" "$ROUNDS" "$store_s" "$parse_s" "$python_s" <<'PY'
import sys
count, rounds = int(sys.argv[1]), int(sys.argv[2])
store, parse, python = (count * rounds / float(s) for s in sys.argv[3:6])
print(f"mime: over {rounds} rounds of {count} messages: intake store {store:.0f} msgs/s, intake parse {parse:.0f} msgs/s, "
      f"python email {python:.0f} msgs/s")
print(f"mime: ratio store/python {store / python:.1f}x, parse/python {parse / python:.1f}x (goal: 10x)")
PY
