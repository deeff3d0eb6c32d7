#!/usr/bin/env bash
# Measures durable web form submissions per second with a 200 KiB photo, next to the generic webhook's
# durable rate on the same server in the same run.
#
# Each round starts a fresh server (release binary, temp storage) with a generic channel and a webform
# channel, then runs two phases against it, in alternating order from round to round:
#   webform  multipart POST /api/v1/reports?channel=form (bench/webform.lua): a valid, distinct form token
#            minted in Lua as FormToken does, the usual fields and a distinct 200 KiB JPEG. A 2xx means the
#            photo was streamed to the spool, moved into the attachment store and fsynced (file and folder),
#            and the journal row pointing at it was committed and flushed;
#   generic  signed JSON webhooks (bench/webhook.lua), as in bench/webhooks.sh.
# Processing behind the answer is drained after each phase, so neither phase pays for the other's backlog.
# Around each measured run the server's threads are sampled (bench/cost.py), so each phase prints CPU µs
# per request by thread group, and the summary compares the two. After each round the store is checked:
# every acknowledged form is a journal row whose raw body is small (pointers, not photos), and every
# photo is one file under attachments/.
#
# Usage: bench/webform.sh <path-to-intake-binary>
# Knobs (environment): ROUNDS (3), DURATION (10s), CONNECTIONS (64, both phases), THREADS (1), WARMUP (2s),
#   PHOTO_BYTES (204800), FORM_PATH (/api/v1/reports?channel=form), TIMEOUT (10s), DRAIN_TIMEOUT (600),
#   KEEP=1 to keep the temp dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}"
WARMUP="${WARMUP:-2s}"
TIMEOUT="${TIMEOUT:-10s}"
KEEP="${KEEP:-0}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-600}"
PHOTO_BYTES="${PHOTO_BYTES:-204800}"
FORM_PATH="${FORM_PATH:-/api/v1/reports?channel=form}"

SECRET="bench-secret-0123456789"
FORM_SECRET="bench-form-secret-0123456789"

die() { echo "webform: $*" >&2; exit 1; }

