// program_compile: render tg.kir to OpenCL C, then a binary from the disk cache, or
// clBuildProgram from source (stored in the cache for the next process).
#include <chrono>

#include "cl_error.hpp"
#include "opencl_plugin.hpp"

namespace tg::opencl {

using tg::sdk::Failure;

namespace {

std::string build_log(cl_program program, cl_device_id device) {
  size_t n = 0;
  if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, n, s.data(), nullptr) != CL_SUCCESS) return "";
  while (!s.empty() && (s.back() == '\0' || s.back() == '\n')) s.pop_back();
  return s;
}

}  // namespace

cl_program OpenclDevice::build_from_source(const tg::render::Kernel& k, const tg_kir_program& program) {
  const char* text = k.source.c_str();
  const size_t length = k.source.size();
  cl_int err = CL_SUCCESS;
  cl_program prog = clCreateProgramWithSource(context_, 1, &text, &length, &err);
  cl_check(err, "clCreateProgramWithSource");
  err = clBuildProgram(prog, 1, &device_, build_options_.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    const std::string log = build_log(prog, device_);
    clReleaseProgram(prog);
    // The renderer wrote code the driver refused: a bug on our side (or the driver's), with
    // everything needed to see which.
    throw Failure(TG_ERR_INTERNAL, "opencl: clBuildProgram failed for tg.kir program '" +
                                       std::string(program.name ? program.name : "") + "' on " + name_ + ": " +
                                       cl_error_text(err) + "\n--- build log ---\n" + log + "\n--- source (" + k.strategy +
                                       ") ---\n" + k.source);
  }
  return prog;
}

cl_program OpenclDevice::build_from_binary(const std::vector<unsigned char>& binary, std::string* why) {
  const unsigned char* data = binary.data();
  const size_t length = binary.size();
  cl_int status = CL_SUCCESS, err = CL_SUCCESS;
  cl_program prog = clCreateProgramWithBinary(context_, 1, &device_, &length, &data, &status, &err);
  if (err != CL_SUCCESS || status != CL_SUCCESS) {
    if (prog) clReleaseProgram(prog);
    *why = "the driver rejected the binary (" + cl_error_text(err != CL_SUCCESS ? err : status) + ")";
    return nullptr;
  }
  err = clBuildProgram(prog, 1, &device_, build_options_.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    clReleaseProgram(prog);
    *why = "building the binary failed (" + cl_error_text(err) + ")";
    return nullptr;
  }
  return prog;
}

std::vector<unsigned char> OpenclDevice::binary_of(cl_program program) {
  size_t size = 0;
  cl_check(clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, nullptr), "clGetProgramInfo (binary size)");
  std::vector<unsigned char> binary(size);
  unsigned char* ptr = binary.data();
  if (size) cl_check(clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof ptr, &ptr, nullptr), "clGetProgramInfo (binary)");
  return binary;
}

cl_kernel OpenclDevice::create_kernel(cl_program program, const std::string& entry, const tg::render::Launch& launch,
                                      const char* strategy) {
  cl_int err = CL_SUCCESS;
  cl_kernel kernel = clCreateKernel(program, entry.c_str(), &err);
  cl_check(err, "clCreateKernel " + entry);
  // The kernel was compiled for one work-group size; a device may allow less for this kernel.
  size_t most = 0;
  err = clGetKernelWorkGroupInfo(kernel, device_, CL_KERNEL_WORK_GROUP_SIZE, sizeof most, &most, nullptr);
  const size_t need = size_t{launch.local[0]} * launch.local[1] * launch.local[2];
  if (err != CL_SUCCESS || need > most) clReleaseKernel(kernel);
  cl_check(err, "clGetKernelWorkGroupInfo");
  if (need > most)
    throw Failure(TG_ERR_UNSUPPORTED, "opencl: kernel " + entry + " (" + strategy + ") needs work-groups of " +
                                          std::to_string(need) + " but " + name_ + " allows " + std::to_string(most));
  return kernel;
}

std::unique_ptr<ClKernel> OpenclDevice::compile(const tg_kir_program& program) {
  const tg::render::Kernel k = tg::render::render(program, target_);
  auto out = std::make_unique<ClKernel>();
  out->entry = k.entry;
  out->scalar_dtypes = k.scalar_dtypes;
  out->launch = k.launch;
  for (uint32_t q = 0; q < program.n_params; ++q) out->elem_size.push_back(tg::sdk::dtype_size(program.params[q].dtype));

  const std::string key_text = "tg-opencl-1|" + identity_ + "|" + build_options_ + "|" + k.source;
  std::string corrupt;
  if (auto binary = cache_.load(key_text, &corrupt)) {
    out->program = build_from_binary(*binary, &corrupt);
    if (out->program) host_.log(TG_LOG_DEBUG, "opencl: " + k.entry + ": loaded from the binary cache " + cache_.path_of(key_text));
  }
  if (!corrupt.empty())
    host_.log(TG_LOG_WARNING, "opencl: ignoring corrupt cache entry " + cache_.path_of(key_text) + ": " + corrupt + "; rebuilding it");
  if (!out->program) {
    const auto start = std::chrono::steady_clock::now();
    out->program = build_from_source(k, program);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    std::string stored = cache_.store(key_text, binary_of(out->program));
    host_.log(TG_LOG_DEBUG, "opencl: " + k.entry + ": compiled from source (" + k.strategy + ") in " + std::to_string(ms) +
                                " ms" + (stored.empty() ? ", cached as " + cache_.path_of(key_text) : "; not cached: " + stored));
  }
  out->kernel = create_kernel(out->program, k.entry, k.launch, k.strategy);
  if (!k.finish_entry.empty()) {
    out->finish = create_kernel(out->program, k.finish_entry, k.finish_launch, k.strategy);
    out->finish_entry = k.finish_entry;
    out->finish_launch = k.finish_launch;
    out->scratch = alloc(k.scratch_bytes);
  }
  return out;
}

}  // namespace tg::opencl
