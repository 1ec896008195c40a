// tg/sort_rows.hpp -- sort-order (tg/plugin.h SEMANTICS) on the host, header-only C++17.
//
// The ref and onednn plugins' sort_rows, the core's fallback for devices without one, and the
// conformance suite's reference all order keys with this one routine, so there is one answer.
//
//   tg::sdk::RowSorter sorter;                      // keeps its scratch between rows
//   sorter.sort(TG_DTYPE_FLOAT32, descending, row, n, k, out);   // out: k int32 positions
//
// Each key becomes an unsigned integer that orders as sort-order says (NaN the largest, -0 equal
// to +0, reversed for descending) and is paired with its position, so that one comparison of
// (key, position) pairs is exact and stable. For k much smaller than n (topk) a heap of the k
// best pairs is kept: most keys cost one comparison against the heap's worst. A whole row of
// keys up to 32 bits is radix sorted (three passes), wider keys by std::sort of the pairs.
#ifndef TG_SORT_ROWS_HPP
#define TG_SORT_ROWS_HPP

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tg/plugin.h"

namespace tg::sdk {

namespace sort_detail {

// Order-preserving unsigned images of IEEE bit patterns: NaN the largest, -0 as +0. Branch
// free, so a loop over a row's keys vectorizes. mag > exp_mask holds exactly for NaNs.
template <class U>
U float_order(U bits, U exp_mask) {
  constexpr U sign = static_cast<U>(U(1) << (sizeof(U) * 8 - 1));
  const U mag = static_cast<U>(bits & static_cast<U>(~sign));
  const U negative = static_cast<U>(U(0) - static_cast<U>((bits >> (sizeof(U) * 8 - 1)) & U(mag != 0)));
  const U u = static_cast<U>((bits | sign) ^ negative);  // negative: ~bits; else bits with the sign set
  return mag > exp_mask ? static_cast<U>(~U(0)) : u;
}

template <class U>
U load_bits(const unsigned char* p) {
  U v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Calls f with a function i -> the order key of element i of `base` (an unsigned integer of 32
// bits for dtypes up to 32 bits wide, 64 for int64 and float64), one dispatch per row so that
// the loops over the row are compiled per dtype.
template <class F>
void with_keys(uint32_t dtype, const unsigned char* b, F&& f) {
  switch (dtype) {
    case TG_DTYPE_BOOL: return f([b](uint64_t i) { return uint32_t(b[i] != 0); });
    case TG_DTYPE_UINT8: return f([b](uint64_t i) { return uint32_t(b[i]); });
    case TG_DTYPE_INT8:
      return f([b](uint64_t i) { return uint32_t(int32_t(int8_t(b[i]))) ^ 0x80000000u; });
    case TG_DTYPE_INT16:
      return f([b](uint64_t i) { return uint32_t(int32_t(load_bits<int16_t>(b + 2 * i))) ^ 0x80000000u; });
    case TG_DTYPE_INT32: return f([b](uint64_t i) { return uint32_t(load_bits<int32_t>(b + 4 * i)) ^ 0x80000000u; });
    case TG_DTYPE_FLOAT16:
      return f([b](uint64_t i) { return uint32_t(float_order<uint16_t>(load_bits<uint16_t>(b + 2 * i), 0x7c00)); });
    case TG_DTYPE_BFLOAT16:
      return f([b](uint64_t i) { return uint32_t(float_order<uint16_t>(load_bits<uint16_t>(b + 2 * i), 0x7f80)); });
    case TG_DTYPE_FLOAT32:
      return f([b](uint64_t i) { return float_order<uint32_t>(load_bits<uint32_t>(b + 4 * i), 0x7f800000u); });
    case TG_DTYPE_INT64:
      return f([b](uint64_t i) { return uint64_t(load_bits<int64_t>(b + 8 * i)) ^ (uint64_t(1) << 63); });
    default:
      return f([b](uint64_t i) {
        return float_order<uint64_t>(load_bits<uint64_t>(b + 8 * i), 0x7ff0000000000000ull);
      });
  }
}

// The k smallest of n items (make(i) gives item i) in ascending order, by a max-heap of the k
// smallest so far: most items cost one comparison with the heap's largest.
template <class Item, class Make>
void heap_select(std::vector<Item>& heap, uint64_t n, uint64_t k, Make make) {
  heap.clear();
  for (uint64_t i = 0; i < k; i++) heap.push_back(make(i));
  std::make_heap(heap.begin(), heap.end());
  for (uint64_t i = k; i < n; i++) {
    const Item v = make(i);
    if (v < heap.front()) {
      std::pop_heap(heap.begin(), heap.end());
      heap.back() = v;
      std::push_heap(heap.begin(), heap.end());
    }
  }
  std::sort_heap(heap.begin(), heap.end());
}

// heap_select for (key << 32 | position) items of 32-bit keys (key(i) gives the key): keys are
// made a block at a time (a vectorizable loop) and a block none of whose keys is below the
// heap's largest is passed over whole; such a key could not enter, as every position in the
// heap comes before the block.
template <class Key>
void heap_select_keys(std::vector<uint64_t>& heap, uint64_t n, uint64_t k, Key key) {
  heap.clear();
  for (uint64_t i = 0; i < k; i++) heap.push_back((static_cast<uint64_t>(key(i)) << 32) | i);
  std::make_heap(heap.begin(), heap.end());
  constexpr uint64_t kBlock = 64;
  uint32_t keys[kBlock];
  for (uint64_t i = k; i < n; i += kBlock) {
    const uint64_t m = std::min(kBlock, n - i);
    uint32_t lowest = ~uint32_t(0);
    for (uint64_t j = 0; j < m; j++) {
      keys[j] = key(i + j);
      lowest = std::min(lowest, keys[j]);
    }
    if (lowest >= static_cast<uint32_t>(heap.front() >> 32)) continue;
    for (uint64_t j = 0; j < m; j++) {
      const uint64_t v = (static_cast<uint64_t>(keys[j]) << 32) | (i + j);
      if (v < heap.front()) {
        std::pop_heap(heap.begin(), heap.end());
        heap.back() = v;
        std::push_heap(heap.begin(), heap.end());
      }
    }
  }
  std::sort_heap(heap.begin(), heap.end());
}

// Sorts (key << 32 | position) items by key: a stable LSD radix sort in three passes of 11
// bits, so items of equal keys stay in position order. tmp: scratch of the same size.
// count: scratch for the three passes' histograms (kept by the caller between rows).
inline void radix_sort_by_high_word(std::vector<uint64_t>& items, std::vector<uint64_t>& tmp,
                                    std::vector<uint32_t>& count) {
  constexpr int kBits = 11, kBuckets = 1 << kBits;
  count.assign(3 * kBuckets, 0);
  for (uint64_t v : items) {
    const auto key = static_cast<uint32_t>(v >> 32);
    count[key & (kBuckets - 1)]++;
    count[kBuckets + ((key >> kBits) & (kBuckets - 1))]++;
    count[2 * kBuckets + (key >> (2 * kBits))]++;
  }
  tmp.resize(items.size());
  for (int pass = 0; pass < 3; pass++) {
    uint32_t* c = count.data() + pass * kBuckets;
    if (c[static_cast<uint32_t>(items.front() >> (32 + pass * kBits)) & (kBuckets - 1)] == items.size()) continue;
    uint32_t sum = 0;
    for (int b = 0; b < kBuckets; b++) sum += std::exchange(c[b], sum);
    for (uint64_t v : items) tmp[c[static_cast<uint32_t>(v >> (32 + pass * kBits)) & (kBuckets - 1)]++] = v;
    items.swap(tmp);
  }
}

}  // namespace sort_detail

// Whether sort_rows can order keys of this dtype (every ABI 1.0 dtype).
inline bool sortable_dtype(uint32_t dtype) { return dtype < TG_DTYPE_COUNT_1_0; }

class RowSorter {
 public:
  // The positions of the first k of the n keys at `row` (dtype), in sort-order, into out.
  // Requires 1 <= k <= n < 2^31 and a sortable dtype (the callers check).
  void sort(uint32_t dtype, bool descending, const void* row, uint64_t n, uint64_t k, int32_t* out) {
    using namespace sort_detail;
    with_keys(dtype, static_cast<const unsigned char*>(row), [&](auto key) {
      using Key = decltype(key(0));
      const Key flip = descending ? static_cast<Key>(~Key(0)) : Key(0);
      if constexpr (sizeof(Key) == 4) {
        // (key << 32 | position): distinct items, ordered by key and then by position (stable).
        auto flipped = [&](uint64_t i) { return static_cast<uint32_t>(key(i) ^ flip); };
        auto item = [&](uint64_t i) { return (static_cast<uint64_t>(flipped(i)) << 32) | i; };
        if (k * 16 <= n) {
          heap_select_keys(packed_, n, k, flipped);
        } else {
          packed_.resize(n);
          for (uint64_t i = 0; i < n; i++) packed_[i] = item(i);
          radix_sort_by_high_word(packed_, tmp_, count_);
        }
        for (uint64_t j = 0; j < k; j++) out[j] = static_cast<int32_t>(packed_[j] & 0xffffffffu);
      } else {
        auto item = [&](uint64_t i) { return std::make_pair(static_cast<uint64_t>(key(i) ^ flip), i); };
        if (k * 16 <= n) {
          heap_select(pairs_, n, k, item);
        } else {
          pairs_.resize(n);
          for (uint64_t i = 0; i < n; i++) pairs_[i] = item(i);
          std::sort(pairs_.begin(), pairs_.end());
        }
        for (uint64_t j = 0; j < k; j++) out[j] = static_cast<int32_t>(pairs_[j].second);
      }
    });
  }

 private:
  std::vector<uint64_t> packed_, tmp_;
  std::vector<uint32_t> count_;
  std::vector<std::pair<uint64_t, uint64_t>> pairs_;
};

// Bytes per key of a sortable dtype.
inline uint64_t sort_key_size(uint32_t d) {
  return d == TG_DTYPE_BOOL || d == TG_DTYPE_INT8 || d == TG_DTYPE_UINT8                  ? 1
         : d == TG_DTYPE_INT16 || d == TG_DTYPE_FLOAT16 || d == TG_DTYPE_BFLOAT16 ? 2
         : d == TG_DTYPE_INT64 || d == TG_DTYPE_FLOAT64                           ? 8
                                                                                  : 4;
}
#if TG_ABI_MINOR >= 5
// Every row of valid args on this thread: keys and indices point at the first key and the first
// index (the buffers' bytes from their offsets).
inline void sort_rows_on_host(const tg_sort_args& a, const void* keys, int32_t* indices) {
  RowSorter sorter;
  const uint64_t row_bytes = a.n * sort_key_size(a.dtype);
  for (uint64_t r = 0; r < a.rows; r++)
    sorter.sort(a.dtype, (a.flags & TG_SORT_DESCENDING) != 0, static_cast<const unsigned char*>(keys) + r * row_bytes,
                a.n, a.k, indices + r * a.k);
}

// Bytes of all the keys of valid args.
inline uint64_t sort_args_key_bytes(const tg_sort_args& a) { return a.rows * a.n * sort_key_size(a.dtype); }

// Checks what the helper (tg/plugin.hpp) and the core check before sort_rows runs: a message
// naming the bad argument, or "" when args are valid for keys and indices buffers of these sizes.
inline std::string sort_args_problem(const tg_sort_args& a, uint64_t keys_bytes, uint64_t indices_bytes) {
  if (!sortable_dtype(a.dtype)) return "dtype " + std::to_string(a.dtype) + " is not a TG_DTYPE_*";
  if ((a.flags & ~uint32_t(TG_SORT_DESCENDING)) != 0) return "unknown flags " + std::to_string(a.flags);
  if (a.n == 0 || a.n > 0x7fffffffu) return "n is " + std::to_string(a.n) + "; it must be in [1, 2^31)";
  if (a.k == 0 || a.k > a.n) return "k is " + std::to_string(a.k) + "; it must be in [1, n = " + std::to_string(a.n) + "]";
  const uint64_t size = sort_key_size(a.dtype);
  uint64_t kb, ib;
  if (__builtin_mul_overflow(a.rows, a.n * size, &kb) || __builtin_add_overflow(kb, a.keys_offset, &kb) || kb > keys_bytes)
    return "the keys (" + std::to_string(a.rows) + " rows of " + std::to_string(a.n) + " from byte " +
           std::to_string(a.keys_offset) + ") do not lie inside their buffer of " + std::to_string(keys_bytes) + " bytes";
  if (__builtin_mul_overflow(a.rows, a.k * 4, &ib) || __builtin_add_overflow(ib, a.indices_offset, &ib) ||
      ib > indices_bytes)
    return "the indices (" + std::to_string(a.rows) + " rows of " + std::to_string(a.k) + " int32 from byte " +
           std::to_string(a.indices_offset) + ") do not lie inside their buffer of " + std::to_string(indices_bytes) +
           " bytes";
  if (a.keys_offset % size != 0 || a.indices_offset % 4 != 0) return "an offset is not a multiple of its element size";
  return "";
}
#endif

}  // namespace tg::sdk

#endif  // TG_SORT_ROWS_HPP
