#include "cuda_codegen.hpp"

#include <algorithm>

#include "cuda_error.hpp"

namespace tg::cuda {

using tg::sdk::Failure;

std::string arch_name(int sm) { return "sm_" + std::to_string(sm); }

int pick_arch(int device_sm, const std::vector<int>& supported) {
  int best = 0;
  for (int a : supported)
    if (a / 10 == device_sm / 10 && a <= device_sm) best = std::max(best, a);
  return best;
}

tg::render::Target target_for(const GpuInfo& gpu) {
  tg::render::Target t;
  t.dialect = &tg::render::cuda_dialect();
  t.fp64 = true;
  t.cpu = false;
  t.max_local_size = std::max<uint32_t>(1, gpu.max_threads_per_block);
  t.local_mem_bytes = std::min<uint64_t>(gpu.shared_mem_per_block, 48 * 1024);
  t.compute_units = std::max<uint32_t>(1, gpu.multiprocessors);
  t.two_pass = true;
  return t;
}

std::vector<ArgKind> launch_arg_kinds(size_t n_params, bool scratch, const std::vector<uint32_t>& scalar_dtypes) {
  std::vector<ArgKind> kinds(n_params + (scratch ? 1 : 0), ArgKind::pointer);
  for (const uint32_t dt : scalar_dtypes)
    kinds.push_back(dt == TG_DTYPE_FLOAT64 ? ArgKind::f64 : tg::sdk::is_float_dtype(dt) ? ArgKind::f32 : ArgKind::i64);
  return kinds;
}

void grid_of(const tg::render::Launch& l, const std::string& name, unsigned grid[3], unsigned block[3]) {
  // CUDA's limits: 2^31 - 1 blocks in x, 65535 in y and z.
  static constexpr uint64_t kMaxGrid[3] = {2147483647u, 65535u, 65535u};
  for (uint32_t dim = 0; dim < 3; ++dim) {
    grid[dim] = block[dim] = 1;
    if (dim >= l.dims) continue;
    const uint64_t blocks = l.global[dim] / l.local[dim];
    if (blocks > kMaxGrid[dim])
      throw Failure(TG_ERR_UNSUPPORTED, "cuda: kernel " + name + " needs " + std::to_string(blocks) +
                                            " blocks in grid dimension " + "xyz"[dim] + "; CUDA allows at most " +
                                            std::to_string(kMaxGrid[dim]));
    block[dim] = l.local[dim];
    grid[dim] = static_cast<unsigned>(blocks);
  }
}

std::vector<std::string> compile_options(int sm) { return {"--gpu-architecture=" + arch_name(sm), "--fmad=false"}; }

namespace {

// Destroys the program however the compile ends.
struct Program {
  const Nvrtc& rtc;
  nvrtcProgram p = nullptr;
  ~Program() {
    if (p) (void)rtc.nvrtcDestroyProgram(&p);
  }
};

std::string log_of(const Nvrtc& rtc, nvrtcProgram p) {
  size_t n = 0;
  if (rtc.nvrtcGetProgramLogSize(p, &n) != NVRTC_SUCCESS || n == 0) return "";
  std::string log(n, '\0');
  if (rtc.nvrtcGetProgramLog(p, log.data()) != NVRTC_SUCCESS) return "";
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  return log;
}

void rtc_check(const Nvrtc& rtc, nvrtcResult r, const std::string& what) {
  if (r != NVRTC_SUCCESS) throw Failure(TG_ERR_INTERNAL, "cuda: " + what + " failed: " + nvrtc_error_text(rtc, r));
}

}  // namespace

std::vector<char> compile_source(const Nvrtc& rtc, const std::string& source, const std::string& unit, int sm,
                                 const std::string& what) {
  Program prog{rtc};
  rtc_check(rtc, rtc.nvrtcCreateProgram(&prog.p, source.c_str(), unit.c_str(), 0, nullptr, nullptr),
            "nvrtcCreateProgram for " + what);
  const std::vector<std::string> options = compile_options(sm);
  std::vector<const char*> argv;
  for (const std::string& o : options) argv.push_back(o.c_str());
  const nvrtcResult r = rtc.nvrtcCompileProgram(prog.p, static_cast<int>(argv.size()), argv.data());
  if (r != NVRTC_SUCCESS) {
    std::string flags;
    for (const std::string& o : options) flags += " " + o;
    throw Failure(TG_ERR_INTERNAL, "cuda: nvrtcCompileProgram failed for " + what + " for " + arch_name(sm) + ": " +
                                       nvrtc_error_text(rtc, r) + "\n--- nvrtc log (options:" + flags + ") ---\n" +
                                       log_of(rtc, prog.p));
  }
  size_t size = 0;
  rtc_check(rtc, rtc.nvrtcGetCUBINSize(prog.p, &size), "nvrtcGetCUBINSize for " + what);
  if (size == 0) throw Failure(TG_ERR_INTERNAL, "cuda: nvrtc compiled " + what + " for " + arch_name(sm) + " into an empty cubin");
  std::vector<char> cubin(size);
  rtc_check(rtc, rtc.nvrtcGetCUBIN(prog.p, cubin.data()), "nvrtcGetCUBIN for " + what);
  return cubin;
}

std::vector<char> compile_kernel(const Nvrtc& rtc, const tg::render::Kernel& kernel, int sm,
                                 const tg_kir_program& program) {
  const std::string what =
      "tg.kir program '" + std::string(program.name ? program.name : "") + "' (" + kernel.strategy + ")";
  try {
    return compile_source(rtc, kernel.source, kernel.entry + ".cu", sm, what);
  } catch (const Failure& f) {
    throw Failure(f.code(), std::string(f.what()) + "\n--- source ---\n" + kernel.source);
  }
}

}  // namespace tg::cuda
