#include "gemm.hpp"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>

namespace tg::onednn {

namespace {

// ---- blocking -----------------------------------------------------------------------------------
// The loops are BLIS's: jc over N in NC columns (B's block lives in L3), pc over K in KC steps,
// ic over M in MC rows (A's block lives in L2), then jr/ir over NR x MR tiles, where a KC x NR
// sliver of B stays in L1 while the MR x KC slivers of A stream past it.

struct Blocking {
  int mr, nr;        // the microkernel's tile
  int64_t mc, kc, nc;
};

// One microkernel call: the MR x NR tile at c (row stride ldc, unit column stride) becomes
// (accumulate ? tile : 0) + a * b, where a is an MR x kc sliver packed k-major and b a kc x NR one.
using Microkernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);

// ---- microkernels -------------------------------------------------------------------------------
// Every accumulator is a register: MR rows x NR/width vectors. Per k, NR/width loads of B and MR
// broadcasts of A feed MR * NR/width FMAs, so the FMA ports, not the loads, set the pace. C's
// tile is prefetched first: its rows are a row stride apart and miss the caches at every call.
// The two are written out, not one template: a target attribute cannot vary per instantiation,
// and an always-inline intrinsic cannot be called from a function compiled without its target.

#define TG_AVX512 __attribute__((target("avx512f,fma")))
#define TG_AVX2 __attribute__((target("avx2,fma")))

constexpr int kMr512 = 14, kNr512 = 32;
TG_AVX512 void microkernel_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  __m512 lo[kMr512], hi[kMr512];
#pragma GCC unroll 14
  for (int i = 0; i < kMr512; ++i) {
    lo[i] = hi[i] = _mm512_setzero_ps();
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 31), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 14
    for (int i = 0; i < kMr512; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      lo[i] = _mm512_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm512_fmadd_ps(ai, b1, hi[i]);
    }
    a += kMr512;
    b += kNr512;
  }
#pragma GCC unroll 14
  for (int i = 0; i < kMr512; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      lo[i] = _mm512_add_ps(lo[i], _mm512_loadu_ps(row));
      hi[i] = _mm512_add_ps(hi[i], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, lo[i]);
    _mm512_storeu_ps(row + 16, hi[i]);
  }
}

constexpr int kMr256 = 6, kNr256 = 16;
TG_AVX2 void microkernel_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  __m256 lo[kMr256], hi[kMr256];
#pragma GCC unroll 6
  for (int i = 0; i < kMr256; ++i) {
    lo[i] = hi[i] = _mm256_setzero_ps();
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 15), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < kMr256; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
    }
    a += kMr256;
    b += kNr256;
  }
#pragma GCC unroll 6
  for (int i = 0; i < kMr256; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      lo[i] = _mm256_add_ps(lo[i], _mm256_loadu_ps(row));
      hi[i] = _mm256_add_ps(hi[i], _mm256_loadu_ps(row + 8));
    }
    _mm256_storeu_ps(row, lo[i]);
    _mm256_storeu_ps(row + 8, hi[i]);
  }
}

struct Isa {
  Microkernel kernel = nullptr;
  Blocking blocking{};
};

// MC and KC were swept at 1024^3 on 2 threads (a Xeon, 48 KiB L1, 2 MiB L2): KC = 256 keeps B's
// sliver (256 x NR floats: 16 or 32 KiB) in L1; 384 and more spilled it (-20%). MC = 72 (AVX2)
// and 84 (AVX-512) beat 144-168 by 2-4%; NC = 4096 is one block for most N.
Isa isa_for(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::avx512: return {microkernel_avx512, {kMr512, kNr512, 14 * 6, 256, 4096}};
    case GemmIsa::avx2: return {microkernel_avx2, {kMr256, kNr256, 6 * 12, 256, 4096}};
    case GemmIsa::none: break;
  }
  return {};
}

// ---- packing ------------------------------------------------------------------------------------

