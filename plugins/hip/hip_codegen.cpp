#include "hip_codegen.hpp"

#include <algorithm>
#include <memory>
#include <type_traits>

#include "hip_error.hpp"

namespace tg::hip {

using tg::sdk::Failure;

tg::render::Target target_for(const GpuInfo& gpu) {
  tg::render::Target t;
  t.dialect = &tg::render::hip_dialect();
  t.fp64 = true;
  t.cpu = false;
  t.max_local_size = std::max<uint32_t>(1, gpu.max_threads_per_block);
  t.local_mem_bytes = gpu.shared_mem_per_block;
  t.compute_units = std::max<uint32_t>(1, gpu.compute_units);
  t.two_pass = true;  // HipDevice::launch runs Kernel::finish_entry after the main kernel
  return t;
}

std::vector<std::string> compile_options(const std::string& arch) {
  return {"--offload-arch=" + arch, "-O3", "-ffp-contract=off"};
}

namespace {

struct ProgramDeleter {
  void operator()(hiprtcProgram p) const { (void)hiprtcDestroyProgram(&p); }
};
using ProgramPtr = std::unique_ptr<std::remove_pointer_t<hiprtcProgram>, ProgramDeleter>;

std::string log_of(hiprtcProgram p) {
  size_t n = 0;
  if (hiprtcGetProgramLogSize(p, &n) != HIPRTC_SUCCESS || n == 0) return "";
  std::string log(n, '\0');
  if (hiprtcGetProgramLog(p, log.data()) != HIPRTC_SUCCESS) return "";
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  return log;
}

void rtc_check(hiprtcResult r, const std::string& what) {
  if (r != HIPRTC_SUCCESS) throw Failure(TG_ERR_INTERNAL, "hip: " + what + " failed: " + hiprtc_error_text(r));
}

}  // namespace

std::vector<char> compile_source(const std::string& source, const std::string& unit, const std::string& arch,
                                 const std::string& what) {
  hiprtcProgram raw = nullptr;
  rtc_check(hiprtcCreateProgram(&raw, source.c_str(), unit.c_str(), 0, nullptr, nullptr), "hiprtcCreateProgram for " + what);
  ProgramPtr prog(raw);
  const std::vector<std::string> options = compile_options(arch);
  std::vector<const char*> argv;
  for (const std::string& o : options) argv.push_back(o.c_str());
  const hiprtcResult r = hiprtcCompileProgram(raw, static_cast<int>(argv.size()), argv.data());
  if (r != HIPRTC_SUCCESS) {
    std::string flags;
    for (const std::string& o : options) flags += " " + o;
    throw Failure(TG_ERR_INTERNAL, "hip: hiprtcCompileProgram failed for " + what + " for " + arch + ": " +
                                       hiprtc_error_text(r) + "\n--- hiprtc log (options:" + flags + ") ---\n" + log_of(raw));
  }
  size_t size = 0;
  rtc_check(hiprtcGetCodeSize(raw, &size), "hiprtcGetCodeSize for " + what);
  if (size == 0) throw Failure(TG_ERR_INTERNAL, "hip: hiprtc compiled " + what + " for " + arch + " into an empty code object");
  std::vector<char> code(size);
  rtc_check(hiprtcGetCode(raw, code.data()), "hiprtcGetCode for " + what);
  return code;
}

std::vector<char> compile_kernel(const tg::render::Kernel& kernel, const std::string& arch,
                                 const tg_kir_program& program) {
  const std::string what =
      "tg.kir program '" + std::string(program.name ? program.name : "") + "' (" + kernel.strategy + ")";
  try {
    return compile_source(kernel.source, kernel.entry + ".hip", arch, what);
  } catch (const Failure& f) {
    throw Failure(f.code(), std::string(f.what()) + "\n--- source ---\n" + kernel.source);
  }
}

std::string hiprtc_version_text() {
  int major = 0, minor = 0;
  if (hiprtcVersion(&major, &minor) != HIPRTC_SUCCESS) return "hiprtc (version unknown)";
  return "hiprtc " + std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace tg::hip
