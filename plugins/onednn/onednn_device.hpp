#pragma once
// The onednn plugin's classes, written against the SDK helper (tg/plugin.hpp): one CPU device
// whose buffers are host memory. compile() picks, per program, the fastest way that works:
//   1. a strided batched matmul (matmul_match.hpp) -> a oneDNN matmul primitive, a 2-D
//      convolution (conv_match.hpp) -> a oneDNN convolution primitive, each followed by the
//      elementwise epilogue (compiled as in 2) when there is one;
//   2. everything else -> C rendered by tg::render::render_cpu (sdk/render), compiled at run
//      time by the system compiler and cached on disk (jit_compiler.hpp): one pass over memory on every core;
//   3. without a compiler (or if it fails) -> the ref plugin's interpreter: slow but complete,
//      so this device never refuses a program the ref plugin runs.
// TG_PLUGIN_DEBUG=1 prints which one each program got, and why a faster one was not taken.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "contraction.hpp"
#include "conv_match.hpp"
#include "gemm.hpp"
#include "interpreter.hpp"  // tg::ref::Kernel, the fallback
#include "jit_compiler.hpp"
#include "tg/plugin.hpp"

namespace tg::onednn {

// Options from TG_PLUGIN_OPTIONS_ONEDNN ("jit=0;matmul=0;conv=0").
struct Options {
  // jit=0: generic programs run on the interpreter; jit=1 (default) or 2 (the same, as older
  // scripts ask for it): they are compiled to C before their first launch (compile_c says why
  // there is no tiering).
  int jit = 1;
  bool matmul = true;  // matmul=0: no matmul fast path (matmuls run as generic programs)
  // Which GEMM runs the matmuls: gemm=onednn oneDNN's matmul primitive (`none` here); gemm=avx2
  // or gemm=avx512 tg's own (gemm.hpp) with that microkernel, for every matmul. Unset
  // (`gemm_auto`): where the CPU's widest is AVX2, tg's avx2 for the unbatched matmuls that are
  // large and not thin (kTgGemmFromFlop, kTgGemmMin), oneDNN's for the rest; with AVX-512,
  // oneDNN's for all. Measured on a Zen 2 (2 threads, warm caches, tg's / oneDNN's): 512^3
  // 1.53 / 1.69 ms, 1024^3 12.6 / 12.9 ms (through tg 12.3-12.7 against 12.9-13.3 ms on
  // oneDNN's row bands), 256 x 1024 x 1024 3.3 / 8.7 ms; but the MLP's 128 x 128 x 784 172 /
  // 155 us and 128 x 784 x 128 217 / 150 us. On a Xeon oneDNN's AVX-512 SGEMM beat tg's
  // (1024^3: 281-306 against 256-260 GFLOP/s).
  bool gemm_auto = true;
  GemmIsa gemm = GemmIsa::none;
  bool conv = true;    // conv=0: do not declare TG_FAST_CONV (the core lowers convolutions to matmuls)
  bool dump = false;   // dump=1: log each kernel's C source (with TG_PLUGIN_DEBUG=1)
  // indexed=0: do not declare TG_KIR_INDEXED (ABI 1.4): gathers and scatter-adds are one-hot
  // masked sums, as an older plugin gets them (the tests of that fallback use it)
  bool indexed = true;
  bool vecmath = true; // vecmath=0: exp2, log2 and sin as scalar libm calls even where libmvec has vector ones
};

// Unbatched matmuls of at least this many flops, rows, columns and K run on tg's GEMM when gemm
// is unset (Options). Thin ones stay on oneDNN's, measured on the Zen 2 (tg's / oneDNN's, best
// of 30): one column 37.5 / 8.8 ms (8192 x 1 x 8192), one row 23.3 / 9.4 ms, 64 columns 3.8 /
// 3.3 ms (2048 x 64 x 2048), K = 8 7.3 / 3.9 ms (4096 x 4096 x 8), K = 64 14.8 / 12.7 ms. tg
// packs A and B into panels, which costs a pass over an operand that a thin matmul reads once.
constexpr double kTgGemmFromFlop = 1.0e8;
constexpr struct {
  int64_t rows, cols, k;
} kTgGemmMin{32, 256, 128};

// 64-byte aligned, zero-filled host memory; large buffers come straight from mmap (zero pages
// for free, returned to the system on free).
class HostBuffer {
 public:
  explicit HostBuffer(uint64_t nbytes);
  ~HostBuffer();
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  std::byte* data() { return data_; }