// r[q] = rows q of an 8 x 8 block in, columns q of it out (in-register transpose).
TG_AVX2 inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20), r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20), r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31), r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31), r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Six rows of A (contiguous along k, `stride` apart) into one AVX2 sliver, eight k at a time:
// the 6 x 8 block is transposed in registers (as 8 x 8, two rows zero) and each k's column is
// stored 8 wide at out + 6k, its two extra floats overwritten by the next column's store. The
// last column of the sliver spills two floats past it (the scratch leaves room, kPackSlack).
// Element by element, this packing took 7-11% of a 1024^3 GEMM; this way it is 2-4%.
constexpr int kPackSlack = 16;
TG_AVX2 void pack_a_rows6(const float* src, int64_t stride, int64_t kc, float* out) {
  int64_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    __m256 r[8];
    for (int q = 0; q < 6; ++q) r[q] = _mm256_loadu_ps(src + q * stride + p);
    r[6] = r[7] = _mm256_setzero_ps();
    transpose8(r);
    for (int q = 0; q < 8; ++q) _mm256_storeu_ps(out + (p + q) * 6, r[q]);
  }
  for (; p < kc; ++p)
    for (int r = 0; r < 6; ++r) out[p * 6 + r] = src[r * stride + p];
}

// Rows [i0, i0 + rows) x k [p0, p0 + kc) of A into MR-row slivers, k-major, zero-padded to MR.
// `out` has kPackSlack floats of room past the last sliver.
void pack_a(const GemmOperands& g, int mr, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* out) {
  for (int64_t s = 0; s < rows; s += mr) {
    const int64_t h = std::min<int64_t>(mr, rows - s);
    const float* src = g.a + (i0 + s) * g.a_rs + p0 * g.a_cs;
    if (g.a_cs == 1 && h == 6 && mr == 6) {
      pack_a_rows6(src, g.a_rs, kc, out);
    } else if (g.a_cs == 1) {  // rows of A are contiguous: read along k, write with stride mr
      for (int64_t r = 0; r < h; ++r) {
        const float* row = src + r * g.a_rs;
        for (int64_t p = 0; p < kc; ++p) out[p * mr + r] = row[p];
      }
    } else if (g.a_rs == 1 && h == 6 && mr == 6) {  // A is transposed: six contiguous floats per k
      for (int64_t p = 0; p < kc; ++p) std::memcpy(out + p * 6, src + p * g.a_cs, sizeof(float) * 6);
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t r = 0; r < h; ++r) out[p * mr + r] = src[r * g.a_rs + p * g.a_cs];
    }
    for (int64_t r = h; r < mr; ++r)
      for (int64_t p = 0; p < kc; ++p) out[p * mr + r] = 0.0f;
    out += kc * mr;
  }
}

// B's columns contiguous along k (B transposed, `stride` apart) into a sliver of `nr` (a multiple
// of 8) columns, 8 x 8 blocks at a time transposed in registers; k past the last multiple of 8
// one by one. Element by element this took 15% of the MLP's 128 x 128 x 784 matmul (x @ W.T).
TG_AVX2 void pack_b_columns(const float* src, int64_t stride, int nr, int64_t kc, float* out) {
  int64_t p = 0;
  for (; p + 8 <= kc; p += 8)
    for (int j = 0; j < nr; j += 8) {
      __m256 r[8];
      for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + (j + q) * stride + p);
      transpose8(r);
      for (int q = 0; q < 8; ++q) _mm256_storeu_ps(out + (p + q) * nr + j, r[q]);
    }
  for (; p < kc; ++p)
    for (int j = 0; j < nr; ++j) out[p * nr + j] = src[j * stride + p];
}

// kc rows of NR contiguous floats, `stride` apart, into one dense block. NR is a constant so the
// copy is a few vector moves, not a memcpy call per row (that call was 30% of a 128 x 128 x 784 GEMM).
template <int NR>
void copy_rows(const float* src, int64_t stride, int64_t kc, float* out) {
  for (int64_t p = 0; p < kc; ++p) std::memcpy(out + p * NR, src + p * stride, sizeof(float) * NR);
}

