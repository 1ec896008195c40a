/*
 * tg/half.h -- float16 and bfloat16 conversions, header-only, C99 and C++.
 *
 * float16 is IEEE 754 binary16 (1 sign, 5 exponent, 10 mantissa bits); bfloat16 is the upper
 * half of a float32 (1 sign, 8 exponent, 7 mantissa bits). Both travel as uint16_t bit patterns.
 *
 *   uint16_t tg_float_to_half(float)        float32 -> float16
 *   uint16_t tg_double_to_half(double)      float64 -> float16 (one rounding, not two)
 *   float    tg_half_to_float(uint16_t)     float16 -> float32 (exact)
 *   uint16_t tg_float_to_bfloat16(float)    float32 -> bfloat16
 *   uint16_t tg_double_to_bfloat16(double)  float64 -> bfloat16 (one rounding, not two)
 *   float    tg_bfloat16_to_float(uint16_t) bfloat16 -> float32 (exact)
 *   float    tg_round_to_bfloat16(float)    float32 rounded to bfloat16's precision, as float32
 *   uint16_t tg_int64_to_half(int64_t)      int64 -> float16 (one rounding, not two)
 *   uint16_t tg_int64_to_bfloat16(int64_t)  int64 -> bfloat16 (one rounding, not two)
 *
 * Narrowing rounds to nearest, ties to even, as IEEE 754 and every GPU do: values too large
 * become infinity, values too small become (signed) zero or a subnormal, infinities stay
 * infinities, and a NaN stays a NaN (made quiet, sign and top payload bits kept).
 * Widening is exact. No dependencies beyond <stdint.h> and <string.h>; no global state.
 */
#ifndef TG_HALF_H
#define TG_HALF_H

#include <stdint.h>
#include <string.h>
#if defined(__F16C__)
#include <immintrin.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Rounds an IEEE binary value (the bit pattern `bits` of a format with src_ebits exponent and
 * src_mbits mantissa bits) to a narrower IEEE format (dst_ebits, dst_mbits < src_mbits), round
 * to nearest even. Returns the narrow bit pattern. The one routine behind every narrowing. */
static inline uint32_t tg_ieee_narrow_bits(uint64_t bits, int src_ebits, int src_mbits,
                                           int dst_ebits, int dst_mbits) {
  const uint32_t src_emax = (1u << src_ebits) - 1u; /* the all-ones exponent: inf and NaN */
  const int src_bias = (1 << (src_ebits - 1)) - 1;
  const uint32_t dst_emax = (1u << dst_ebits) - 1u;
  const int dst_bias = (1 << (dst_ebits - 1)) - 1;
  const uint32_t sign = ((uint32_t)(bits >> (src_ebits + src_mbits)) & 1u) << (dst_ebits + dst_mbits);
  const uint32_t e = (uint32_t)(bits >> src_mbits) & src_emax;
  const uint64_t m = bits & ((UINT64_C(1) << src_mbits) - 1u);
  const uint32_t inf = dst_emax << dst_mbits;
  int exp;       /* unbiased exponent of the leading one */
  uint64_t mant; /* the significand with its leading one at bit src_mbits */
  int de;        /* biased destination exponent */
  int shift;     /* mantissa bits dropped */
  uint64_t kept, rest, halfway;
  uint32_t out;

  if (e == src_emax) {
    if (m == 0) return sign | inf;
    return sign | inf | (1u << (dst_mbits - 1)) | (uint32_t)(m >> (src_mbits - dst_mbits));
  }
  if (e == 0 && m == 0) return sign;
  if (e == 0) { /* a source subnormal: normalize it */
    exp = 1 - src_bias;
    mant = m;
    while ((mant >> src_mbits) == 0) {
      mant <<= 1;
      exp--;
    }
  } else {
    exp = (int)e - src_bias;
    mant = m | (UINT64_C(1) << src_mbits);
  }
  de = exp + dst_bias;
  if (de >= (int)dst_emax) return sign | inf; /* too large even before rounding */
  /* A destination normal keeps dst_mbits bits after the leading one; a destination subnormal
   * (de < 1) keeps 1 - de fewer. */
  shift = src_mbits - dst_mbits + (de < 1 ? 1 - de : 0);
  if (shift > src_mbits + 1) return sign; /* below half the smallest subnormal: rounds to 0 */
  kept = mant >> shift;
  rest = mant & ((UINT64_C(1) << shift) - 1u);
  halfway = UINT64_C(1) << (shift - 1);
  /* For a normal, kept carries the implicit one at bit dst_mbits, which adds one to de - 1. */
  out = (de < 1 ? 0u : (uint32_t)(de - 1) << dst_mbits) + (uint32_t)kept;
  if (rest > halfway || (rest == halfway && (kept & 1u))) out += 1u; /* a carry may reach inf */
  if (out > inf) out = inf;
  return sign | out;
}

/* float32 -> float16, round to nearest even, in straight-line code GCC vectorizes (F. Giesen's
 * method): every case is computed and the right one selected. Normals round by adding 0xfff plus
 * the lowest kept bit (a carry may reach inf, as it should); results below 2^-14 come from a
 * float addition of 0.5, whose own rounding is the subnormal's; NaN keeps its sign and upper
 * payload and is made quiet. Checked equal to tg_ieee_narrow_bits(bits, 8, 23, 5, 10) on all
 * 2^32 inputs (also built as the kernels are: -O3 -march=native). */
