-- SHA-256 and HMAC-SHA256 in plain LuaJIT, for signing webhook bodies inside wrk.
--
-- wrk embeds LuaJIT, which has the `bit` library but no crypto, and the benchmark
-- needs a fresh signature for every request (each body carries a unique id and
-- text, so one precomputed signature would either fail verification or be merged
-- by dedup). bench/check_hmac.sh compares this file against Python's hashlib/hmac.
--
-- `bit` operations return signed 32-bit numbers; sums of them are plain doubles
-- that can exceed 32 bits, so every addition that feeds back into the state is
-- folded back with bit.tobit, which reduces modulo 2^32.

local bit = require("bit")
local band, bor, bxor = bit.band, bit.bor, bit.bxor
local lshift, rshift, ror = bit.lshift, bit.rshift, bit.ror
local tobit, tohex = bit.tobit, bit.tohex
local byte, char, rep, sub = string.byte, string.char, string.rep, string.sub
local floor = math.floor

local M = {}

-- Round constants: first 32 bits of the fractional parts of the cube roots of
-- the first 64 primes (FIPS 180-4, 4.2.2).
local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
-- Hex literals above 0x7fffffff are positive doubles; store them in the same
-- signed form the bit operations produce so the traces stay integer-typed.
for i = 1, 64 do K[i] = tobit(K[i]) end

-- Initial hash value: fractional parts of the square roots of the first 8 primes.
local H0 = {
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
}
for i = 1, 8 do H0[i] = tobit(H0[i]) end

-- Message schedule, reused across blocks: allocating it per block would make
-- the garbage collector a visible part of the load generator's cost.
local W = {}

-- Mixes the 64-byte block of `s` starting at byte `at` into state H (in place).
local function compress(H, s, at)
  for j = 1, 16 do
    local a, b, c, d = byte(s, at, at + 3)
    W[j] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
    at = at + 4
  end
  for j = 17, 64 do
    local w15, w2 = W[j - 15], W[j - 2]
    local s0 = bxor(ror(w15, 7), ror(w15, 18), rshift(w15, 3))
    local s1 = bxor(ror(w2, 17), ror(w2, 19), rshift(w2, 10))
    W[j] = tobit(W[j - 16] + s0 + W[j - 7] + s1)
  end

  local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
  for j = 1, 64 do
    local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
    -- Ch(e,f,g) = (e & f) ^ (~e & g), written without the NOT.
    local ch = bxor(g, band(e, bxor(f, g)))
    local t1 = h + S1 + ch + K[j] + W[j]
    local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
    -- Maj(a,b,c) = (a & b) ^ (a & c) ^ (b & c), in the two-operation form.
    local maj = bor(band(a, b), band(c, bor(a, b)))
    h, g, f, e = g, f, e, tobit(d + t1)
    d, c, b, a = c, b, a, tobit(t1 + S0 + maj)
  end

  H[1] = tobit(H[1] + a); H[2] = tobit(H[2] + b)
  H[3] = tobit(H[3] + c); H[4] = tobit(H[4] + d)
  H[5] = tobit(H[5] + e); H[6] = tobit(H[6] + f)
  H[7] = tobit(H[7] + g); H[8] = tobit(H[8] + h)
end

-- Big-endian bytes of a 32-bit word.
local function be32(x)
  return char(band(rshift(x, 24), 255), band(rshift(x, 16), 255),
              band(rshift(x, 8), 255), band(x, 255))
end

-- Hashes `msg` on top of `start` (a state that has already absorbed `before`
-- bytes, a multiple of 64) and returns the final 8-word state. Starting from a
-- saved state is what lets HMAC skip re-hashing the padded key per message.
local function digest_words(start, before, msg)
  local H = { start[1], start[2], start[3], start[4], start[5], start[6], start[7], start[8] }
  local n = #msg
  local full = n - n % 64
  for at = 1, full, 64 do compress(H, msg, at) end

  -- Padding: 0x80, zeros up to 56 mod 64, then the bit length as 64-bit big endian.
  local rest = sub(msg, full + 1)
  local zeros = (55 - #rest) % 64
  local bits = (before + n) * 8
  local hi = floor(bits / 4294967296)
  local tail = rest .. "\128" .. rep("\0", zeros) .. be32(hi) .. be32(bits % 4294967296)
  for at = 1, #tail, 64 do compress(H, tail, at) end
  return H
end

local function words_to_hex(H)
  return tohex(H[1], 8) .. tohex(H[2], 8) .. tohex(H[3], 8) .. tohex(H[4], 8)
      .. tohex(H[5], 8) .. tohex(H[6], 8) .. tohex(H[7], 8) .. tohex(H[8], 8)
end

local function words_to_bytes(H)
  return be32(H[1]) .. be32(H[2]) .. be32(H[3]) .. be32(H[4])
      .. be32(H[5]) .. be32(H[6]) .. be32(H[7]) .. be32(H[8])
end

--- SHA-256 of `msg`, lower-case hex.
function M.sha256(msg)
  return words_to_hex(digest_words(H0, 0, msg))
end

--- SHA-256 of `msg`, 32 raw bytes.
function M.sha256_raw(msg)
  return words_to_bytes(digest_words(H0, 0, msg))
end

-- XORs every byte of the 64-byte `key` with `pad`.
local function xor_key(key, pad)
  local out = {}
  for i = 1, 64 do out[i] = char(bxor(byte(key, i), pad)) end
  return table.concat(out)
end

--- Returns a function msg -> lower-case hex HMAC-SHA256(key, msg).
-- The key blocks (key ^ ipad, key ^ opad) are hashed once here, so signing
-- costs only the message blocks plus one outer block: for a ~300-byte webhook
-- body that is 7 compressions instead of 9.
function M.signer(key)
  if #key > 64 then key = M.sha256_raw(key) end  -- RFC 2104: long keys are hashed first
  key = key .. rep("\0", 64 - #key)
  local inner = { H0[1], H0[2], H0[3], H0[4], H0[5], H0[6], H0[7], H0[8] }
  local outer = { H0[1], H0[2], H0[3], H0[4], H0[5], H0[6], H0[7], H0[8] }
  compress(inner, xor_key(key, 0x36), 1)
  compress(outer, xor_key(key, 0x5c), 1)
  return function(msg)
    local ih = words_to_bytes(digest_words(inner, 64, msg))
    return words_to_hex(digest_words(outer, 64, ih))
  end
end

--- HMAC-SHA256(key, msg), lower-case hex. Use M.signer when the key is reused.
function M.hmac_sha256(key, msg)
  return M.signer(key)(msg)
end

return M
