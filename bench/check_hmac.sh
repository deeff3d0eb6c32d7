#!/usr/bin/env bash
# Checks bench/hmac_sha256.lua against Python's hashlib/hmac on random inputs.
#
# The webhook benchmark is only meaningful if every signature verifies: a
# wrong HMAC turns the durable run into a benchmark of the 401 path. The
# standalone `luajit` links the same libluajit as Debian's wrk, so passing here
# means the code behaves the same inside wrk.
#
# Usage: bench/check_hmac.sh [cases]   (default 2000 random cases plus fixed edges)
# Exits non-zero on the first mismatch.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cases="${1:-2000}"

for tool in luajit python3; do
  command -v "$tool" >/dev/null || { echo "check_hmac: $tool not found (apt-get install -y luajit)" >&2; exit 2; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Vectors as hex so NULs and high bytes survive the trip through text files.
# Lengths straddle the padding boundaries: 55 bytes is the longest message
# that pads into one block, 56..63 spill into a second, 64 is exactly one
# block; keys longer than 64 bytes take HMAC's hash-the-key branch.
python3 - "$cases" >"$tmp/vectors" <<'PY'
import os, random, sys
rng = random.Random(int.from_bytes(os.urandom(8), "big"))
edges = [0, 1, 2, 31, 32, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096]
key_lens = [0, 1, 20, 23, 32, 63, 64, 65, 100, 131]
def blob(n):
    return bytes(rng.getrandbits(8) for _ in range(n))
out = []
for n in edges:
    for k in key_lens:
        out.append((blob(k), blob(n)))
out.append((b"Jefe", b"what do ya want for nothing?"))  # RFC 4231 case 2
for _ in range(int(sys.argv[1])):
    out.append((blob(rng.choice(key_lens + [rng.randrange(0, 200)])),
                blob(rng.choice(edges + [rng.randrange(0, 2048)]))))
for k, m in out:
    print(k.hex() or "-", m.hex() or "-")
PY

# Lua side: one line per vector, "sha256(msg) hmac(key,msg)".
cat >"$tmp/run.lua" <<'LUA'
package.path = arg[1] .. "/?.lua;" .. package.path
local h = require("hmac_sha256")
local function unhex(s)
  if s == "-" then return "" end
  return (s:gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end
for line in io.lines(arg[2]) do
  local k, m = line:match("^(%S+) (%S+)$")
  k, m = unhex(k), unhex(m)
  io.write(h.sha256(m), " ", h.hmac_sha256(k, m), "\n")
end
LUA
luajit "$tmp/run.lua" "$here" "$tmp/vectors" >"$tmp/lua.out"

python3 - "$tmp/vectors" "$tmp/lua.out" <<'PY'
import hashlib, hmac, sys
vectors = open(sys.argv[1]).read().split("\n")[:-1]
got = open(sys.argv[2]).read().split("\n")[:-1]
if len(got) != len(vectors):
    sys.exit(f"check_hmac: lua produced {len(got)} lines for {len(vectors)} vectors")
lens = set()
for i, (v, g) in enumerate(zip(vectors, got)):
    kh, mh = v.split()
    k = b"" if kh == "-" else bytes.fromhex(kh)
    m = b"" if mh == "-" else bytes.fromhex(mh)
    want = hashlib.sha256(m).hexdigest() + " " + hmac.new(k, m, hashlib.sha256).hexdigest()
    if g != want:
        sys.exit(f"check_hmac: MISMATCH at vector {i} (key {len(k)} B, msg {len(m)} B)\n"
                 f"  lua:    {g}\n  python: {want}")
    lens.add(len(m))
print(f"check_hmac: OK, {len(vectors)} vectors match Python "
      f"(message lengths 0..{max(lens)}, {len(lens)} distinct)")
PY

# bench/hmac_sha1.lua (Twilio's X-Twilio-Signature) against the same vectors: base64 HMAC-SHA1.
cat >"$tmp/run_sha1.lua" <<'LUA'
package.path = arg[1] .. "/?.lua;" .. package.path
local h = require("hmac_sha1")
local function unhex(s)
  if s == "-" then return "" end
  return (s:gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end
for line in io.lines(arg[2]) do
  local k, m = line:match("^(%S+) (%S+)$")
  io.write(h.base64(h.hmac_sha1(unhex(k), unhex(m))), "\n")
end
LUA
luajit "$tmp/run_sha1.lua" "$here" "$tmp/vectors" >"$tmp/lua_sha1.out"

python3 - "$tmp/vectors" "$tmp/lua_sha1.out" <<'PY'
import base64, hashlib, hmac, sys
vectors = open(sys.argv[1]).read().split("\n")[:-1]
got = open(sys.argv[2]).read().split("\n")[:-1]
if len(got) != len(vectors):
    sys.exit(f"check_hmac: hmac_sha1.lua produced {len(got)} lines for {len(vectors)} vectors")
for i, (v, g) in enumerate(zip(vectors, got)):
    kh, mh = v.split()
    k = b"" if kh == "-" else bytes.fromhex(kh)
    m = b"" if mh == "-" else bytes.fromhex(mh)
    want = base64.b64encode(hmac.new(k, m, hashlib.sha1).digest()).decode()
    if g != want:
        sys.exit(f"check_hmac: SHA-1 MISMATCH at vector {i} (key {len(k)} B, msg {len(m)} B)\n  lua:    {g}\n  python: {want}")
print(f"check_hmac: OK, hmac_sha1.lua matches Python on {len(vectors)} vectors")
PY