static inline uint16_t tg_float_to_half(float f) {
#if defined(__F16C__)
  /* The CPU's own instruction where the compiler may use it (kernels built with -march=native
   * on an F16C CPU): the same rounding, NaN and subnormal results on all 2^32 inputs. */
  return (uint16_t)_cvtss_sh(f, 0);
#else
  uint32_t x, sign, nan_inf, sub, norm;
  float fx;
  memcpy(&x, &f, sizeof x);
  sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  nan_inf = x > 0x7f800000u ? (0x7e00u | ((x >> 13) & 0x3ffu)) : 0x7c00u;
  memcpy(&fx, &x, sizeof fx);
  fx += 0.5f;
  memcpy(&sub, &fx, sizeof sub);
  sub -= 0x3f000000u;
  norm = (x + 0xc8000fffu + ((x >> 13) & 1u)) >> 13; /* rebias the exponent by 15 - 127 and round */
  return (uint16_t)(sign | (x >= 0x47800000u ? nan_inf : (x < 0x38800000u ? sub : norm)));
#endif
}

static inline uint16_t tg_double_to_half(double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return (uint16_t)tg_ieee_narrow_bits(bits, 11, 52, 5, 10);
}

/* float16 -> float32 (exact), straight-line as tg_float_to_half: the exponent rebiased by
 * 127 - 15, once more for inf and NaN; a subnormal m * 2^-24 is made by a float subtraction.
 * Checked equal to the bit-by-bit conversion on all 65536 inputs. */
static inline float tg_half_to_float(uint16_t h) {
#if defined(__F16C__)
  /* The CPU's instruction (as tg_float_to_half), which quiets a signaling NaN: its quiet bit is
   * cleared again, so the widening stays exact on all 65536 inputs. */
  float f = _cvtsh_ss(h);
  uint32_t bits, snan = (uint32_t)((h & 0x7e00u) == 0x7c00u) & (uint32_t)((h & 0x1ffu) != 0u);
  memcpy(&bits, &f, sizeof bits);
  bits &= ~(snan << 22);
  memcpy(&f, &bits, sizeof f);
  return f;
#else
  const uint32_t magic_bits = 113u << 23; /* 2^-14 */
  uint32_t o = (uint32_t)(h & 0x7fffu) << 13, e = o & 0x0f800000u, one_more, sub;
  float f, magic;
  o += 112u << 23;
  one_more = o + (1u << 23);
  memcpy(&magic, &magic_bits, sizeof magic);
  memcpy(&f, &one_more, sizeof f);
  f -= magic;
  memcpy(&sub, &f, sizeof sub);
  o = e == 0x0f800000u ? o + (112u << 23) : (e == 0 ? sub : o);
  o |= (uint32_t)(h & 0x8000u) << 16;
  memcpy(&f, &o, sizeof f);
  return f;
#endif
}

/* bfloat16 is float32's upper half, so rounding the bits to nearest even is the whole narrowing
 * (subnormals and the carry into the exponent included); NaN keeps its sign and upper payload
 * and is made quiet. Straight-line code GCC vectorizes: a bfloat16 kernel's stores ran ~6x
 * slower than float32's through tg_ieee_narrow_bits. Checked equal to
 * tg_ieee_narrow_bits(bits, 8, 23, 8, 7) on all 2^32 inputs. */
static inline uint16_t tg_float_to_bfloat16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t)(bits >> 16);
}

static inline uint16_t tg_double_to_bfloat16(double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return (uint16_t)tg_ieee_narrow_bits(bits, 11, 52, 8, 7);
}

static inline float tg_bfloat16_to_float(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* tg_bfloat16_to_float(tg_float_to_bfloat16(f)) bit for bit, without the trip through 16 bits:
 * the rounding is done on the float's own 32 bits and the low half cleared. What a kernel does
 * after every bfloat16 op; GCC vectorizes this form about 4x faster than the narrowing and
 * widening pair (which packs to 16-bit lanes and back), e.g. a max-pool gradient in bfloat16. */
static inline float tg_round_to_bfloat16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  bits = (bits & 0x7fffffffu) > 0x7f800000u ? (bits | 0x400000u) : bits + 0x7fffu + ((bits >> 16) & 1u);
  bits &= 0xffff0000u;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* An int64 as a double that rounds to every format of at most 51 significant bits exactly as
 * the integer itself would: above 53 significant bits it is cut by round-to-odd (the lowest kept
 * bit is ORed with every dropped one), which a double holds exactly. A plain (double)v rounds
 * once already, so narrowing that rounds twice: 2^60 + 2^52 + 1 would become bfloat16 0x5d80
 * (2^60, the tie broken to even) instead of 0x5d81. Through float the same happens to int32s. */
static inline double tg_int64_to_double_odd(int64_t v) {
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  double scale = 1.0;
  while (u >> 53) { /* at most 11 steps */
    u = (u >> 1) | (u & 1u);
    scale *= 2.0;
  }
  return (v < 0 ? -(double)u : (double)u) * scale;
}

static inline uint16_t tg_int64_to_half(int64_t v) { return tg_double_to_half(tg_int64_to_double_odd(v)); }

static inline uint16_t tg_int64_to_bfloat16(int64_t v) {
  return tg_double_to_bfloat16(tg_int64_to_double_odd(v));
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TG_HALF_H */
