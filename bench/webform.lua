-- wrk script: POSTs web form reports with a 200 KiB photo, each a distinct form and a distinct photo.
--
-- Every request carries a valid form token of its own, minted here exactly as FormToken does
-- (Adapters/WebForm/FormToken.swift): a 16-byte id and the issue time (8 bytes, big-endian), then
-- HMAC-SHA256 under the channel secret of "intake-form-token-v2" .. channel id .. NUL .. id .. time (a token
-- is bound to its channel), all base64url without padding. The token's id is the message's external id, so one token per request means one complaint
-- per request; the issue time is an hour ago, past any minimum fill time. The photo is a JPEG (the
-- server judges it by its magic numbers) whose bytes after the header differ per request, so every
-- upload is a new file in the attachment store, as a citizen's photo would be.
--
-- Environment:
--   INTAKE_BENCH_FORM_SECRET  the webform channel's secret (required)
--   INTAKE_BENCH_FORM_PATH    the route (default "/api/v1/reports?channel=form")
--   INTAKE_BENCH_FORM_CHANNEL the webform channel's id, which every token is signed for (default "form")
--   INTAKE_BENCH_PHOTO_BYTES  the photo's size (default 204800: 200 KiB)
--   INTAKE_BENCH_RUN          run id baked into every token id and text
--   BENCH_DIR                 directory holding hmac_sha256.lua

local function script_dir()
  local dir = os.getenv("BENCH_DIR")
  if dir and dir ~= "" then return dir end
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) == "@" then return src:sub(2):match("^(.*)/") or "." end
  return "."
end
package.path = script_dir() .. "/?.lua;" .. package.path
local hmac = require("hmac_sha256")

local byte, char, format, floor = string.byte, string.char, string.format, math.floor

local secret = os.getenv("INTAKE_BENCH_FORM_SECRET")
if not secret or secret == "" then error("webform.lua: INTAKE_BENCH_FORM_SECRET is not set") end
local path = os.getenv("INTAKE_BENCH_FORM_PATH") or "/api/v1/reports?channel=form"
local channel = os.getenv("INTAKE_BENCH_FORM_CHANNEL") or "form"
local photo_bytes = tonumber(os.getenv("INTAKE_BENCH_PHOTO_BYTES") or "204800")
local run = os.getenv("INTAKE_BENCH_RUN") or tostring(os.time())
local sign = hmac.signer(secret)

local function unhex(text)
  return (text:gsub("..", function(pair) return char(tonumber(pair, 16)) end))
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local digits = {}
for i = 1, 64 do digits[i - 1] = alphabet:sub(i, i) end

-- RFC 4648 section 5, no padding.
local function base64url(bytes)
  local out = {}
  for i = 1, #bytes, 3 do
    local a, b, c = byte(bytes, i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local count = (c and 4) or (b and 3) or 2
    for j = 0, count - 1 do out[#out + 1] = digits[floor(n / 2 ^ (18 - 6 * j)) % 64] end
  end
  return table.concat(out)
end

local function be32(n)
  return char(floor(n / 16777216) % 256, floor(n / 65536) % 256, floor(n / 256) % 256, n % 256)
end

local run_hash = 0
for i = 1, #run do run_hash = (run_hash * 31 + byte(run, i)) % 4294967296 end

-- The photo: a JFIF header, 32 bytes that make it unique, then deterministic filler made once.
local jpeg_head = "\255\216\255\224\0\16JFIF\0\1\1\0\0\1\0\1\0\0"
local filler
do
  local parts, state = {}, 12345
  for i = 1, photo_bytes - #jpeg_head - 32 do
    state = (state * 1103515245 + 12345) % 2147483648
    parts[i] = char(floor(state / 65536) % 256)
  end
  filler = table.concat(parts)
end

local boundary = "----intakebench7d3f"
local content_type = "multipart/form-data; boundary=" .. boundary
local function field(name, value)
  return "--" .. boundary .. '\r\nContent-Disposition: form-data; name="' .. name .. '"\r\n\r\n' .. value .. "\r\n"
end

id = id or 0
local counter = 0
local threads_seen = 0
function setup(thread)
  threads_seen = threads_seen + 1
  thread:set("id", threads_seen)
end

function request()
  counter = counter + 1
  local ref = format("%s-%d-%d", run, id, counter)
  local payload = unhex(format("%08x%08x%08x%08x", run_hash, id, counter, 1717)) .. be32(0) .. be32(os.time() - 3600)
  local token = base64url(payload .. unhex(sign("intake-form-token-v2" .. channel .. "\0" .. payload)))
  local unique = format("%-32s", ref):sub(1, 32)
  local body = field("form_token", token)
    .. field("title", "Jalan berlubang")
    .. field("body", "Jalan di depan pasar berlubang besar dan membahayakan pengendara. Ref " .. ref)
    .. field("kind", "complaint")
    .. "--" .. boundary .. '\r\nContent-Disposition: form-data; name="attachments"; filename="foto-' .. counter
    .. '.jpg"\r\nContent-Type: image/jpeg\r\n\r\n' .. jpeg_head .. unique .. filler .. "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", path, { ["Content-Type"] = content_type }, body)
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
