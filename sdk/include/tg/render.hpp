// tg/render.hpp -- tg.kir -> C-family kernel source (OpenCL C, HIP, CUDA, and C for a CPU), one
// renderer for every plugin that compiles kernels. Part of the SDK: link the static library
// tg::render (target tg_render).
//
//   tg::render::Target target{&tg::render::opencl_dialect()};   // plus what the device can do
//   tg::render::Kernel k = tg::render::render(program, target);  // throws tg::sdk::Failure
//   // compile k.source with the vendor's compiler, launch k.entry over k.launch
//
// One base, many dialects (STYLE.md, example 8): a Dialect is a table of strings -- type names,
// qualifiers, how a work-item finds its ids, barriers, local memory, bit casts, math names --
// and nothing else. Everything that decides *what* a kernel computes lives in the base, so the
// dialects cannot drift apart in semantics. Adding a dialect is writing one table.
//
// SEMANTICS. Rendered kernels compute exactly what tg/plugin.h defines and the reference plugin
// (plugins/ref) computes: integer arithmetic wraps; IDIV/MOD by 0 give 0 (and by -1 never trap);
// shift counts outside [0, bits) give 0; float -> int casts truncate, saturate, and send NaN to
// 0; float MAX propagates NaN; float16 and bfloat16 are stored as 16-bit patterns and computed in
// float, rounded to their dtype after every op (so no cl_khr_fp16 or native half is needed);
// floating-point contraction (a*b+c -> fma) is off, so every op rounds as the reference does.
// Reductions accumulate in index order, one work-item per output -- bit-identical to the
// reference -- except the "group" and "split" strategies for large reductions, which add partial
// sums in another fixed order (the same value up to float rounding order; the same bits every run).
//
// KERNEL ARGUMENTS. One pointer per param, in order: `const` for read params. Where the dialect
// has offset_args (OpenCL: a cl_mem cannot be offset on the host), one 64-bit unsigned *element*
// offset per param follows, in the same order; the plugin passes launch byte offsets divided by
// the element size (byte offsets that are not a multiple of it cannot be launched). Other
// dialects take pointers the plugin already offset. A two-pass kernel's scratch buffer comes
// next, then one argument per scalar arg of the program (ABI 1.3, Kernel::scalar_dtypes), in
// order: a double for a float64 CONST, a float for the other float dtypes, a 64-bit signed
// integer for bool and integer dtypes.
// Memory element types: bool is 1 byte (0/1 written, nonzero read as true), float16/bfloat16 are
// 16-bit patterns (unsigned short), the rest their natural C types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tg/kir.hpp"

