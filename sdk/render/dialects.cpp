// The dialect tables: everything that differs between OpenCL C, HIP and CUDA, and nothing else.
// Each header defines the fixed-width names the base renderer writes (tg_i8 .. tg_u64) and the
// bit casts TG_F32_BITS / TG_BITS_F32 / TG_F64_BITS / TG_BITS_F64, so the base never needs a
// per-dialect type name.
#include "tg/render.hpp"

namespace tg::render {

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

}  // namespace tg::render
