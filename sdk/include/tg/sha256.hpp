// tg/sha256.hpp -- SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), header-only C++17.
// The kernel cache (tg/cache_root.hpp) names and signs its files with them, so that neither a
// file's name nor its checksum can be computed without the user's cache key. Small and slow
// (about 200 MB/s): it hashes kernel binaries of some kilobytes, not data.
//
//   tg::sdk::Digest d = tg::sdk::sha256("abc", 3);
//   tg::sdk::Digest m = tg::sdk::hmac_sha256(key.data(), key.size(), text.data(), text.size());
//   std::string hex = tg::sdk::to_hex(m);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace tg::sdk {

using Digest = std::array<unsigned char, 32>;

class Sha256 {
 public:
  Sha256() = default;
  Sha256& update(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    length_ += n;
    while (n > 0) {
      const size_t take = n < 64 - used_ ? n : 64 - used_;
      std::memcpy(block_ + used_, p, take);
      used_ += take, p += take, n -= take;
      if (used_ == 64) compress(), used_ = 0;
    }
    return *this;
  }
  Sha256& update(const std::string& s) { return update(s.data(), s.size()); }
  Digest finish() {
    const uint64_t bits = length_ * 8;
    const unsigned char pad = 0x80, zero = 0;
    update(&pad, 1);
    while (used_ != 56) update(&zero, 1);
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    update(len, 8);
    Digest out;
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<unsigned char>(h_[i] >> (24 - 8 * j));
    return out;
  }

 private:
  static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void compress() {
    static constexpr uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = uint32_t{block_[4 * i]} << 24 | uint32_t{block_[4 * i + 1]} << 16 | uint32_t{block_[4 * i + 2]} << 8 |
             uint32_t{block_[4 * i + 3]};
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int i = 0; i < 64; ++i) {
      const uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h_[0] += a, h_[1] += b, h_[2] += c, h_[3] += d, h_[4] += e, h_[5] += f, h_[6] += g, h_[7] += h;
  }

  uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  unsigned char block_[64] = {};
  size_t used_ = 0;
  uint64_t length_ = 0;
};

inline Digest sha256(const void* data, size_t n) { return Sha256().update(data, n).finish(); }

// HMAC-SHA256 over the concatenation of `parts` (each a pointer and a size).
class HmacSha256 {
 public:
  HmacSha256(const void* key, size_t key_size) {
    unsigned char k[64] = {};
    if (key_size > 64) {
      const Digest d = sha256(key, key_size);
      std::memcpy(k, d.data(), d.size());
    } else {
      std::memcpy(k, key, key_size);
    }
    unsigned char ipad[64];
    for (int i = 0; i < 64; ++i) ipad[i] = k[i] ^ 0x36, opad_[i] = k[i] ^ 0x5c;
    inner_.update(ipad, 64);
  }
  HmacSha256& update(const void* data, size_t n) { return inner_.update(data, n), *this; }
  HmacSha256& update(const std::string& s) { return update(s.data(), s.size()); }
  Digest finish() {
    const Digest in = inner_.finish();
    return Sha256().update(opad_, 64).update(in.data(), in.size()).finish();
  }

 private:
  Sha256 inner_;
  unsigned char opad_[64];
};

inline Digest hmac_sha256(const void* key, size_t key_size, const void* data, size_t n) {
  return HmacSha256(key, key_size).update(data, n).finish();
}

inline std::string to_hex(const unsigned char* p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += digits[p[i] >> 4], s += digits[p[i] & 15];
  return s;
}
inline std::string to_hex(const Digest& d) { return to_hex(d.data(), d.size()); }

// Equal in time independent of where they differ.
inline bool digests_equal(const unsigned char* a, const unsigned char* b, size_t n) {
  unsigned char diff = 0;
  for (size_t i = 0; i < n; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

}  // namespace tg::sdk
