-- SHA-1, HMAC-SHA1 and base64 in plain LuaJIT, for signing Twilio webhooks inside wrk
-- (X-Twilio-Signature is the base64 HMAC-SHA1 of the URL and the sorted parameters).
--
-- Same shape as hmac_sha256.lua: `bit` operations return signed 32-bit numbers, and every sum
-- that feeds back into the state is folded back with bit.tobit. bench/check_hmac.sh compares
-- this file against Python's hashlib/hmac/base64.

local bit = require("bit")
local band, bor, bxor = bit.band, bit.bor, bit.bxor
local lshift, rshift, rol = bit.lshift, bit.rshift, bit.rol
local tobit = bit.tobit
local byte, char, rep, sub = string.byte, string.char, string.rep, string.sub
local floor = math.floor

local M = {}

local H0 = { tobit(0x67452301), tobit(0xEFCDAB89), tobit(0x98BADCFE), tobit(0x10325476), tobit(0xC3D2E1F0) }
local K1, K2, K3, K4 = tobit(0x5A827999), tobit(0x6ED9EBA1), tobit(0x8F1BBCDC), tobit(0xCA62C1D6)

-- Message schedule, reused across blocks.
local W = {}

-- Mixes the 64-byte block of `s` starting at byte `at` into state H (in place).
local function compress(H, s, at)
  for j = 1, 16 do
    local a, b, c, d = byte(s, at, at + 3)
    W[j] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
    at = at + 4
  end
  for j = 17, 80 do
    W[j] = rol(bxor(W[j - 3], W[j - 8], W[j - 14], W[j - 16]), 1)
  end
  local a, b, c, d, e = H[1], H[2], H[3], H[4], H[5]
  for j = 1, 80 do
    local f, k
    if j <= 20 then
      f, k = bxor(d, band(b, bxor(c, d))), K1
    elseif j <= 40 then
      f, k = bxor(b, c, d), K2
    elseif j <= 60 then
      f, k = bor(band(b, c), band(d, bor(b, c))), K3
    else
      f, k = bxor(b, c, d), K4
    end
    local t = tobit(rol(a, 5) + f + e + k + W[j])
    e, d, c, b, a = d, c, rol(b, 30), a, t
  end
  H[1] = tobit(H[1] + a); H[2] = tobit(H[2] + b); H[3] = tobit(H[3] + c)
  H[4] = tobit(H[4] + d); H[5] = tobit(H[5] + e)
end

local function be32(x)
  return char(band(rshift(x, 24), 255), band(rshift(x, 16), 255), band(rshift(x, 8), 255), band(x, 255))
end

-- Hashes `msg` on top of `start` (a state that has absorbed `before` bytes, a multiple of 64).
local function digest_words(start, before, msg)
  local H = { start[1], start[2], start[3], start[4], start[5] }
  local n = #msg
  local full = n - n % 64
  for at = 1, full, 64 do compress(H, msg, at) end
  local rest = sub(msg, full + 1)
  local zeros = (55 - #rest) % 64
  local bits = (before + n) * 8
  local tail = rest .. "\128" .. rep("\0", zeros) .. be32(floor(bits / 4294967296)) .. be32(bits % 4294967296)
  for at = 1, #tail, 64 do compress(H, tail, at) end
  return H
end

local function words_to_bytes(H)
  return be32(H[1]) .. be32(H[2]) .. be32(H[3]) .. be32(H[4]) .. be32(H[5])
end

--- SHA-1 of `msg`, 20 raw bytes.
function M.sha1_raw(msg)
  return words_to_bytes(digest_words(H0, 0, msg))
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local letters = {}
for i = 1, 64 do letters[i - 1] = sub(alphabet, i, i) end

--- Standard base64 with padding.
function M.base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = byte(s, i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    out[#out + 1] = letters[floor(n / 262144) % 64] .. letters[floor(n / 4096) % 64]
      .. (b and letters[floor(n / 64) % 64] or "=") .. (c and letters[n % 64] or "=")
  end
  return table.concat(out)
end

local function xor_key(key, pad)
  local out = {}
  for i = 1, 64 do out[i] = char(bxor(byte(key, i), pad)) end
  return table.concat(out)
end

--- Returns a function msg -> raw 20-byte HMAC-SHA1(key, msg); the key blocks are hashed once.
function M.signer(key)
  if #key > 64 then key = M.sha1_raw(key) end
  key = key .. rep("\0", 64 - #key)
  local inner = { H0[1], H0[2], H0[3], H0[4], H0[5] }
  local outer = { H0[1], H0[2], H0[3], H0[4], H0[5] }
  compress(inner, xor_key(key, 0x36), 1)
  compress(outer, xor_key(key, 0x5c), 1)
  return function(msg)
    return words_to_bytes(digest_words(outer, 64, words_to_bytes(digest_words(inner, 64, msg))))
  end
end

--- HMAC-SHA1(key, msg), raw bytes.
function M.hmac_sha1(key, msg)
  return M.signer(key)(msg)
end

return M
