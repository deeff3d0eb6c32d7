#!/usr/bin/env bash
# Measures handoff events delivered per second to a local routing core that answers 200 at once.
#
#   1. fill     `intake serve` without `routing:` takes COUNT distinct complaints through the signed
#               generic webhook (bench/handoff_fill.py) and processes them; each is one pending
#               `complaint.created` event (pull mode would leave them for GET /api/v1/events).
#   2. deliver  the server stops; a receiver (bench/handoff_receiver.py, Python's threading HTTP server
#               on 127.0.0.1) answers every POST 200 at once; `intake serve` starts again with
#               `routing.url` pointed at it, and the relay works the backlog off.
# The rate is delivered events / (last delivered_at - first delivered_at), read from the database, so
# start-up does not count. The receiver's own count must reach the number of events, or the script fails.
#
# Usage: bench/handoff.sh <path-to-intake-binary>
# Knobs (environment): COUNT (5000), DELIVER_TIMEOUT (600 s), KEEP=1 to keep the temp dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COUNT="${COUNT:-5000}"
DELIVER_TIMEOUT="${DELIVER_TIMEOUT:-600}"
KEEP="${KEEP:-0}"
SECRET="bench-secret-0123456789"
ROUTING_SECRET="bench-routing-secret-0123456789"
TOKEN="bench-admin-token-0123456789"
CHANNEL="bench"

die() { echo "bench: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || { echo "usage: $0 <path-to-intake-binary>" >&2; exit 2; }
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[[ -x "$bin" ]] || die "not an executable: $1"
for tool in curl python3 sqlite3; do command -v "$tool" >/dev/null || die "$tool not found"; done
[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || die "COUNT must be a positive whole number"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/intake-handoff-bench.XXXXXX")"
server_pid="" receiver_pid=""
cleanup() {
  for pid in "$server_pid" "$receiver_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  if [[ "$KEEP" == 1 ]]; then echo "bench: kept $tmp"; else rm -rf "$tmp"; fi
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

write_config() { # port [routing-port]
  cat >"$tmp/intake.yaml" <<YAML
server:
  host: 127.0.0.1
  port: $1
  public_url: http://127.0.0.1:$1
storage:
  path: $tmp/data
admin_token: $TOKEN
log:
  level: warning
channels:
  - id: $CHANNEL
    type: generic
    secret: $SECRET
YAML
  if [[ $# -eq 2 ]]; then
    printf 'routing:\n  url: http://127.0.0.1:%s/events\n  secret: %s\n' "$2" "$ROUTING_SECRET" >>"$tmp/intake.yaml"
  fi
}

start_server() { # port log
  "$bin" serve --config "$tmp/intake.yaml" >"$2" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$1/healthz" 2>/dev/null && return
    kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$2" >&2; die "server exited during start-up"; }
    sleep 0.1
  done
  die "server not healthy on port $1 after 10 s"
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

health_field() { # port field
  curl -fsS --max-time 5 "http://127.0.0.1:$1/healthz" | sed -n "s/.*\"$2\" *: *\([0-9]*\).*/\1/p"
}

pending() { # port
  curl -fsS --max-time 5 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/api/v1/handoff" \
    | sed -n 's/.*"pending" *: *\([0-9]*\).*/\1/p'
}

echo "bench: $(nproc) CPU(s), binary $bin, temp dir $tmp"
port="$(free_port)"
write_config "$port"
start_server "$port" "$tmp/fill.log"
echo "bench: [fill] $COUNT complaints through the webhook"
python3 "$here/handoff_fill.py" "$port" "$CHANNEL" "$SECRET" "$COUNT" || die "filling failed"
for _ in $(seq 3000); do
  [[ "$(health_field "$port" journal_pending)" == 0 ]] && break
  sleep 0.2
done
events="$(pending "$port")"
stop_server
[[ "$events" =~ ^[0-9]+$ ]] && (( events >= COUNT )) || die "expected at least $COUNT pending events, found '$events'"
echo "bench: [fill] $events events pending"

receiver_port="$(free_port)"
python3 "$here/handoff_receiver.py" "$receiver_port" "$tmp/received" &
receiver_pid=$!
for _ in $(seq 50); do [[ -s "$tmp/received" ]] && break; sleep 0.1; done
port="$(free_port)"
write_config "$port" "$receiver_port"
start=$(date +%s.%N)
start_server "$port" "$tmp/deliver.log"
echo "bench: [deliver] relay pushing to 127.0.0.1:$receiver_port"
left="$events"
while (( left > 0 )); do
  if awk -v a="$start" -v b="$(date +%s.%N)" -v t="$DELIVER_TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
    die "$left events still pending after ${DELIVER_TIMEOUT}s (see $tmp/deliver.log; KEEP=1 keeps it)"
  fi
  sleep 0.2
  left="$(pending "$port")"
  [[ "$left" =~ ^[0-9]+$ ]] || die "/api/v1/handoff did not answer"
done
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
stop_server
kill -TERM "$receiver_pid" 2>/dev/null || true
wait "$receiver_pid" 2>/dev/null || true
receiver_pid=""
received="$(cat "$tmp/received")"
db="$tmp/data/intake.sqlite"
read -r delivered span < <(sqlite3 -separator ' ' "$db" \
  "select count(*), max(delivered_at) - min(delivered_at) from handoff_events where delivered_at is not null")
(( received >= delivered )) || die "the receiver counted $received requests for $delivered delivered events"
awk -v n="$delivered" -v s="$span" -v w="$wall" -v r="$received" 'BEGIN {
  printf "bench: handoff: %d events delivered in %.1f s (first to last delivery; %.1f s with start-up), receiver counted %d\n", n, s, w, r
  printf "bench: handoff: %.0f events/s to a local receiver answering 200 at once\n", (s > 0 ? n / s : 0) }'
