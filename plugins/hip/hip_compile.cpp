// program_compile: render tg.kir to HIP C++, then a code object from the disk cache, or hiprtc
// (stored in the cache for the next process), loaded with hipModuleLoadData.
#include <chrono>

#include "hip_error.hpp"
#include "hip_plugin.hpp"

namespace tg::hip {

namespace {
// hiprtc hands out chars; the cache keeps bytes.
std::vector<unsigned char> bytes_of(const std::vector<char>& code) { return {code.begin(), code.end()}; }
}  // namespace

std::vector<unsigned char> HipDevice::code_object(const tg::render::Kernel& k, const tg_kir_program& program,
                                                  const std::string& key_text, bool* from_cache) {
  std::string corrupt;
  if (auto code = cache_.load(key_text, &corrupt)) {
    *from_cache = true;
    host_.log(TG_LOG_DEBUG, "hip: " + k.entry + ": loaded from the code object cache " + cache_.path_of(key_text));
    return *code;
  }
  if (!corrupt.empty())
    host_.log(TG_LOG_WARNING, "hip: ignoring corrupt cache entry " + cache_.path_of(key_text) + ": " + corrupt + "; rebuilding it");
  *from_cache = false;
  const auto start = std::chrono::steady_clock::now();
  std::vector<unsigned char> code = bytes_of(compile_kernel(k, entry_.gpu.arch, program));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  const std::string stored = cache_.store(key_text, code);
  host_.log(TG_LOG_DEBUG, "hip: " + k.entry + ": compiled with hiprtc for " + entry_.gpu.arch + " (" + k.strategy + ") in " +
                              std::to_string(ms) + " ms" +
                              (stored.empty() ? ", cached as " + cache_.path_of(key_text) : "; not cached: " + stored));
  return code;
}

std::unique_ptr<HipKernel> HipDevice::compile(const tg_kir_program& program) {
  const tg::render::Kernel k = tg::render::render(program, target_);
  auto out = std::make_unique<HipKernel>();
  out->ordinal = entry_.ordinal;
  out->entry = k.entry;
  out->launch = k.launch;
  out->scalar_dtypes = k.scalar_dtypes;

  std::string key_text = "tg-hip-1|" + identity_ + "|";
  for (const std::string& o : compile_options(entry_.gpu.arch)) key_text += o + " ";
  key_text += "|" + k.source;

  bool from_cache = false;
  std::vector<unsigned char> code = code_object(k, program, key_text, &from_cache);
  use();
  hipError_t err = hipModuleLoadData(&out->module, code.data());
  if (err != hipSuccess && from_cache) {
    // A cached object the runtime will not load (a changed driver, a damaged file that kept its
    // checksum): compile again rather than fail.
    host_.log(TG_LOG_WARNING, "hip: the runtime rejected cached code object " + cache_.path_of(key_text) + " (" +
                                  hip_error_text(err) + "); compiling it again");
    code = bytes_of(compile_kernel(k, entry_.gpu.arch, program));
    cache_.store(key_text, code);
    err = hipModuleLoadData(&out->module, code.data());
  }
  if (err != hipSuccess) {
    out->module = nullptr;
    hip_fail(err, "hipModuleLoadData of " + k.entry + " (compiled for " + entry_.gpu.arch + ")");
  }
  // The kernel carries __launch_bounds__ of its work-group size, so the compiler made it fit:
  // no per-kernel work-group limit to check here (unlike OpenCL).
  hip_check(hipModuleGetFunction(&out->function, out->module, k.entry.c_str()), "hipModuleGetFunction " + k.entry);
  if (!k.finish_entry.empty()) {
    hip_check(hipModuleGetFunction(&out->finish, out->module, k.finish_entry.c_str()),
              "hipModuleGetFunction " + k.finish_entry);
    out->finish_entry = k.finish_entry;
    out->finish_launch = k.finish_launch;
    out->scratch = alloc(k.scratch_bytes);
  }
  return out;
}

}  // namespace tg::hip