// NR-column sliver `s` (columns j0 + s*nr ...) x k [p0, p0 + kc) of B, k-major, zero-padded.
void pack_b_sliver(const GemmOperands& g, int nr, int64_t j0, int64_t cols, int64_t p0, int64_t kc, float* out) {
  const float* src = g.b + p0 * g.b_rs + j0 * g.b_cs;
  if (g.b_cs == 1 && cols == nr) {  // rows of B are contiguous: nr floats per k
    if (nr == kNr512) return copy_rows<kNr512>(src, g.b_rs, kc, out);
    if (nr == kNr256) return copy_rows<kNr256>(src, g.b_rs, kc, out);
    for (int64_t p = 0; p < kc; ++p) std::memcpy(out + p * nr, src + p * g.b_rs, sizeof(float) * static_cast<size_t>(nr));
    return;
  }
  if (g.b_rs == 1 && cols == nr) return pack_b_columns(src, g.b_cs, nr, kc, out);
  if (g.b_rs == 1) {  // B is transposed: read along k
    for (int64_t j = 0; j < cols; ++j) {
      const float* col = src + j * g.b_cs;
      for (int64_t p = 0; p < kc; ++p) out[p * nr + j] = col[p];
    }
  } else {
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t j = 0; j < cols; ++j) out[p * nr + j] = src[p * g.b_rs + j * g.b_cs];
  }
  for (int64_t p = 0; p < kc; ++p)
    for (int64_t j = cols; j < nr; ++j) out[p * nr + j] = 0.0f;
}

// Slivers [s_begin, s_end) of B's block (columns j0 + s*nr ...) x k [p0, p0 + kc). When B's rows
// are contiguous they are read row by row, each row once along its length, and dealt out to the
// slivers: reading a sliver at a time instead walks B's column band with a row-stride step, one
// cache line per row and page (3.5% of a one-thread 1024^3 GEMM on a Zen 2, against 1.7%).
void pack_b_block(const GemmOperands& g, int nr, int64_t j0, int64_t nc, int64_t s_begin, int64_t s_end, int64_t p0,
                  int64_t kc, float* block) {
  // Slivers [s_begin, whole_end) are whole NR-wide pieces of contiguous rows; the rest (past
  // B's last column, or any other layout) go sliver by sliver.
  const bool contiguous_rows = g.b_cs == 1 && (nr == kNr256 || nr == kNr512);
  const int64_t whole_end = contiguous_rows ? std::clamp(nc / nr, s_begin, s_end) : s_begin;
  if (whole_end > s_begin) {
    for (int64_t p = 0; p < kc; ++p) {
      const float* row = g.b + (p0 + p) * g.b_rs + j0;
      if (nr == kNr256)
        for (int64_t s = s_begin; s < whole_end; ++s)
          std::memcpy(block + (s * kc + p) * kNr256, row + s * kNr256, sizeof(float) * kNr256);
      else
        for (int64_t s = s_begin; s < whole_end; ++s)
          std::memcpy(block + (s * kc + p) * kNr512, row + s * kNr512, sizeof(float) * kNr512);
    }
  }
  for (int64_t s = whole_end; s < s_end; ++s)
    pack_b_sliver(g, nr, j0 + s * nr, std::min<int64_t>(nr, nc - s * nr), p0, kc, block + s * kc * nr);
}

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// The scratch: B's packed block (shared) at the front, then each thread's packed A block, each
// no bigger than this GEMM needs.
struct ScratchLayout {
  uint64_t b_floats, a_floats;
};
ScratchLayout layout(const Blocking& bl, int64_t m, int64_t n, int64_t k) {
  const int64_t kc = std::min(bl.kc, std::max<int64_t>(k, 1));
  return {static_cast<uint64_t>(kc * round_up(std::min(bl.nc, std::max<int64_t>(n, 1)), bl.nr)),
          static_cast<uint64_t>(round_up(kc * round_up(std::min(bl.mc, std::max<int64_t>(m, 1)), bl.mr) + kPackSlack, 16))};
}