namespace tg::render {

// The strings and switches that make one C dialect. Every field is used by the base renderer;
// none is optional. The header defines the fixed-width integer names the base writes (tg_i8,
// tg_u8, tg_i16, tg_u16, tg_i32, tg_u32, tg_i64, tg_u64) and the bit-cast macros TG_F32_BITS,
// TG_BITS_F32, TG_F64_BITS, TG_BITS_F64; so the base needs no per-dialect type names.
struct Dialect {
  const char* name;               // "opencl", "hip", "cuda"
  const char* header;             // first lines of every source (pragmas, typedefs, bit casts)
  const char* fp64_header;        // added when a kernel uses float64 (an extension pragma)
  const char* kernel_qualifier;   // before `void` of the entry point
  const char* function_qualifier; // before helper functions
  const char* global_ptr;         // address-space qualifier of buffer pointers ("__global ")
  const char* local_decl;         // qualifier of a work-group array ("__local ")
  const char* restrict_kw;        // "restrict" / "__restrict__"
  const char* barrier;            // a work-group barrier over local memory, a full statement
  // Ids of a work-item, as expressions; `$` stands for the dimension's name in dim_names.
  const char* global_id;
  const char* local_id;
  const char* group_id;
  const char* dim_names[3];       // {"0", "1", "2"} or {"x", "y", "z"}
  // exp2, log2, sin, sqrt, trunc on float and on double.
  const char* math_f[5];
  const char* math_d[5];
  // Attribute text of an entry point compiled for one work-group size; three %u: x, y, z.
  const char* reqd_local_size;
  bool offset_args;  // see KERNEL ARGUMENTS above
  // OpenCL C's float8 with vload8/vstore8: the CPU matmul kernel needs them (CPU drivers do
  // not vectorize across work-items reliably; explicit vectors do).
  bool float8;
  // The return expression of the NaN-propagating max over `a` and `b` (float and double alike):
  // NaN in either operand gives a NaN, else the larger, `a` on ties.
  const char* fmax_return;
  // float16/bfloat16 convert with tg/half.h's functions (the header holds its text) instead of
  // rendered helpers: the same bits, and F16C instructions where the CPU has them.
  bool half_h;
  // bool/int8/uint8/int16 -> float casts widen to int32 first (exact): GCC vectorizes
  // int32 -> float but not uint8 -> float.
  bool widen_small_int_to_float;
};

const Dialect& opencl_dialect();
const Dialect& hip_dialect();
const Dialect& cuda_dialect();
// C11 for a CPU's C compiler (the onednn plugin's kernels): host types from <stdint.h>, bool held
// in a byte; no work-items, barriers or local memory. render() does not take it: a CPU runs
// loops, not work-items (render_cpu below).
const Dialect& c_dialect();

// What the device can do; the renderer chooses strategies and tile sizes from it.
struct Target {
  const Dialect* dialect = nullptr;
  bool fp64 = false;                // float64 programs allowed (cl_khr_fp64)
  bool cpu = false;                 // a CPU device (work-groups run as loops: tune for that)
  uint32_t max_local_size = 256;    // largest work-group
  uint64_t local_mem_bytes = 16384; // local (shared) memory per work-group
  uint32_t compute_units = 1;
  // The plugin launches two-kernel reductions (Kernel::finish_entry, with a scratch buffer).
  // Without it, a long reduction into few outputs runs one work-group per output.
  bool two_pass = false;
};

// How the kernel is launched: OpenCL's convention (global = total work-items per dim, a multiple
// of local). A CUDA-style plugin launches global[d] / local[d] blocks of local[d] threads. The
// local size is required (the kernel is compiled for it). global[0] == 0: nothing to run (an
// empty output); the plugin skips the launch.
struct Launch {
  uint32_t dims = 1;
  uint64_t global[3] = {1, 1, 1};
  uint32_t local[3] = {1, 1, 1};
};

struct Kernel {
  std::string entry;     // the entry point's name
  std::string source;    // the whole translation unit
  Launch launch;
  // "elementwise", "reduce-per-item", "reduce-group", "reduce-split", "matmul"
  const char* strategy;
  bool uses_fp64 = false;
  std::vector<uint32_t> scalar_dtypes;  // the dtype of each scalar arg (see KERNEL ARGUMENTS)
  // Two-pass ("reduce-split", only where Target::two_pass): `entry` writes partial results into a
  // scratch buffer of scratch_bytes, then `finish_entry`, launched over finish_launch right after
  // it (in order), combines them and writes the outputs. Both entries take the usual arguments
  // and then one more: the scratch buffer (a byte pointer; on offset_args dialects with no
  // offset of its own). The plugin owns the scratch buffer, one per compiled kernel: launches of
  // one kernel must not overlap (an in-order queue or stream). Empty finish_entry: one kernel,
  // no scratch.
  std::string finish_entry;
  Launch finish_launch;
  uint64_t scratch_bytes = 0;
};

// ---- The CPU: loops instead of work-items ------------------------------------------------------
// The c dialect's values (the same types, literals and op expressions as every dialect) in loops
// planned for a CPU (sdk/render/loop_plan.hpp): size-1 dims dropped and contiguous dims merged,
// one parallel loop of tasks (OpenMP) around inner loops GCC vectorizes, reductions in lanes or
// in output chunks, large reductions over few outputs split across threads. The source defines
//   int tg_kernel(char* const* bufs);   // 0 when done, nonzero when out of memory
// where bufs[q] is element 0 of param q, and, when the program has scalar args (ABI 1.3), bufs[n_params]
// points at an array of { int64_t i; double f; }, one per scalar arg in order (f for float
// dtypes, i for the others). Compile it with -std=c11 -fopenmp -ffp-contract=off (a*b+c rounds
// twice, as the reference computes it). Reduction order: see cpu_reduce.cpp (lanes add partial
// sums in a fixed order: the same bits every run, not always the reference's).
struct CpuKernel {
  std::string source;
  std::string summary;  // one line: the loop strategy chosen (for debug output)
};
// `info`: tg::sdk::check_program's for p (p must be checked). `threads`: how many threads
// tg_kernel will run on (decides how a reduction is split). Throws tg::sdk::Failure
// (TG_ERR_UNSUPPORTED) for what the loops do not render (SCATTER_ADD of bool or narrow floats).
CpuKernel render_cpu(const tg_kir_program& p, const tg::sdk::ProgramInfo& info, int threads);

// Renders a program for a target. Validates it (tg::sdk::check_program) and throws
// tg::sdk::Failure: TG_ERR_INVALID_ARGUMENT for a malformed program, TG_ERR_UNSUPPORTED (with
// the reason) for what the target cannot run (float64 without fp64).
Kernel render(const tg_kir_program& program, const Target& target);

}  // namespace tg::render
