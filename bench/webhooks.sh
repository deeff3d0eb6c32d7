#!/usr/bin/env bash
# Measures acknowledged generic webhooks per second, durable vs. bare.
#
# Two phases against the same binary, each with a fresh data directory:
#   bare     `serve --bare`: the webhook route answers 200 without doing any work,
#            so this is the ceiling set by HTTP, the loopback and wrk itself;
#   durable  `serve`: every 2xx means the message is on disk in the journal. A
#            message that cannot repeat an earlier one is processed behind the
#            answer, once arrivals slow down; after the load the script waits
#            for that and reports how long it took.
# The ratio durable/bare says how much of the HTTP ceiling survives durability.
# The two phases alternate for ROUNDS rounds and the ratio is taken over the
# totals: on a shared machine the speed drifts by 10 % or more within a minute,
# and one long phase of each would mostly measure that drift.
# After the durable phase the stored row count is printed next to the number
# of acknowledged requests: an ack without a row would be a lost complaint.
# Around every measured run the server's threads are sampled from /proc (CPU
# time and context switches, see cost.py) and /metrics is scraped, so each
# phase also prints CPU µs and voluntary context switches per request by thread
# group, and the durable phase its batches, flushes and checkpoints.
#
# Usage: bench/webhooks.sh <path-to-intake-binary>
# Knobs (environment): ROUNDS (3), DURATION (10s, per phase and round), CONNECTIONS (64), THREADS (1), WARMUP (2s),
#   TWILIO (1: a third phase per round posts Twilio-signed form SMS, bench/twilio.lua, to a twilio channel
#   of the same durable server; 0 skips it),
#   TIMEOUT (10s, wrk's per-request timeout), DRAIN_TIMEOUT (600, seconds to wait
#   for processing after the load), KEEP=1 to keep the temp dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
# One wrk thread: the machine has two cores and the server should get the other
# one (and then some); a second wrk thread would just steal from the server.
THREADS="${THREADS:-1}"
WARMUP="${WARMUP:-2s}"
TIMEOUT="${TIMEOUT:-10s}"
KEEP="${KEEP:-0}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-600}"

SECRET="bench-secret-0123456789"
CHANNEL="bench"
TWILIO="${TWILIO:-1}"
TWILIO_TOKEN="bench-twilio-auth-token-0123456789"
TWILIO_CHANNEL="bench-twilio"

die() { echo "bench: $*" >&2; exit 1; }

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <path-to-intake-binary>" >&2
  exit 2
fi
bin="$1"
[[ -x "$bin" ]] || die "not an executable: $bin"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
(( THREADS >= 1 && CONNECTIONS >= THREADS )) || die "need 1 <= THREADS <= CONNECTIONS"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive whole number"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/intake-bench.XXXXXX")"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ "$KEEP" == 1 ]]; then
    echo "bench: kept $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port nobody listens on, below Linux's ephemeral range (32768+) so it cannot