// The tile at rows [i, i + h) x cols [j, j + w) of C from packed slivers: straight into C when
// it is whole and C's rows are contiguous, else through a local tile.
void tile(const Isa& x, const GemmOperands& g, int64_t kc, const float* ap, const float* bp, int64_t i, int64_t j,
          int64_t h, int64_t w, bool accumulate) {
  const int mr = x.blocking.mr, nr = x.blocking.nr;
  if (h == mr && w == nr && g.c_cs == 1) {
    x.kernel(kc, ap, bp, g.c + i * g.c_rs + j, g.c_rs, accumulate);
    return;
  }
  alignas(64) float local[16 * 32];
  x.kernel(kc, ap, bp, local, nr, false);
  for (int64_t r = 0; r < h; ++r) {
    float* row = g.c + (i + r) * g.c_rs + j * g.c_cs;
    const float* l = local + r * nr;
    if (accumulate)
      for (int64_t q = 0; q < w; ++q) row[q * g.c_cs] += l[q];
    else
      for (int64_t q = 0; q < w; ++q) row[q * g.c_cs] = l[q];
  }
}

// How `threads` threads split C's grid of tiles: tm row groups x tn column groups, the split
// with the fewest tiles for the busiest thread. On a tie the smaller operand is the one that is
// shared. Split by columns, each thread packs all of A but only the B slivers it alone reads, and
// no thread waits for another; split by rows, each packs its own rows of A, and B's packed block
// is shared, which costs two barriers per K block and moves every packed line between the cores.
// So: columns when A is the smaller (M <= N), rows otherwise. On two threads, 128 x 128 x 784
// took 227 us split by rows and 168 us by columns; 2048 x 64 x 2048 4.5 ms by columns.
struct Split {
  int tm = 1, tn = 1;
};
Split split(int threads, int64_t mtiles, int64_t ntiles, bool columns_on_tie) {
  Split best;
  int64_t best_load = INT64_MAX;
  for (int tm = threads; tm >= 1; --tm) {  // most row groups first
    if (threads % tm) continue;
    const int tn = threads / tm;
    const int64_t load = ((mtiles + tm - 1) / tm) * ((ntiles + tn - 1) / tn);
    if (load < best_load || (load == best_load && columns_on_tie)) best_load = load, best = {tm, tn};
  }
  return best;
}

// [begin, end) of `parts` near-equal parts of `count` units, for part `t`.
void share(int64_t count, int parts, int t, int64_t* begin, int64_t* end) {
  *begin = count * t / parts;
  *end = count * (t + 1) / parts;
}

}  // namespace

GemmIsa gemm_best_isa() {
  __builtin_cpu_init();
  GemmIsa cpu = GemmIsa::none;
  if (__builtin_cpu_supports("avx512f")) cpu = GemmIsa::avx512;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) cpu = GemmIsa::avx2;
  // oneDNN's ISA cap caps this GEMM too, so one variable makes the whole device act as an older
  // CPU would: AVX2* -> avx2; SSE41 or AVX -> none; AVX512*, AMX*, ALL or unset -> no cap.
  if (const char* cap = std::getenv("ONEDNN_MAX_CPU_ISA"); cap && *cap) {
    std::string v(cap);
    for (char& ch : v) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (v.rfind("AVX2", 0) == 0) cpu = std::min(cpu, GemmIsa::avx2);
    else if (v == "SSE41" || v == "AVX") cpu = GemmIsa::none;
  }
  return cpu;
}

const char* gemm_isa_name(GemmIsa isa) {
  return isa == GemmIsa::avx512 ? "avx512" : isa == GemmIsa::avx2 ? "avx2" : "none";
}

uint64_t gemm_scratch_bytes(GemmIsa isa, int64_t m, int64_t n, int64_t k, int threads) {
  if (isa == GemmIsa::none) return 0;
  const ScratchLayout l = layout(isa_for(isa).blocking, m, n, k);
  return (l.b_floats + l.a_floats * static_cast<uint64_t>(std::max(threads, 1))) * sizeof(float);
}

