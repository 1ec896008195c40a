// Every tg.kir program the op, autograd and nn suites make, compiled for real AMD GPU targets
// with hiprtc -- no GPU needed. The hip.dump.* fixtures (tests/plugins/ref/kir_dumps.cmake) run those suites on
// the ref device with TG_KIR_DUMP, leaving each distinct program in a .kir file. Here each one is
// rendered with the HIP dialect for a target as the plugin would (tg::hip::target_for) and
// compiled with the plugin's hiprtc options; each code object is checked: an AMDGPU ELF for that
// processor that defines the kernel. A failure prints the program's file, hiprtc's log and the
// source.
//
// Speed: hiprtc spends ~0.5 s of CPU per call whatever the kernel (headers, device libraries), and
// there are over a thousand kernels. So EveryProgramCompilesInBatches compiles them kBatch to a
// translation unit, each kernel's source whole and unchanged inside a namespace of its own, with
// only its entry point renamed (kernel sources share nothing but the dialect's identical typedefs
// and macros, so each sees what it sees alone). A batch that fails is compiled again kernel by
// kernel, through the plugin's own compile_kernel, to name the failing programs with their own
// logs. EveryNthCompilesAloneAsInThePlugin compiles every n-th kernel (TG_HIP_ALONE_EVERY,
// default 50; 1 = all) exactly as the plugin does.
//
// Environment: TG_HIP_ARCH (required): the target, e.g. gfx90a. TG_HIP_KIR_DIR: the dump root
// (default: the build's).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hip_code_object.hpp"
#include "hip_codegen.hpp"
#include "tg/kir_file.hpp"

namespace fs = std::filesystem;

namespace {

constexpr size_t kBatch = 40;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// The limits tg::hip::target_for gets from hipGetDeviceProperties on a typical GPU of each arch
// (they choose the renderer's strategies; the code must compile whatever they are).
tg::hip::GpuInfo gpu_of(const std::string& arch) {
  if (arch == "gfx90a") return {arch, 104, 1024, 65536};   // Instinct MI210
  if (arch == "gfx908") return {arch, 120, 1024, 65536};   // Instinct MI100
  if (arch == "gfx1030") return {arch, 72, 1024, 65536};  // Radeon RX 6800 XT
  if (arch == "gfx1100") return {arch, 96, 1024, 65536};  // Radeon RX 7900 XTX
  return {arch, 64, 1024, 65536};
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// One dumped program, rendered for the target.
struct Rendered {
  fs::path file;
  tg::sdk::LoadedProgram program;
  tg::render::Kernel kernel;
};

// The test's arch and every distinct kernel of the dumped programs rendered for it (a program
// that cannot be read or rendered is a failure of its own).
class HipCompileDumped : public ::testing::Test {
 protected:
  void SetUp() override {
    arch_ = env_or("TG_HIP_ARCH", "");
    ASSERT_FALSE(arch_.empty()) << "set TG_HIP_ARCH to an AMD target, e.g. gfx90a";
    ASSERT_NE(hiptest::amdgpu_mach(arch_), 0u) << "hip_code_object.hpp does not know " << arch_ << "'s ELF processor code";
    const fs::path root = env_or("TG_HIP_KIR_DIR", TG_HIP_KIR_DIR);
    std::map<std::string, fs::path> files;  // by name: the same program dumped by two suites once
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ".kir") files.emplace(it->path().filename().string(), it->path());
    // A floor, not a count: the suites make over a thousand distinct programs. Far fewer means the
    // fixtures did not run (ctest -R hip runs them first; a lone test_hip_compile does not).
    ASSERT_GE(files.size(), 500u) << "only " << files.size() << " dumped programs under " << root
                                  << ": run the hip.dump.* ctest fixtures first";
    files_ = files.size();
    const tg::render::Target target = tg::hip::target_for(gpu_of(arch_));
    std::set<std::string> sources;  // programs that render alike compile once
    for (auto& [name, file] : files) {
      Rendered r{file, {}, {}};
      try {
        r.program = tg::sdk::parse_program(read_file(file));
        const tg_kir_program view = r.program.abi();
        r.kernel = tg::render::render(view, target);
      } catch (const tg::sdk::Failure& e) {
        // A program the renderer declines (a SCATTER_ADD of a dtype without an atomic add) is
        // refused by the plugin as UNSUPPORTED and runs on ref, as the ABI allows; any other
        // failure is a bug.
        if (e.code() == TG_ERR_UNSUPPORTED) {
          ++declined_;
          continue;
        }
        ADD_FAILURE() << file << ": " << e.what();
        continue;
      } catch (const std::exception& e) {
        ADD_FAILURE() << file << ": " << e.what();
        continue;
      }
      if (sources.insert(r.kernel.source).second) kernels_.push_back(std::move(r));
    }
  }

  std::string arch_;
  size_t files_ = 0;
  size_t declined_ = 0;
  std::vector<Rendered> kernels_;
};

// Compiles one kernel exactly as the plugin does and checks its code object; "" or the failure.
std::string compile_alone(const Rendered& r, const std::string& arch) {
  try {
    const tg_kir_program view = r.program.abi();
    const std::vector<char> code = tg::hip::compile_kernel(r.kernel, arch, view);
    std::string wrong = hiptest::check_code_object(code, arch, r.kernel.entry);
    if (wrong.empty() && !r.kernel.finish_entry.empty()) wrong = hiptest::check_code_object(code, arch, r.kernel.finish_entry);
    return wrong.empty() ? "" : r.file.string() + " (" + r.kernel.strategy + ") for " + arch + ": " + wrong;
  } catch (const std::exception& e) {
    return r.file.string() + " for " + arch + ":\n" + e.what();
  }
}

// Kernels [begin, end) in one translation unit: each in namespace tg_batch_<i>, its entry point
// renamed <entry>_b<i>. Fills the renamed entries.
std::string batch_source(const std::vector<Rendered>& all, size_t begin, size_t end, std::vector<std::string>& entries) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    const tg::render::Kernel& k = all[i].kernel;
    const std::string signature = " void " + k.entry + "(", renamed = k.entry + "_b" + std::to_string(i - begin);
    std::string source = k.source;
    const size_t at = source.find(signature);
    if (at == std::string::npos || source.find(signature, at + 1) != std::string::npos)
      ADD_FAILURE() << all[i].file << ": the entry point" << signature << " is not in the source exactly once";
    else
      source.replace(at, signature.size(), " void " + renamed + "(");
    entries.push_back(renamed);
    if (!k.finish_entry.empty()) {  // a two-pass reduction's second kernel: <entry>_finish
      const std::string finish = " void " + k.finish_entry + "(";
      const size_t f = source.find(finish);
      if (f == std::string::npos)
        ADD_FAILURE() << all[i].file << ": the finish entry point" << finish << " is not in the source";
      else
        source.replace(f, finish.size(), " void " + renamed + "_finish(");
    }
    out += "namespace tg_batch_" + std::to_string(i - begin) + " {\n" + source + "}  // namespace tg_batch_" +
           std::to_string(i - begin) + "\n";
  }
  return out;
}

}  // namespace

