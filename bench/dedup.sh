#!/usr/bin/env bash
# Dedup benchmark: intake's engine against datasketch MinHash-LSH (character 3-grams), in one run.
#
#   1. F1 of merges and clusters on each labeled set, fixtures/dedup and fixtures/dedup/register (both tools, same scorer);
#   2. `intake dedup eval` over the first 1,000,000 messages of the stream: messages per second and peak RSS;
#   3. messages per second through features + search + decision + insert, after PRIOR indexed
#      messages of a deterministic synthetic stream (bench/dedup/make_stream.py), with peak RSS.
#
# datasketch is far slower, so it indexes DS_PRIOR messages (default 100,000) and its rate is
# measured there; intake's is measured after PRIOR (default 1,000,000), a harder setting for it.
#
# Usage: bench/dedup.sh <path-to-intake-binary>
# Knobs: EVAL_COUNT (1000000), PRIOR (1000000), MEASURED (100000), DS_PRIOR (100000), DS_MEASURED (20000), VENV (.venv-bench)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
PRIOR="${PRIOR:-1000000}"
MEASURED="${MEASURED:-100000}"
DS_PRIOR="${DS_PRIOR:-100000}"
DS_MEASURED="${DS_MEASURED:-20000}"
VENV="${VENV:-$root/.venv-bench}"

[[ $# -eq 1 && -x "$1" ]] || { echo "usage: $0 <path-to-intake-binary>" >&2; exit 2; }
bin="$1"

if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$here/dedup/requirements.txt"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/intake-dedup-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Both labeled sets, scored apart: fixtures/dedup (the first set) and fixtures/dedup/register (the same
# citizen in another register, follow-ups, clusters across wording; written before the second tuning).
for set in dedup dedup/register; do
  dir="$root/fixtures/$set"
  echo "dedup: labeled set fixtures/$set ($(wc -l <"$dir/messages.jsonl") messages)"
  "$bin" dedup eval --input "$dir/messages.jsonl" --output "$tmp/intake.jsonl"
  "$VENV/bin/python" "$here/dedup/datasketch_baseline.py" --input "$dir/messages.jsonl" --output "$tmp/datasketch.jsonl"
  echo "dedup: [intake F1, fixtures/$set]";     "$bin" dedup score --labels "$dir/labels.jsonl" --predictions "$tmp/intake.jsonl"
  echo "dedup: [datasketch F1, fixtures/$set]"; "$bin" dedup score --labels "$dir/labels.jsonl" --predictions "$tmp/datasketch.jsonl"
done

total=$(( (PRIOR > DS_PRIOR ? PRIOR : DS_PRIOR) + (MEASURED > DS_MEASURED ? MEASURED : DS_MEASURED) ))
echo "dedup: generating a stream of $total messages"
python3 "$here/dedup/make_stream.py" --count "$total" >"$tmp/stream.jsonl"

echo "dedup: [intake eval] the first 1,000,000 messages of the stream through \`intake dedup eval --stats\` (reading, deciding, writing)"
head -n "${EVAL_COUNT:-1000000}" "$tmp/stream.jsonl" >"$tmp/eval.jsonl"
eval_line="$("$bin" dedup eval --stats --input "$tmp/eval.jsonl" --output "$tmp/eval-predictions.jsonl" 2>&1 >/dev/null)"
echo "dedup: [intake eval] $eval_line"
rm -f "$tmp/eval.jsonl" "$tmp/eval-predictions.jsonl"

intake_line="$("$bin" dedup bench --stream "$tmp/stream.jsonl" --prior "$PRIOR" --limit "$MEASURED")"
echo "dedup: [intake]     $intake_line"
ds_line="$("$VENV/bin/python" "$here/dedup/datasketch_baseline.py" --stream "$tmp/stream.jsonl" --prior "$DS_PRIOR" --limit "$DS_MEASURED")"
echo "dedup: [datasketch] $ds_line"

rate() { sed -n 's/.*"msgs_per_sec": *\([0-9.]*\).*/\1/p' <<<"$1"; }
python3 - "$(rate "$intake_line")" "$(rate "$ds_line")" <<'PY'
import sys
intake, ds = float(sys.argv[1]), float(sys.argv[2])
print(f"dedup: speed intake/datasketch: {intake / ds:.1f}x ({intake:.0f} vs {ds:.0f} msgs/s)")
PY