# clash with wrk's own client sockets. Racy in theory; the health check would
# then fail loudly rather than measure the wrong server.
free_port() {
  local port
  for _ in $(seq 50); do
    port=$(( 20000 + RANDOM % 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

write_config() { # dir port
  cat >"$1/intake.yaml" <<YAML
server:
  host: 127.0.0.1
  port: $2
  public_url: http://127.0.0.1:$2
storage:
  path: $1/data
admin_token: bench-admin-token-0123456789
channels:
  - id: $CHANNEL
    type: generic
    secret: $SECRET
  - id: $TWILIO_CHANNEL
    type: twilio
    auth_token: $TWILIO_TOKEN
YAML
}

start_server() { # dir port [--bare]
  local dir="$1" port="$2"
  shift 2
  "$bin" serve --config "$dir/intake.yaml" "$@" >"$dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" 2>/dev/null; then
      return
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      tail -n 20 "$dir/server.log" >&2
      die "server exited during start-up (last lines of its log above, if any)"
    fi
    sleep 0.1
  done
  tail -n 20 "$dir/server.log" >&2
  die "server not healthy on port $port after 10 s (last lines of its log above, if any)"
}

# SIGTERM first so the durable server drains and closes the database the way
# it would in production; SIGKILL only if it hangs.
stop_server() { # dir
  local status=0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "bench: warning: server ignored SIGTERM for 10 s, killing it" >&2
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || status=$?
  server_pid=""
  if (( status != 0 )); then
    echo "bench: warning: server exited with status $status after SIGTERM (see $1/server.log)" >&2
  fi
}

run_wrk() { # port duration run-id output-file -> prints the RESULT line
  local port="$1" duration="$2" run="$3" out="$4" script="$here/webhook.lua" channel="$CHANNEL"
  # The twilio phase's run ids name it: Twilio-signed form posts to the twilio channel.
  if [[ "$run" == *-twilio-* ]]; then script="$here/twilio.lua" channel="$TWILIO_CHANNEL"; fi
  if ! INTAKE_BENCH_SECRET="$SECRET" INTAKE_BENCH_CHANNEL="$CHANNEL" \
       INTAKE_BENCH_TOKEN="$TWILIO_TOKEN" INTAKE_BENCH_URL="http://127.0.0.1:$port/webhooks/$TWILIO_CHANNEL" \
       INTAKE_BENCH_RUN="$run" BENCH_DIR="$here" \
       wrk -t "$THREADS" -c "$CONNECTIONS" -d "$duration" --timeout "$TIMEOUT" \
           -s "$script" "http://127.0.0.1:$port/webhooks/$channel" >"$out" 2>&1; then
    cat "$out" >&2
    die "wrk failed (output above)"
  fi
  grep '^RESULT ' "$out" || { cat "$out" >&2; die "wrk printed no RESULT line"; }
}

field() { # result-line key
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}

# Requests acknowledged with a success status. wrk counts every completed
# response in `requests` and the ones with status >= 400 in `non2xx`.
acked() { # result-line
  echo $(( $(field "$1" requests) - $(field "$1" non2xx) ))
}

journal_pending() { # port -> the journal_pending count /healthz reports
  curl -fsS --max-time 5 "http://127.0.0.1:$1/healthz" | sed -n 's/.*"journal_pending" *: *\([0-9]*\).*/\1/p'
}

# Waits until the processing service has processed every pending message; sets
# drain_pending (pending when the load stopped) and drain_seconds.
drain() { # port
  local port="$1" start now pending
  start="$(date +%s.%N)"
  drain_pending="$(journal_pending "$port")"
  [[ "$drain_pending" =~ ^[0-9]+$ ]] || die "[durable] /healthz did not report journal_pending"
  pending="$drain_pending"
  while (( pending > 0 )); do
    now="$(date +%s.%N)"
    if awk -v a="$start" -v b="$now" -v t="$DRAIN_TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
      echo "bench: warning: $pending messages still pending after ${DRAIN_TIMEOUT}s" >&2
      break
    fi
    sleep 0.2
    pending="$(journal_pending "$port")"
  done
  drain_seconds="$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
}

cost() { python3 "$here/cost.py" "$@"; }

metrics_to() { # port file: the /metrics text, for the storage counters
  curl -fsS --max-time 5 -o "$2" "http://127.0.0.1:$1/metrics" || die "/metrics did not answer on port $1"
}

# Runs one phase; sets phase_warm and phase_result to the two RESULT lines.
# The measured run is bracketed by /proc samples of the server's threads, taken
# as close to it as possible, and by /metrics scrapes outside that bracket (so
# the scrape's own CPU is not counted); the phase's cost lines follow RESULT.
run_phase() { # name round [serve flags...]
  local name="$1" round="$2" dir="$tmp/$1-$2" port
  shift 2
  mkdir -p "$dir/data"
  port="$(free_port)"
  write_config "$dir" "$port"
  start_server "$dir" "$port" "$@"
  echo "bench: [$name] server up on 127.0.0.1:$port; warm-up $WARMUP, then $DURATION with $CONNECTIONS connections, $THREADS wrk thread(s)"
  # Distinct run ids keep warm-up and measured message ids from colliding in dedup.
  phase_warm="$(run_wrk "$port" "$WARMUP" "$$-$name-warm-$round" "$dir/wrk-warmup.txt")"
  metrics_to "$port" "$dir/metrics-before.txt"
  cost snapshot "$server_pid" >"$dir/threads-before.json"
  phase_result="$(run_wrk "$port" "$DURATION" "$$-$name-$round" "$dir/wrk.txt")"
  cost snapshot "$server_pid" >"$dir/threads-after.json"
  metrics_to "$port" "$dir/metrics-after.txt"
  echo "bench: [$name] $phase_result"
  local storage=()
  if [[ "$name" == durable ]]; then storage=("$dir/metrics-before.txt" "$dir/metrics-after.txt"); fi
  cost phase "$name" "$round" "$(acked "$phase_result")" \
    "$dir/threads-before.json" "$dir/threads-after.json" "$dir/cost.json" "${storage[@]}"
  if [[ "$name" != bare ]]; then
    drain "$port"
    # For what processing the backlog cost (see processing_cost).
    cost snapshot "$server_pid" >"$dir/threads-drained.json"
    metrics_to "$port" "$dir/metrics-drained.txt"
  fi
  stop_server "$dir"
  local errors=$(( $(field "$phase_result" non2xx) + $(field "$phase_result" socket_errors) ))
  if (( $(acked "$phase_result") == 0 )); then
    # Nothing acknowledged means a harness/server mismatch (signature, channel,
    # route), not a slow server; a ratio built on it would be noise.
    die "[$name] no request was acknowledged ($(field "$phase_result" non2xx) error responses); see $dir/server.log"
  fi
  if (( errors > 0 )); then
    echo "bench: warning: [$name] $(field "$phase_result" non2xx) error responses," \
         "$(field "$phase_result" socket_errors) socket errors; req/s below counts only acknowledged requests" >&2
  fi
}

# Checks one durable phase: every acknowledged request (warm-up included, same
# data dir) must be a journal entry, and after the drain every entry must be
# processed, into a complaint or merged into one. Requests still in flight when
# wrk stopped may be stored without wrk counting them, so stored may exceed
# acknowledged, never the reverse. Sets lost to the shortfall.
check_durability() { # round warm-result result
  local acked_total db="$tmp/durable-$1/data/intake.sqlite" made="" stored verdict=""
  acked_total=$(( $(acked "$2") + $(acked "$3") ))
  lost=0
  if ! command -v sqlite3 >/dev/null; then
    stored="unknown (sqlite3 CLI not installed)"
  elif ! stored="$(sqlite3 "$db" "select count(*) from journal" 2>&1)"; then
    stored="unknown ($stored)"
  else
    made=" ($(sqlite3 "$db" "select count(*) from complaints") complaints, $(sqlite3 "$db" "select count(*) from journal where state = 'duplicate'") merged, $(sqlite3 "$db" "select count(*) from journal where state in ('pending', 'failed')") unprocessed)"
  fi
  if [[ "$stored" =~ ^[0-9]+$ ]]; then
    if (( stored >= acked_total )); then verdict="  (ok: stored >= acknowledged)"
    else
      lost=$(( acked_total - stored ))
      verdict="  (LOST $lost acknowledged messages)"
    fi
  fi
  echo "bench: [durable] durability: acknowledged $acked_total" \
       "(warm-up $(acked "$2") + measured $(acked "$3")), stored $stored$made$verdict"
  awk -v n="$drain_pending" -v s="$drain_seconds" 'BEGIN {
    printf "bench: [durable] processing: %d messages were pending when the load stopped; processed in %.1f s", n, s
    if (s > 0) printf " (%.0f msgs/s)", n / s
    printf "\n" }'
}

# What processing the backlog cost from the end of the measured run to the end
# of the drain, per message that was pending; printed as [processing].
processing_cost() { # round
  local dir="$tmp/durable-$1"
  cost phase processing "$1" "$drain_pending" "$dir/threads-after.json" "$dir/threads-drained.json" \
    "$dir/cost-processing.json" "$dir/metrics-after.txt" "$dir/metrics-drained.txt"
}

# Acknowledged requests per second, so error responses never count as throughput.
rate() { awk -v a="$(acked "$1")" -v s="$(field "$1" duration_s)" 'BEGIN { printf "%.3f", a / s }'; }
ratio() { awk -v d="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f %%", 100 * d / b; else printf "n/a (bare acknowledged nothing)" }'; }

echo "bench: $(nproc) CPU(s), binary $bin, temp dir $tmp, $ROUNDS round(s) of bare then durable"

# Per mode: acknowledged requests and seconds over all rounds, and each round's latencies.
bare_acked=0 bare_seconds=0 durable_acked=0 durable_seconds=0 lost_total=0
bare_latency="" durable_latency=""
twilio_acked=0 twilio_seconds=0 twilio_latency=""
for round in $(seq "$ROUNDS"); do
  run_phase bare "$round" --bare
  bare_result="$phase_result"
  run_phase durable "$round"
  durable_result="$phase_result"
  check_durability "$round" "$phase_warm" "$durable_result"
  processing_cost "$round"
  lost_total=$(( lost_total + lost ))
  echo "bench: round $round: durable/bare $(ratio "$(rate "$durable_result")" "$(rate "$bare_result")")"
  bare_acked=$(( bare_acked + $(acked "$bare_result") ))
  durable_acked=$(( durable_acked + $(acked "$durable_result") ))
  bare_seconds="$(awk -v a="$bare_seconds" -v b="$(field "$bare_result" duration_s)" 'BEGIN { print a + b }')"
  durable_seconds="$(awk -v a="$durable_seconds" -v b="$(field "$durable_result" duration_s)" 'BEGIN { print a + b }')"
  bare_latency+=" $(field "$bare_result" p50_ms)/$(field "$bare_result" p99_ms)"
  durable_latency+=" $(field "$durable_result" p50_ms)/$(field "$durable_result" p99_ms)"
  if [[ "$TWILIO" == 1 ]]; then
    run_phase twilio "$round"
    echo "bench: round $round: twilio/bare $(ratio "$(rate "$phase_result")" "$(rate "$bare_result")")"
    twilio_acked=$(( twilio_acked + $(acked "$phase_result") ))
    twilio_seconds="$(awk -v a="$twilio_seconds" -v b="$(field "$phase_result" duration_s)" 'BEGIN { print a + b }')"
    twilio_latency+=" $(field "$phase_result" p50_ms)/$(field "$phase_result" p99_ms)"
  fi
done

summary_line() { # label acked seconds latencies
  awk -v label="$1" -v acked="$2" -v secs="$3" -v lat="$4" \
      'BEGIN { printf "bench: %-58s %8.0f req/s  p50/p99 ms per round:%s\n", label, acked / secs, lat }'
}
echo
summary_line "generic webhook, durable (synchronous=FULL, group commit):" "$durable_acked" "$durable_seconds" "$durable_latency"
if [[ "$TWILIO" == 1 ]]; then
  summary_line "Twilio-signed form SMS, durable (TwiML answer):" "$twilio_acked" "$twilio_seconds" "$twilio_latency"
fi
summary_line "same server, bare 200:" "$bare_acked" "$bare_seconds" "$bare_latency"
echo "bench: ratio durable/bare over $ROUNDS round(s): $(ratio \
  "$(awk -v a="$durable_acked" -v s="$durable_seconds" 'BEGIN { print a / s }')" \
  "$(awk -v a="$bare_acked" -v s="$bare_seconds" 'BEGIN { print a / s }')")"
cost summary "$tmp"/*/cost.json
if (( lost_total > 0 )); then
  die "$lost_total acknowledged messages were not stored"
fi