TEST_F(HipCompileDumped, EveryProgramCompilesInBatches) {
  std::map<std::string, int> strategies;
  int failed = 0;
  for (size_t begin = 0; begin < kernels_.size(); begin += kBatch) {
    const size_t end = std::min(kernels_.size(), begin + kBatch);
    std::vector<std::string> entries;
    const std::string source = batch_source(kernels_, begin, end, entries);
    std::string batch_error;
    try {
      const std::vector<char> code =
          tg::hip::compile_source(source, "batch.hip", arch_, "kernels " + std::to_string(begin) + ".." + std::to_string(end - 1));
      for (size_t i = begin; i < end; ++i) {
        std::string wrong = hiptest::check_code_object(code, arch_, entries[i - begin]);
        if (wrong.empty() && !kernels_[i].kernel.finish_entry.empty())
          wrong = hiptest::check_code_object(code, arch_, entries[i - begin] + "_finish");
        if (!wrong.empty()) batch_error += kernels_[i].file.string() + ": " + wrong + "\n";
      }
    } catch (const std::exception& e) {
      batch_error = e.what();
    }
    if (batch_error.empty()) {
      for (size_t i = begin; i < end; ++i) ++strategies[kernels_[i].kernel.strategy];
      continue;
    }
    // Name the culprits, each with its own log, compiled as the plugin compiles them.
    int culprits = 0;
    for (size_t i = begin; i < end; ++i) {
      const std::string wrong = compile_alone(kernels_[i], arch_);
      if (!wrong.empty()) {
        ADD_FAILURE() << wrong;
        ++culprits;
      }
    }
    if (culprits == 0) ADD_FAILURE() << "a batch failed although each of its kernels compiles alone:\n" << batch_error;
    failed += culprits ? culprits : static_cast<int>(end - begin);
  }
  std::string summary;
  for (auto& [name, n] : strategies) summary += " " + name + "=" + std::to_string(n);
  std::printf("%s: %zu program files, %zu distinct kernels:%s compiled; %d failed; %zu declined (UNSUPPORTED: the core runs them on ref)\n",
              arch_.c_str(), files_, kernels_.size(), summary.c_str(), failed, declined_);
  EXPECT_EQ(failed, 0);
  EXPECT_FALSE(kernels_.empty());
  // The GPU-sized workloads include full reductions of big tensors: two-kernel ones must be among them.
  EXPECT_GT(strategies["reduce-split"], 0) << "no reduce-split kernel was compiled";
}

TEST_F(HipCompileDumped, EveryNthCompilesAloneAsInThePlugin) {
  const int every = std::atoi(env_or("TG_HIP_ALONE_EVERY", "50").c_str());
  ASSERT_GT(every, 0) << "TG_HIP_ALONE_EVERY must be a positive integer";
  int compiled = 0;
  for (size_t i = 0; i < kernels_.size(); i += static_cast<size_t>(every)) {
    const std::string wrong = compile_alone(kernels_[i], arch_);
    if (!wrong.empty()) ADD_FAILURE() << wrong;
    else ++compiled;
  }
  std::printf("%s: %d of %zu kernels compiled alone (every %d)\n", arch_.c_str(), compiled, kernels_.size(), every);
  EXPECT_GT(compiled, 0);
}

// hiprtc's refusal reaches the caller with its status, its log and the source.
TEST(HipCompile, ACompileErrorCarriesHiprtcsLog) {
  tg::sdk::LoadedProgram p;
  p.shape = {4};
  p.params.push_back({TG_DTYPE_FLOAT32, TG_PARAM_WRITE, 4});
  tg_kir_view v{};
  v.strides[0] = 1;
  p.views.push_back(v);
  tg_kir_node c{};
  c.op = TG_KIR_CONST;
  c.dtype = TG_DTYPE_FLOAT32;
  c.src[0] = c.src[1] = c.src[2] = -1;
  c.param = c.view = -1;
  c.fvalue = 1.0;
  tg_kir_node s = c;
  s.op = TG_KIR_STORE;
  s.src[0] = 0;
  s.param = s.view = 0;
  p.nodes = {c, s};
  p.name = "broken";
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
