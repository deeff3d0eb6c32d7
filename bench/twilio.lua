-- wrk script: POSTs Twilio-signed inbound SMS (form-encoded, X-Twilio-Signature), each a distinct complaint.
--
-- As webhook.lua: a unique MessageSid, text and reporter per request, so every request is a durable
-- insert, not a dedup hit; the signature is the base64 HMAC-SHA1 (hmac_sha1.lua) of the public URL
-- followed by each parameter's name and value sorted by name, as Twilio computes it.
--
-- Environment:
--   INTAKE_BENCH_TOKEN   the channel's auth_token (required)
--   INTAKE_BENCH_URL     the URL Twilio would sign: server.public_url + /webhooks/<channel> (required)
--   INTAKE_BENCH_RUN     run id baked into every MessageSid
--   BENCH_DIR            directory holding hmac_sha1.lua

local function script_dir()
  local dir = os.getenv("BENCH_DIR")
  if dir and dir ~= "" then return dir end
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) == "@" then return src:sub(2):match("^(.*)/") or "." end
  return "."
end
package.path = script_dir() .. "/?.lua;" .. package.path
local sha1 = require("hmac_sha1")

local token = os.getenv("INTAKE_BENCH_TOKEN")
local url = os.getenv("INTAKE_BENCH_URL")
if not token or token == "" or not url or url == "" then
  error("twilio.lua: INTAKE_BENCH_TOKEN and INTAKE_BENCH_URL must be set")
end
local run = os.getenv("INTAKE_BENCH_RUN") or tostring(os.time())
local sign = sha1.signer(token)
local path = url:match("^https?://[^/]+(/.*)$") or error("twilio.lua: INTAKE_BENCH_URL has no path: " .. url)
local account = "AC0123456789abcdef0123456789abcdef"
local to = "+6221170800"

local format = string.format
local complaints = {
  "Lampu PJU di Jl. Gatot Subroto mati sdh 2 minggu, rawan begal. Ref %s",
  "Sampah menumpuk di TPS Cempaka Putih, tdk diangkut seminggu. Ref %s",
  "Air PDAM di Perumnas Klender mati 3 hari. Ref %s",
  "Jalan berlubang di Jl. Soekarno-Hatta km 5, sdh 2 motor jatuh. Ref %s",
}

local function encode(s)
  return (s:gsub("[^%w%-%._~ ]", function(c) return format("%%%02X", c:byte()) end):gsub(" ", "+"))
end

id = id or 0
local counter = 0
local run_offset = 0
for i = 1, #run do run_offset = (run_offset * 31 + run:byte(i)) % 100000000 end

local threads_seen = 0
function setup(thread)
  threads_seen = threads_seen + 1
  thread:set("id", threads_seen)
end

function request()
  counter = counter + 1
  local ref = format("%s-%d-%d", run, id, counter)
  local sid = "SM" .. ref:gsub("[^%w]", "")
  local from = format("+62812%08d", (counter * 7919 + id * 1234567 + run_offset) % 100000000)
  local text = format(complaints[counter % #complaints + 1], ref)
  -- Sorted by name: AccountSid, Body, From, MessageSid, NumMedia, To.
  local signed = url .. "AccountSid" .. account .. "Body" .. text .. "From" .. from .. "MessageSid" .. sid
    .. "NumMedia0" .. "To" .. to
  local body = "MessageSid=" .. sid .. "&AccountSid=" .. account .. "&From=" .. encode(from) .. "&To=" .. encode(to)
    .. "&Body=" .. encode(text) .. "&NumMedia=0"
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = sha1.base64(sign(signed)),
  }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(format(
    "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