[[ $# -eq 1 && -x "$1" ]] || { echo "usage: $0 <path-to-intake-binary>" >&2; exit 2; }
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
for tool in wrk curl python3 sqlite3; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/intake-webform-bench.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ "$KEEP" == 1 ]]; then echo "webform: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  local port
  for _ in $(seq 50); do
    port=$(( 20000 + RANDOM % 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}

start_server() { # dir port
  local dir="$1" port="$2"
  cat >"$dir/intake.yaml" <<YAML
server:
  host: 127.0.0.1
  port: $port
  public_url: http://127.0.0.1:$port
storage:
  path: $dir/data
admin_token: bench-admin-token-0123456789
channels:
  - id: bench
    type: generic
    secret: $SECRET
  - id: form
    type: webform
    secret: $FORM_SECRET
    min_fill_seconds: 0
    # Every wrk connection comes from 127.0.0.1: the per-address limit must not be what is measured.
    submissions_per_minute: 1000000
    max_body_bytes: $(( PHOTO_BYTES + 65536 ))
YAML
  "$bin" serve --config "$dir/intake.yaml" >"$dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" 2>/dev/null && return
    kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$dir/server.log" >&2; die "server exited during start-up"; }
    sleep 0.1
  done
  die "server not healthy on port $port after 10 s"
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

run_wrk() { # port duration phase run-id output-file
  local port="$1" duration="$2" phase="$3" run="$4" out="$5" script url
  if [[ "$phase" == webform ]]; then script="$here/webform.lua" url="http://127.0.0.1:$port$FORM_PATH"
  else script="$here/webhook.lua" url="http://127.0.0.1:$port/webhooks/bench"; fi
  INTAKE_BENCH_SECRET="$SECRET" INTAKE_BENCH_CHANNEL=bench INTAKE_BENCH_FORM_SECRET="$FORM_SECRET" \
    INTAKE_BENCH_FORM_PATH="$FORM_PATH" INTAKE_BENCH_PHOTO_BYTES="$PHOTO_BYTES" INTAKE_BENCH_RUN="$run" BENCH_DIR="$here" \
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "$duration" --timeout "$TIMEOUT" -s "$script" "$url" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk failed"; }
  grep '^RESULT ' "$out" || { cat "$out" >&2; die "wrk printed no RESULT line"; }
}

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
acked() { echo $(( $(field "$1" requests) - $(field "$1" non2xx) )); }
cost() { python3 "$here/cost.py" "$@"; }

drain() { # port
  local pending
  for _ in $(seq $(( DRAIN_TIMEOUT * 5 ))); do
    pending="$(curl -fsS --max-time 5 "http://127.0.0.1:$1/healthz" | sed -n 's/.*"journal_pending" *: *\([0-9]*\).*/\1/p')"
    [[ "$pending" == 0 || -z "$pending" ]] && return
    sleep 0.2
  done
  echo "webform: warning: $pending messages still pending after ${DRAIN_TIMEOUT}s" >&2
}

# One measured phase on the running server; adds to the totals of its kind.
declare -A total_acked total_seconds latencies
run_phase() { # phase round dir port
  local phase="$1" round="$2" dir="$3" port="$4" warm result
  warm="$(run_wrk "$port" "$WARMUP" "$phase" "$$-$phase-warm-$round" "$dir/wrk-$phase-warmup.txt")"
  drain "$port"
  curl -fsS --max-time 5 -o "$dir/metrics-$phase-before.txt" "http://127.0.0.1:$port/metrics"
  cost snapshot "$server_pid" >"$dir/threads-$phase-before.json"
  result="$(run_wrk "$port" "$DURATION" "$phase" "$$-$phase-$round" "$dir/wrk-$phase.txt")"
  cost snapshot "$server_pid" >"$dir/threads-$phase-after.json"
  curl -fsS --max-time 5 -o "$dir/metrics-$phase-after.txt" "http://127.0.0.1:$port/metrics"
  echo "webform: [$phase] round $round: $result"
  (( $(acked "$result") > 0 )) || die "[$phase] nothing acknowledged; see $dir/server.log"
  (( $(field "$result" non2xx) + $(field "$result" socket_errors) == 0 )) \
    || echo "webform: warning: [$phase] $(field "$result" non2xx) error answers, $(field "$result" socket_errors) socket errors" >&2
  cost phase "$phase" "$round" "$(acked "$result")" "$dir/threads-$phase-before.json" "$dir/threads-$phase-after.json" \
    "$dir/cost-$phase.json" "$dir/metrics-$phase-before.txt" "$dir/metrics-$phase-after.txt"
  drain "$port"
  acked_in_phase[$phase]=$(( $(acked "$warm") + $(acked "$result") ))
  total_acked[$phase]=$(( ${total_acked[$phase]:-0} + $(acked "$result") ))
  total_seconds[$phase]="$(awk -v a="${total_seconds[$phase]:-0}" -v b="$(field "$result" duration_s)" 'BEGIN { print a + b }')"
  latencies[$phase]+=" $(field "$result" p50_ms)/$(field "$result" p99_ms)"
  rates[$phase]="$(awk -v a="$(acked "$result")" -v s="$(field "$result" duration_s)" 'BEGIN { printf "%.1f", a / s }')"
}

# Every acknowledged form is a journal row with a small raw body; every photo one stored file; no spool left.
check_round() { # dir
  local db="$1/data/intake.sqlite" rows raw_max files spool
  rows="$(sqlite3 "$db" "select count(*) from journal where channel_id = 'form'")"
  raw_max="$(sqlite3 "$db" "select max(length(raw)) from journal where channel_id = 'form'")"
  files="$(find "$1/data/attachments" -type f | wc -l)"
  spool="$(find "$1/data/spool" -type f | wc -l)"
  echo "webform: check: ${acked_in_phase[webform]} forms acknowledged, $rows journaled (largest raw $raw_max bytes)," \
       "$files photos stored, $spool spool files left;" \
       "generic: ${acked_in_phase[generic]} acknowledged, $(sqlite3 "$db" "select count(*) from journal where channel_id = 'bench'") journaled"
  (( rows >= ${acked_in_phase[webform]} )) || die "acknowledged forms are missing from the journal"
  (( files >= ${acked_in_phase[webform]} )) || die "acknowledged photos are missing from the attachment store"
  (( raw_max < 4096 )) || die "a journal row holds $raw_max bytes: the photo went into the journal"
}

echo "webform: $(nproc) CPU(s), binary $bin, photo $PHOTO_BYTES bytes, $CONNECTIONS connections, temp dir $tmp"
declare -A acked_in_phase rates
for round in $(seq "$ROUNDS"); do
  dir="$tmp/round-$round"
  mkdir -p "$dir/data"
  port="$(free_port)"
  start_server "$dir" "$port"
  if (( round % 2 == 1 )); then order=(webform generic); else order=(generic webform); fi
  for phase in "${order[@]}"; do run_phase "$phase" "$round" "$dir" "$port"; done
  stop_server
  check_round "$dir"
  echo "webform: round $round: webform/generic $(awk -v f="${rates[webform]}" -v g="${rates[generic]}" 'BEGIN { printf "%.1f %%", 100 * f / g }')"
  # The photos of a round take gigabytes; the next round starts from nothing anyway.
  [[ "$KEEP" == 1 ]] || rm -rf "$dir/data"
done

echo
for phase in webform generic; do
  awk -v label="$phase" -v acked="${total_acked[$phase]}" -v secs="${total_seconds[$phase]}" -v lat="${latencies[$phase]}" -v photo="$PHOTO_BYTES" \
    'BEGIN { printf "webform: %-8s durable %8.0f req/s", label, acked / secs
             if (label == "webform") printf " (%.0f MiB/s of photos)", acked / secs * photo / 1048576
             printf "  p50/p99 ms per round:%s\n", lat }'
done
awk -v f="${total_acked[webform]}" -v fs="${total_seconds[webform]}" -v g="${total_acked[generic]}" -v gs="${total_seconds[generic]}" \
  'BEGIN { printf "webform: ratio webform/generic over all rounds: %.1f %%\n", 100 * (f / fs) / (g / gs) }'
COST_MODES="generic webform" cost summary "$tmp"/round-*/cost-*.json
