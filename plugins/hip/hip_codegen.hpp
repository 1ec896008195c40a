#pragma once
// tg.kir -> an AMD GPU code object, without a GPU: the render target an AMD GPU gets, and hiprtc.
// Shared by the plugin (for the device it opened) and by the tests (for named targets such as
// gfx90a, with no device at all), so both compile exactly the same way.
#include <cstdint>
#include <string>
#include <vector>

#include "tg/plugin.h"
#include "tg/render.hpp"

namespace tg::hip {

// What the renderer and the compiler need to know of one AMD GPU.
struct GpuInfo {
  std::string arch;                      // gcnArchName: "gfx90a:sramecc+:xnack-", "gfx1030", ...
  uint32_t compute_units = 1;            // multiProcessorCount
  uint32_t max_threads_per_block = 1024;
  uint64_t shared_mem_per_block = 65536;  // LDS bytes a work-group may use
};

// The render target of a GPU: the HIP dialect, float64 (every AMD GPU has it), its limits.
tg::render::Target target_for(const GpuInfo& gpu);

// hiprtc's options for an arch: --offload-arch=<arch>, -O3, and -ffp-contract=off (a*b+c rounds
// twice, as the reference computes it).
std::vector<std::string> compile_options(const std::string& arch);

// Compiles a rendered kernel with hiprtc for arch and returns the code object (an AMDGPU ELF
// that hipModuleLoadData takes). Throws tg::sdk::Failure(TG_ERR_INTERNAL) with hiprtc's status,
// its log and the source when hiprtc refuses it: the renderer wrote code the compiler rejects.
std::vector<char> compile_kernel(const tg::render::Kernel& kernel, const std::string& arch,
                                 const tg_kir_program& program);

// The hiprtc call under compile_kernel, for any translation unit: `unit` names it in the log,
// `what` in the error, which carries hiprtc's status, the options and its log (not the source).
std::vector<char> compile_source(const std::string& source, const std::string& unit, const std::string& arch,
                                 const std::string& what);

// "hiprtc 9.0" as hiprtcVersion reports it.
std::string hiprtc_version_text();

}  // namespace tg::hip
