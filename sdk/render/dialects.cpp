// The dialect tables: everything that differs between OpenCL C, HIP and CUDA, and nothing else.
// Each header defines the fixed-width names the base renderer writes (tg_i8 .. tg_u64) and the
// bit casts TG_F32_BITS / TG_BITS_F32 / TG_F64_BITS / TG_BITS_F64, so the base never needs a
// per-dialect type name.
#include <string>

#include "tg/render.hpp"

namespace tg::render {
namespace {
// a + b is a NaN when either is.
constexpr const char* kGpuMax = "(a != a || b != b) ? a + b : (a < b ? b : a)";
}  // namespace

const Dialect& opencl_dialect() {
  static const Dialect d{
      "opencl",
      // Contraction off: a*b+c must round twice, as the reference computes it.
      "#pragma OPENCL FP_CONTRACT OFF\n"
      "typedef char tg_i8;\ntypedef uchar tg_u8;\ntypedef short tg_i16;\ntypedef ushort tg_u16;\n"
      "typedef int tg_i32;\ntypedef uint tg_u32;\ntypedef long tg_i64;\ntypedef ulong tg_u64;\n"
      "#define TG_F32_BITS(x) as_uint(x)\n#define TG_BITS_F32(x) as_float(x)\n"
      "#define TG_F64_BITS(x) as_ulong(x)\n#define TG_BITS_F64(x) as_double(x)\n"
      "#define TG_CAS32(p, c, v) atomic_cmpxchg((volatile __global uint*)(p), (c), (v))\n",
      "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n",
      "__kernel",
      "static inline",
      "__global ",
      "__local ",
      "restrict",
      "barrier(CLK_LOCAL_MEM_FENCE);",
      "get_global_id($)",
      "get_local_id($)",
      "get_group_id($)",
      {"0", "1", "2"},
      {"exp2", "log2", "sin", "sqrt", "trunc"},
      {"exp2", "log2", "sin", "sqrt", "trunc"},
      "__attribute__((reqd_work_group_size(%u, %u, %u)))",
      true,
      true,
      kGpuMax,
      false,
      false,
  };
  return d;
}

// HIP and CUDA share everything but the name and the preamble's include (hiprtc provides the
// device declarations itself; NVRTC needs nothing either). Contraction is turned off by the
// plugin's compiler flags (-ffp-contract=off / --fmad=false), which a pragma cannot do portably.
namespace {
constexpr const char* kCudaLikeHeader =
    "typedef signed char tg_i8;\ntypedef unsigned char tg_u8;\ntypedef short tg_i16;\n"
    "typedef unsigned short tg_u16;\ntypedef int tg_i32;\ntypedef unsigned int tg_u32;\n"
    "typedef long long tg_i64;\ntypedef unsigned long long tg_u64;\n"
    "#define TG_F32_BITS(x) __float_as_uint(x)\n#define TG_BITS_F32(x) __uint_as_float(x)\n"
    "#define TG_F64_BITS(x) ((tg_u64)__double_as_longlong(x))\n"
    "#define TG_BITS_F64(x) __longlong_as_double((long long)(x))\n"
    "#define TG_CAS32(p, c, v) atomicCAS((unsigned int*)(p), (c), (v))\n";

Dialect cuda_like(const char* name) {
  return Dialect{
      name,
      kCudaLikeHeader,
      "",
      "extern \"C\" __global__",
      "static __device__ inline",
      "",
      "__shared__ ",
      "__restrict__",
      "__syncthreads();",
      "((tg_i64)blockIdx.$ * blockDim.$ + threadIdx.$)",
      "threadIdx.$",
      "blockIdx.$",
      {"x", "y", "z"},
      {"exp2f", "log2f", "sinf", "sqrtf", "truncf"},
      {"exp2", "log2", "sin", "sqrt", "trunc"},
      "__launch_bounds__(%u * %u * %u)",
      false,
      false,
      kGpuMax,
      false,
      false,
  };
}
}  // namespace

const Dialect& hip_dialect() {
  static const Dialect d = cuda_like("hip");
  return d;
}

const Dialect& cuda_dialect() {
  static const Dialect d = cuda_like("cuda");
  return d;
}

// C for the CPU. The fixed-width names come from <stdint.h>; bool is a byte (uint8_t), as in
// memory, so comparisons and masks vectorize like the other 8-bit types (the compiled kernels
// never include <stdbool.h>). The bit casts are memcpy, which GCC turns into moves.
namespace {
#include "half_source.inc"  // kHalfSource: the text of tg/half.h

std::string c_header() {
  return std::string(
             "#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\n#include <math.h>\n"
             "typedef int8_t tg_i8;\ntypedef uint8_t tg_u8;\ntypedef int16_t tg_i16;\ntypedef uint16_t tg_u16;\n"
             "typedef int32_t tg_i32;\ntypedef uint32_t tg_u32;\ntypedef int64_t tg_i64;\ntypedef uint64_t tg_u64;\n"
             "typedef uint8_t bool;\n#define false ((bool)0)\n#define true ((bool)1)\n"
             "static inline tg_u32 TG_F32_BITS(float x) { tg_u32 u; memcpy(&u, &x, 4); return u; }\n"
             "static inline float TG_BITS_F32(tg_u32 u) { float x; memcpy(&x, &u, 4); return x; }\n"
             "static inline tg_u64 TG_F64_BITS(double x) { tg_u64 u; memcpy(&u, &x, 8); return u; }\n"
             "static inline double TG_BITS_F64(tg_u64 u) { double x; memcpy(&x, &u, 8); return x; }\n"
             // With TG_VECTOR_MATH (the onednn plugin's jit_compiler.cpp defines it where glibc's
             // libmvec has them), GCC calls the 4-, 8- or 16-wide versions of these in vectorized
             // loops instead of one scalar call per element.
             "#ifdef TG_VECTOR_MATH\n"
             "__attribute__((simd(\"notinbranch\"))) float exp2f(float);\n"
             "__attribute__((simd(\"notinbranch\"))) float log2f(float);\n"
             "__attribute__((simd(\"notinbranch\"))) float sinf(float);\n"
             "__attribute__((simd(\"notinbranch\"))) double exp2(double);\n"
             "__attribute__((simd(\"notinbranch\"))) double log2(double);\n"
             "__attribute__((simd(\"notinbranch\"))) double sin(double);\n"
             "#endif\n"
             // libmvec's vector exp2f computes a whole vector in scalar code when one lane's
             // result is below the normal floats (an argument under -126): the -inf entries of a
             // causal softmax, half of every row, made its exp 4-7x slower. Such arguments are
             // raised by 64 (and the far tail, -inf included, held at -100) and the result is
             // scaled back by 2^-64, exactly, so every lane stays on the fast path: 2^x for
             // x in [-150, -126) rounds twice, beyond that it is 0 as it should be. Bit masks, not
             // `?:`, which GCC does not if-convert inside the reduction loops.
             "static inline float tg_exp2f(float x) {\n"
             "  const tg_u32 small = (tg_u32)0 - (tg_u32)(x < -126.0f);\n"
             "  const float up = TG_BITS_F32((TG_F32_BITS(x + 64.0f) & small) | (TG_F32_BITS(x) & ~small));\n"
             "  const tg_u32 tail = (tg_u32)0 - (tg_u32)(up < -100.0f);\n"
             "  const float y = TG_BITS_F32((TG_F32_BITS(-100.0f) & tail) | (TG_F32_BITS(up) & ~tail));\n"
             "  return exp2f(y) * TG_BITS_F32((TG_F32_BITS(0x1p-64f) & small) | (TG_F32_BITS(1.0f) & ~small));\n"
             "}\n") +
         kHalfSource + "\n";
}
}  // namespace

const Dialect& c_dialect() {
  static const std::string header = c_header();
  static const Dialect d{
      "c",
      header.c_str(),
      "",
      "",
      "static inline",
      "",
      "",
      "restrict",
      "",
      "",
      "",
      "",
      {"", "", ""},
      {"tg_exp2f", "log2f", "sinf", "sqrtf", "truncf"},
      {"exp2", "log2", "sin", "sqrt", "trunc"},
      "",
      false,
      false,
      // The isnan test first: GCC if-converts this form (a 2x2 max pool of a relu ran ~1.4x
      // faster than with `a != a || b != b`, which it left as branches).
      "__builtin_isnan(b) ? b : (a < b ? b : a)",
      true,
      true,
  };
  return d;
}

}  // namespace tg::render