void sgemm(const GemmOperands& g, GemmIsa isa, int threads, void* scratch) {
  const Isa x = isa_for(isa);
  const Blocking& bl = x.blocking;
  if (g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0) {
    if (g.accumulate) return;
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) g.c[i * g.c_rs + j * g.c_cs] = 0.0f;
    return;
  }
  const ScratchLayout l = layout(bl, g.m, g.n, g.k);
  float* const b_block = static_cast<float*>(scratch);
  const int64_t mtiles = (g.m + bl.mr - 1) / bl.mr;
  const int64_t ntiles = (g.n + bl.nr - 1) / bl.nr;
  // Each thread wants a few tiles per k block (even a 128 x 10 x 128 GEMM runs faster on two).
  const int nthreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, mtiles * ntiles / 4)));
  // K in equal blocks of at most KC: 784 runs as 4 x 196, not 3 x 256 + 16 (a thin last block
  // would load and store every C tile for 16 multiply-adds).
  const int64_t kblocks = (g.k + bl.kc - 1) / bl.kc;
  const int64_t kstep = (g.k + kblocks - 1) / kblocks;
  const Split sp = split(nthreads, mtiles, ntiles, g.m <= g.n);

#pragma omp parallel num_threads(nthreads)
  {
    const int t = omp_get_thread_num();
    float* const a_block = b_block + l.b_floats + l.a_floats * static_cast<uint64_t>(t);
    int64_t mt0, mt1, nt0, nt1;  // this thread's tiles
    share(mtiles, sp.tm, t / sp.tn, &mt0, &mt1);
    share(ntiles, sp.tn, t % sp.tn, &nt0, &nt1);
    const int64_t i_begin = mt0 * bl.mr, i_end = std::min(g.m, mt1 * bl.mr);
    for (int64_t jc = 0; jc < g.n; jc += bl.nc) {
      const int64_t nc = std::min(bl.nc, g.n - jc);
      const int64_t slivers = (nc + bl.nr - 1) / bl.nr;
      const int64_t jc_tile = jc / bl.nr;
      // This thread's columns inside the block, in slivers.
      const int64_t s_begin = std::clamp(nt0 - jc_tile, int64_t{0}, slivers);
      const int64_t s_end = std::clamp(nt1 - jc_tile, int64_t{0}, slivers);
      // Split by columns, a sliver's place in B's block belongs to one thread within a column
      // block but to another in the next: all finish this block before any packs the next.
      if (sp.tm == 1 && jc > 0) {
#pragma omp barrier
      }
      for (int64_t pc = 0; pc < g.k; pc += kstep) {
        const int64_t kc = std::min(kstep, g.k - pc);
        if (sp.tm == 1) {
          // Columns split: each thread packs the slivers it reads.
          pack_b_block(g, bl.nr, jc, nc, s_begin, s_end, pc, kc, b_block);
        } else {
          // Everyone packs a share of B's block, then waits for the whole of it.
#pragma omp barrier
          int64_t p_begin, p_end;
          share(slivers, nthreads, t, &p_begin, &p_end);
          pack_b_block(g, bl.nr, jc, nc, p_begin, p_end, pc, kc, b_block);
#pragma omp barrier
        }
        if (i_begin >= i_end || s_begin >= s_end) continue;
        for (int64_t ic = i_begin; ic < i_end; ic += bl.mc) {
          const int64_t mc = std::min(bl.mc, i_end - ic);
          pack_a(g, bl.mr, ic, mc, pc, kc, a_block);
          for (int64_t s = s_begin; s < s_end; ++s) {
            const int64_t j = jc + s * bl.nr, w = std::min<int64_t>(bl.nr, g.n - j);
            const float* bp = b_block + s * kc * bl.nr;
            for (int64_t ir = 0; ir < mc; ir += bl.mr)
              tile(x, g, kc, a_block + ir * kc, bp, ic + ir, j, std::min<int64_t>(bl.mr, mc - ir), w, pc > 0 || g.accumulate);
          }
        }
      }
    }
  }
}

}  // namespace tg::onednn
