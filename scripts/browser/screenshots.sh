#!/usr/bin/env bash
# Regenerates the web form's screenshots committed under fixtures/webform/ (shown in the README): starts the built
# gateway with one webform channel on a free loopback port, lets scripts/browser/webform.py photograph the form, a
# page with errors and the receipt at phone and desktop width, and stops the gateway. `make screenshots` runs it.
set -euo pipefail
intake=${1:-.build/debug/intake}
out=${2:-fixtures/webform}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/intake.yaml" <<YAML
server:
  host: 127.0.0.1
  public_url: http://127.0.0.1
storage:
  path: $work/data
channels:
  - id: lapor
    type: webform
    secret: screenshot-secret
    min_fill_seconds: 0
YAML
"$intake" serve --config "$work/intake.yaml" --port 0 > "$work/log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 200); do
    port=$(grep 'listening' "$work/log" | grep -o 'port=[0-9]*' | head -1 | cut -d= -f2 || true)
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
    sleep 0.05
done
[ -n "$port" ] || { echo "the gateway did not start:" >&2; cat "$work/log" >&2; exit 1; }
.venv/bin/python scripts/browser/webform.py screenshots --base "http://127.0.0.1:$port" --out "$out"