 private:
  std::byte* data_ = nullptr;
  uint64_t mapped_ = 0;  // bytes mmapped, 0 if allocated with operator new
};

struct Executable {
  ~Executable() {
    if (jit) jit->release(so);
  }
  std::string name;
  KernelFn fn = nullptr;                      // a compiled kernel (in loaded object `so` of `jit`), or
  JitCompiler* jit = nullptr;
  std::string so;
  std::unique_ptr<tg::ref::Kernel> interp;    // the interpreter (a program not compiled), or
  std::unique_ptr<Primitive> primitive;       // a oneDNN matmul or convolution ...
  std::unique_ptr<Executable> epilogue;       // ... and what follows it (reads its result last)
  std::unique_ptr<HostBuffer> temp;           // the primitive's result when it is not stored directly
};

class Device {
 public:
  using Buffer = HostBuffer;
  using Executable = tg::onednn::Executable;

  Device(const tg::sdk::Host& host, const Options& options, uint64_t max_alloc);
  void caps(tg_device_caps& caps);
  std::unique_ptr<HostBuffer> alloc(uint64_t nbytes);
  void write(HostBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes);
  void read(HostBuffer& src, uint64_t offset, void* dst, uint64_t nbytes);
  void* host_pointer(HostBuffer& b) { return b.data(); }  // buffers are host memory (ABI 1.4)
  void copy(HostBuffer& dst, uint64_t dst_offset, HostBuffer& src, uint64_t src_offset, uint64_t nbytes);
  // ABI 1.5: rows ordered by tg/sort_rows.hpp, on every thread (rows split between them).
  void sort_rows(const tg_sort_args& args, HostBuffer& keys, HostBuffer& indices);
  std::unique_ptr<Executable> compile(const tg_kir_program& program);
  void launch(Executable& exe, const std::vector<tg::sdk::LaunchBuffer<HostBuffer>>& buffers,
              const tg_kir_scalar* scalars);
  void synchronize() {}  // launch runs to completion before it returns

 private:
  std::unique_ptr<Executable> compile_primitive(const tg_kir_program& p, const tg::sdk::ProgramInfo& info);
  std::unique_ptr<Primitive> make_conv(const ConvMatch& m);
  std::unique_ptr<Executable> compile_generic(const tg_kir_program& program, const tg::sdk::ProgramInfo& info);
  void run(Executable& exe, std::vector<std::byte*>& base);
  const tg_kir_scalar* scalars_ = nullptr;  // the launch's scalar args, during launch
  void compile_c(Executable& exe, const tg_kir_program& p, const tg::sdk::ProgramInfo& info);
  void debug(const std::string& line) const { host_.log(TG_LOG_DEBUG, "onednn: " + line); }

  tg::sdk::Host host_;
  Options options_;
  uint64_t max_alloc_;
  JitCompiler& jit();  // made on first use: it runs `cc --version`
  std::unique_ptr<JitCompiler> jit_;
  std::unique_ptr<HostBuffer> scratch_;  // the primitives' scratch (Primitive::scratch_bytes), grown on demand
  uint64_t scratch_bytes_ = 0;
  int threads_;
  dnnl::engine engine_;
  dnnl::stream stream_;
};

class Plugin {
 public:
  using Device = tg::onednn::Device;

  explicit Plugin(const tg_init_args& args);
  uint32_t device_count() { return 1; }
  void device_props(uint32_t index, tg_device_props& props);
  std::unique_ptr<Device> open(uint32_t index);

 private:
  tg::sdk::Host host_;
  Options options_;
  uint64_t memory_bytes_;
  std::string name_;
};

// Threads the device runs on: OMP_NUM_THREADS if set, else the CPUs this process may use.
int cpu_threads();

}  // namespace tg::onednn
