-- wrk script: POSTs signed generic webhooks, each a distinct complaint.
--
-- Every request gets a unique provider id, a unique text and, within a run, a
-- reporter of its own, because the server dedups on all three; repeating one
-- body would measure the dedup fast path instead of a durable insert. That forces a fresh HMAC per request, computed
-- here in Lua (see hmac_sha256.lua).
--
-- Environment:
--   INTAKE_BENCH_SECRET   channel secret (required)
--   INTAKE_BENCH_CHANNEL  channel id (default "bench")
--   INTAKE_BENCH_RUN      run id baked into every message id, so the warm-up
--                         and the measured run against one server never collide
--   BENCH_DIR             directory holding hmac_sha256.lua (default: this
--                         script's own directory; wrk keeps the caller's cwd)
--
-- wrk runs this file in one Lua state per thread plus one for setup/done, so
-- top-level locals are per state and the counter below is per thread.

local function script_dir()
  local dir = os.getenv("BENCH_DIR")
  if dir and dir ~= "" then return dir end
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) == "@" then return src:sub(2):match("^(.*)/") or "." end
  return "."
end
package.path = script_dir() .. "/?.lua;" .. package.path
local hmac = require("hmac_sha256")

local secret = os.getenv("INTAKE_BENCH_SECRET")
if not secret or secret == "" then
  error("webhook.lua: INTAKE_BENCH_SECRET is not set")
end
local channel = os.getenv("INTAKE_BENCH_CHANNEL") or "bench"
local run = os.getenv("INTAKE_BENCH_RUN") or tostring(os.time())
local sign = hmac.signer(secret)
local path = "/webhooks/" .. channel

local format = string.format

-- Short complaints of the kind the gateway receives; %s is the reference that
-- makes each text unique.
local complaints = {
  "Paket saya belum sampai padahal sudah 5 hari, mohon dicek. Ref %s",
  "Kurir tidak datang dan status berubah jadi gagal kirim. Ref %s",
  "Barang diterima dalam keadaan rusak, dus penyok dan isi pecah. Ref %s",
  "Ongkir ditagih dua kali di aplikasi, tolong dikembalikan. Ref %s",
  "Alamat sudah benar tapi paket dikembalikan ke pengirim. Ref %s",
  "Lampu jalan di depan rumah mati sudah seminggu. Ref %s",
}
local titles = { "Paket terlambat", "Keluhan pengiriman", "Mohon bantuan" }

-- Every string in the body is built here from these templates, digits and
-- the run id, so none needs JSON escaping; checking once at load keeps
-- per-request gsub calls out of the generator's hot path.
local function assert_json_safe(s, what)
  if s:find('[%c"\\]') then error("webhook.lua: " .. what .. " needs JSON escaping: " .. s) end
end
for _, s in ipairs(complaints) do assert_json_safe(s, "complaint template") end
for _, s in ipairs(titles) do assert_json_safe(s, "title") end
assert_json_safe(run, "INTAKE_BENCH_RUN")

-- `id` is a global because thread:set (called from setup() in wrk's main Lua
-- state) writes globals into the thread's state; 0 only without setup().
id = id or 0
local counter = 0
local run_offset = 0
for i = 1, #run do run_offset = (run_offset * 31 + run:byte(i)) % 100000000 end
local last_second, sent_at = -1, nil

local threads_seen = 0  -- only meaningful in the main state, where setup() runs
function setup(thread)
  threads_seen = threads_seen + 1
  thread:set("id", threads_seen)
end

function request()
  counter = counter + 1
  local ref = format("%s-%d-%d", run, id, counter)
  -- 0812 + 8 digits: 7919 is coprime to 10^8, so numbers stay distinct per
  -- thread for the first 10^8 requests and do not look sequential. The run's
  -- offset keeps the warm-up's reporters from coming back in the measured run,
  -- where the same reporter with the same template would be merged, not stored.
  local phone = format("0812%08d", (counter * 7919 + id * 1234567 + run_offset) % 100000000)

  -- os.date per request is measurable at these rates; one string per second is enough.
  local now = os.time()
  if now ~= last_second then
    last_second, sent_at = now, os.date("!%Y-%m-%dT%H:%M:%SZ", now)
  end

  local text = format(complaints[counter % #complaints + 1], ref)
  local body
  if counter % 2 == 0 then  -- title is optional; send it on half the requests
    body = format('{"id":"bench-%s","from":"%s","text":"%s","title":"%s","sent_at":"%s"}',
      ref, phone, text, titles[counter % #titles + 1], sent_at)
  else
    body = format('{"id":"bench-%s","from":"%s","text":"%s","sent_at":"%s"}',
      ref, phone, text, sent_at)
  end

  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["X-Intake-Signature"] = "sha256=" .. sign(body),
  }, body)
end

-- No response() callback: defining one makes wrk parse every response into Lua
-- and slows the generator. summary.errors.status already counts statuses >= 400.

-- One machine-readable line; bench/webhooks.sh parses it. Latencies from wrk
-- are in microseconds, durations too.
function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(format(
    "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
