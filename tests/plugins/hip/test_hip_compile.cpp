// Every tg.kir program the suites make, compiled for real AMD GPU targets with hiprtc -- no GPU
// needed (the harness: tests/plugins/gpu_compile.hpp). Each program is rendered with the HIP
// dialect for a target as the plugin would (tg::hip::target_for) and compiled with the plugin's
// hiprtc options; each code object is checked: an AMDGPU ELF for that processor that defines the
// kernel.
//
// Environment: TG_HIP_ARCH (required): the target, e.g. gfx90a. TG_HIP_KIR_DIR: the dump root
// (default: the build's). TG_HIP_ALONE_EVERY: compile every n-th kernel alone (default 50; 1 = all).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpu_binary.hpp"
#include "gpu_compile.hpp"
#include "hip_codegen.hpp"

namespace {

// The limits tg::hip::target_for gets from hipGetDeviceProperties on a typical GPU of each arch
// (they choose the renderer's strategies; the code must compile whatever they are).
tg::hip::GpuInfo gpu_of(const std::string& arch) {
  if (arch == "gfx90a") return {arch, 104, 1024, 65536};   // Instinct MI210
  if (arch == "gfx908") return {arch, 120, 1024, 65536};   // Instinct MI100
  if (arch == "gfx1030") return {arch, 72, 1024, 65536};  // Radeon RX 6800 XT
  if (arch == "gfx1100") return {arch, 96, 1024, 65536};  // Radeon RX 7900 XTX
  return {arch, 64, 1024, 65536};
}

// The test's arch, hiprtc for it, and every distinct kernel of the dumped programs rendered for it.
class HipCompileDumped : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string arch = gputest::env_or("TG_HIP_ARCH", "");
    ASSERT_FALSE(arch.empty()) << "set TG_HIP_ARCH to an AMD target, e.g. gfx90a";
    ASSERT_NE(gputest::amdgpu_mach(arch), 0u) << "gpu_binary.hpp does not know " << arch << "'s ELF processor code";
    compiler_.target = arch;
    compiler_.compile_source = [arch](const std::string& source, const std::string& what) {
      return tg::hip::compile_source(source, "batch.hip", arch, what);
    };
    compiler_.compile_kernel = [arch](const gputest::Rendered& r) {
      return tg::hip::compile_kernel(r.kernel, arch, r.program.abi());
    };
    compiler_.check = [arch](const std::vector<char>& code, const std::string& entry) {
      return gputest::check_code_object(code, arch, entry);
    };
    gputest::load_dumped(gputest::env_or("TG_HIP_KIR_DIR", TG_HIP_KIR_DIR), tg::hip::target_for(gpu_of(arch)),
                         "hip.dump.*", dumped_);
  }

  gputest::Compiler compiler_;
  gputest::Dumped dumped_;
};

}  // namespace

TEST_F(HipCompileDumped, EveryProgramCompilesInBatches) {
  auto strategies = gputest::compile_in_batches(compiler_, dumped_);
  // The GPU-sized workloads include full reductions of big tensors: two-kernel ones must be among them.
  EXPECT_GT(strategies["reduce-split"], 0) << "no reduce-split kernel was compiled";
}

TEST_F(HipCompileDumped, EveryNthCompilesAloneAsInThePlugin) {
  gputest::compile_every_nth(compiler_, dumped_.kernels, "TG_HIP_ALONE_EVERY");
}

// hiprtc's refusal reaches the caller with its status, its log and the source.
TEST(HipCompile, ACompileErrorCarriesHiprtcsLog) {
  const tg::sdk::LoadedProgram p = gputest::store_one_program("broken");
  const tg_kir_program program = p.abi();
  tg::render::Kernel k = tg::render::render(program, tg::hip::target_for(gpu_of("gfx90a")));
  k.source += "\nthis_is_not_hip tg_undeclared_name;\n";
  try {
    tg::hip::compile_kernel(k, "gfx90a", program);
    FAIL() << "hiprtc accepted a source with an error";
  } catch (const tg::sdk::Failure& f) {
    EXPECT_EQ(f.code(), TG_ERR_INTERNAL);
    EXPECT_THAT(f.what(), ::testing::HasSubstr("hiprtcCompileProgram failed for tg.kir program 'broken'"));
    EXPECT_THAT(f.what(), ::testing::HasSubstr("HIPRTC_ERROR_COMPILATION"));
    // hiprtc's log, in clang's words (the source alone does not contain them)
    EXPECT_THAT(f.what(), ::testing::HasSubstr("error: unknown type name 'this_is_not_hip'"));
    EXPECT_THAT(f.what(), ::testing::HasSubstr("--offload-arch=gfx90a"));
  }
}
