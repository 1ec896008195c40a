// Every tg.kir program the op, autograd, nn and conformance suites make, compiled to cubin for
// real NVIDIA architectures with nvrtc -- no GPU and no driver needed. The *.dump.* fixtures
// (kir_dumps.cmake) run those suites on the ref device with TG_KIR_DUMP, leaving each distinct
// program in a .kir file. Here each one is rendered with the CUDA dialect for an architecture as
// the plugin would (tg::cuda::target_for) and compiled with the plugin's nvrtc options; each cubin
// is checked: an EM_CUDA ELF for that SM that holds the kernel's code. A failure prints the
// program's file, nvrtc's log and the source.
//
// Speed: nvrtc costs ~50 ms a call for a small kernel, ~15 ms a kernel when many share a
// translation unit, and there are over three thousand kernels. So EveryProgramCompilesInBatches
// compiles them kBatch to a translation unit, each kernel's source whole and unchanged inside a
// namespace of its own, with only its entry point renamed (kernel sources share nothing but the
// dialect's identical typedefs and macros). A batch that fails is compiled again kernel by kernel,
// through the plugin's own compile_kernel, to name the failing programs with their own logs.
// EveryNthCompilesAloneAsInThePlugin compiles every n-th kernel (TG_CUDA_ALONE_EVERY, default
// 50; 1 = all) exactly as the plugin does. The same scheme as test_hip_compile.cpp.
//
// Environment: TG_CUDA_SM (required): the architecture, e.g. 90 for sm_90. TG_CUDA_KIR_DIR: the
// dump root (default: the build's).
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

#include "cuda_codegen.hpp"
#include "cuda_cubin.hpp"
#include "tg/kir_file.hpp"

namespace fs = std::filesystem;

namespace {

constexpr size_t kBatch = 40;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// The limits tg::cuda::target_for gets from the driver on a typical GPU of each architecture
// (they choose the renderer's strategies; the code must compile whatever they are).
tg::cuda::GpuInfo gpu_of(int sm) {
  if (sm == 80) return {80, 108, 1024, 49152};  // A100
  if (sm == 90) return {90, 132, 1024, 49152};  // H100 SXM
  return {sm, 64, 1024, 49152};
}

const tg::cuda::Nvrtc& loaded_nvrtc() {
  std::string why;
  const tg::cuda::Nvrtc* rtc = tg::cuda::nvrtc(&why);
  if (!rtc) throw std::runtime_error(why);
  return *rtc;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// One dumped program, rendered for the architecture.
struct Rendered {
  fs::path file;
  tg::sdk::LoadedProgram program;
  tg::render::Kernel kernel;
};

// The test's architecture and every distinct kernel of the dumped programs rendered for it (a
// program that cannot be read or rendered is a failure of its own).
class CudaCompileDumped : public ::testing::Test {
 protected:
  void SetUp() override {
    sm_ = std::atoi(env_or("TG_CUDA_SM", "0").c_str());
    ASSERT_GE(sm_, 50) << "set TG_CUDA_SM to an architecture, e.g. 90 for sm_90";
    std::string why;
    rtc_ = tg::cuda::nvrtc(&why);
    ASSERT_NE(rtc_, nullptr) << why;
    const fs::path root = env_or("TG_CUDA_KIR_DIR", TG_CUDA_KIR_DIR);
    std::map<std::string, fs::path> files;  // by name: the same program dumped by two suites once
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ".kir") files.emplace(it->path().filename().string(), it->path());
    // A floor, not a count: the suites make over a thousand distinct programs. Far fewer means the
    // fixtures did not run (ctest -R cuda runs them first; a lone test_cuda_compile does not).
    ASSERT_GE(files.size(), 500u) << "only " << files.size() << " dumped programs under " << root
                                  << ": run the *.dump.* ctest fixtures first";
    files_ = files.size();
    const tg::render::Target target = tg::cuda::target_for(gpu_of(sm_));
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

  int sm_ = 0;
  const tg::cuda::Nvrtc* rtc_ = nullptr;
  size_t files_ = 0;
  size_t declined_ = 0;
  std::vector<Rendered> kernels_;
};

// Compiles one kernel exactly as the plugin does and checks its cubin; "" or the failure.
std::string compile_alone(const tg::cuda::Nvrtc& rtc, const Rendered& r, int sm) {
  try {
    const tg_kir_program view = r.program.abi();
    const std::vector<char> code = tg::cuda::compile_kernel(rtc, r.kernel, sm, view);
    std::string wrong = cudatest::check_cubin(code, sm, r.kernel.entry);
    if (wrong.empty() && !r.kernel.finish_entry.empty()) wrong = cudatest::check_cubin(code, sm, r.kernel.finish_entry);
    return wrong.empty() ? "" : r.file.string() + " (" + r.kernel.strategy + ") for sm_" + std::to_string(sm) + ": " + wrong;
  } catch (const std::exception& e) {
    return r.file.string() + " for sm_" + std::to_string(sm) + ":\n" + e.what();
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

TEST_F(CudaCompileDumped, EveryProgramCompilesInBatches) {
  std::map<std::string, int> strategies;
  int failed = 0;
  for (size_t begin = 0; begin < kernels_.size(); begin += kBatch) {
    const size_t end = std::min(kernels_.size(), begin + kBatch);
    std::vector<std::string> entries;
    const std::string source = batch_source(kernels_, begin, end, entries);
    std::string batch_error;
    try {
      const std::vector<char> code = tg::cuda::compile_source(
          *rtc_, source, "batch.cu", sm_, "kernels " + std::to_string(begin) + ".." + std::to_string(end - 1));
      for (size_t i = begin; i < end; ++i) {
        std::string wrong = cudatest::check_cubin(code, sm_, entries[i - begin]);
        if (wrong.empty() && !kernels_[i].kernel.finish_entry.empty())
          wrong = cudatest::check_cubin(code, sm_, entries[i - begin] + "_finish");
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
      const std::string wrong = compile_alone(*rtc_, kernels_[i], sm_);
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
  std::printf("sm_%d: %zu program files, %zu distinct kernels:%s compiled; %d failed; %zu declined (UNSUPPORTED: the core runs them on ref)\n",
              sm_, files_, kernels_.size(), summary.c_str(), failed, declined_);
  EXPECT_EQ(failed, 0);
  EXPECT_FALSE(kernels_.empty());
  // The GPU-sized workloads include full reductions of big tensors and tiled matmuls.
  EXPECT_GT(strategies["reduce-split"], 0) << "no reduce-split kernel was compiled";
  EXPECT_GT(strategies["matmul"], 0) << "no tiled matmul kernel was compiled";
}

TEST_F(CudaCompileDumped, EveryNthCompilesAloneAsInThePlugin) {
  const int every = std::atoi(env_or("TG_CUDA_ALONE_EVERY", "50").c_str());
  ASSERT_GT(every, 0) << "TG_CUDA_ALONE_EVERY must be a positive integer";
  int compiled = 0;
  for (size_t i = 0; i < kernels_.size(); i += static_cast<size_t>(every)) {
    const std::string wrong = compile_alone(*rtc_, kernels_[i], sm_);
    if (!wrong.empty()) ADD_FAILURE() << wrong;
    else ++compiled;
  }
  std::printf("sm_%d: %d of %zu kernels compiled alone (every %d)\n", sm_, compiled, kernels_.size(), every);
  EXPECT_GT(compiled, 0);
}

namespace {

// The kinds of the parameters in the signature of `entry` in `source`, or "" in *wrong and what
// could not be read.
std::vector<tg::cuda::ArgKind> signature_kinds(const std::string& source, const std::string& entry, std::string* wrong) {
  std::vector<tg::cuda::ArgKind> kinds;
  const std::string head = " void " + entry + "(";
  const size_t at = source.find(head);
  if (at == std::string::npos) {
    *wrong = "no entry point " + entry;
    return kinds;
  }
  const size_t begin = at + head.size(), end = source.find(')', begin);
  std::string params = source.substr(begin, end - begin) + ",";
  for (size_t from = 0, comma; (comma = params.find(',', from)) != std::string::npos; from = comma + 1) {
    std::string p = params.substr(from, comma - from);
    p.erase(0, p.find_first_not_of(' '));
    if (p.empty()) continue;
    const std::string type = p.substr(0, p.rfind(' '));  // drop the parameter's name
    if (type.find('*') != std::string::npos) kinds.push_back(tg::cuda::ArgKind::pointer);
    else if (type == "double") kinds.push_back(tg::cuda::ArgKind::f64);
    else if (type == "float") kinds.push_back(tg::cuda::ArgKind::f32);
    else if (type == "tg_i64" || type == "long long") kinds.push_back(tg::cuda::ArgKind::i64);
    else *wrong += "parameter '" + p + "' has a type the launch does not pass; ";
  }
  return kinds;
}

}  // namespace

// What CudaDevice::launch passes (launch_arg_kinds) is what every kernel declares: one pointer
// per param, the scratch pointer of a two-pass kernel (both of its entries), then each scalar arg
// as a double, float or 64-bit integer. A mismatch would read garbage on a GPU, with no error.
TEST_F(CudaCompileDumped, EveryKernelsSignatureIsWhatTheLaunchPasses) {
  size_t with_scalars = 0;
  for (const Rendered& r : kernels_) {
    const tg::render::Kernel& k = r.kernel;
    const std::vector<tg::cuda::ArgKind> passed =
        tg::cuda::launch_arg_kinds(r.program.params.size(), !k.finish_entry.empty(), k.scalar_dtypes);
    for (const std::string& entry : {k.entry, k.finish_entry}) {
      if (entry.empty()) continue;
      std::string wrong;
      const std::vector<tg::cuda::ArgKind> declared = signature_kinds(k.source, entry, &wrong);
      if (!wrong.empty() || declared != passed)
        ADD_FAILURE() << r.file << ": " << entry << " declares " << declared.size() << " parameters, the launch passes "
                      << passed.size() << " of other kinds; " << wrong << "\n" << k.source;
    }
    if (!k.scalar_dtypes.empty()) ++with_scalars;
    unsigned grid[3], block[3];  // the launch fits CUDA's grid (the plugin checks it when compiling)
    try {
      tg::cuda::grid_of(k.launch, k.entry, grid, block);
      if (!k.finish_entry.empty()) tg::cuda::grid_of(k.finish_launch, k.finish_entry, grid, block);
    } catch (const std::exception& e) {
      ADD_FAILURE() << r.file << ": " << e.what();
    }
  }
  std::printf("sm_%d: %zu kernels' signatures checked, %zu with scalar args\n", sm_, kernels_.size(), with_scalars);
  // The suites scale tensors by host numbers and train with learning rates: such kernels take
  // those numbers as scalar args (TG_KIR_SCALAR_ARGS), and the dump must have kept them.
  EXPECT_GT(with_scalars, 0u) << "no dumped program has scalar args: does the ref plugin's TG_KIR_DUMP keep them?";
}

// The dump keeps a program's scalar args (format TGKIR002), and still reads TGKIR001 files.
TEST(CudaCompile, TheKirDumpKeepsScalarArgs) {
  tg::sdk::LoadedProgram p;
  p.name = "scaled";
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
  tg_kir_node s = c;
  s.op = TG_KIR_STORE;
  s.src[0] = 0;
  s.param = s.view = 0;
  p.nodes = {c, s};
  p.scalar_args = {0};  // the CONST's value comes with each launch
  const std::string bytes = tg::sdk::serialize_program(p.abi());
  const tg::sdk::LoadedProgram back = tg::sdk::parse_program(bytes);
  EXPECT_EQ(back.scalar_args, std::vector<int32_t>{0});
  const tg::render::Kernel k = tg::render::render(back.abi(), tg::cuda::target_for(gpu_of(90)));
  EXPECT_EQ(k.scalar_dtypes, std::vector<uint32_t>{TG_DTYPE_FLOAT32});
  std::string wrong;
  EXPECT_EQ(signature_kinds(k.source, k.entry, &wrong),
            (std::vector<tg::cuda::ArgKind>{tg::cuda::ArgKind::pointer, tg::cuda::ArgKind::f32}));
  EXPECT_EQ(wrong, "");
  // A TGKIR001 file: the same bytes with the old magic, no scalar-arg count and no scalar args.
  std::string v1 = bytes.substr(0, 8 + 5 * 8) + bytes.substr(8 + 6 * 8, bytes.size() - 8 - 6 * 8 - 4);
  v1[7] = '1';
  const tg::sdk::LoadedProgram old = tg::sdk::parse_program(v1);
  EXPECT_TRUE(old.scalar_args.empty());
  EXPECT_EQ(old.nodes.size(), 2u);
}

// nvrtc's refusal reaches the caller with its status, its log, the options and the source.
TEST(CudaCompile, ACompileErrorCarriesNvrtcsLog) {
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
  tg::render::Kernel k = tg::render::render(program, tg::cuda::target_for(gpu_of(90)));
  // The unbroken kernel compiles, so what fails below is the added line.
  const std::vector<char> good = tg::cuda::compile_kernel(loaded_nvrtc(), k, 90, program);
  EXPECT_EQ(cudatest::check_cubin(good, 90, k.entry), "");
  k.source += "\nthis_is_not_cuda tg_undeclared_name;\n";
  try {
    tg::cuda::compile_kernel(loaded_nvrtc(), k, 90, program);
    FAIL() << "nvrtc accepted a source with an error";
  } catch (const tg::sdk::Failure& f) {
    EXPECT_EQ(f.code(), TG_ERR_INTERNAL);
    EXPECT_THAT(f.what(), ::testing::HasSubstr("nvrtcCompileProgram failed for tg.kir program 'broken' (elementwise) for sm_90"));
    EXPECT_THAT(f.what(), ::testing::HasSubstr("NVRTC_ERROR_COMPILATION"));
    // nvrtc's log, in its words (the source alone does not contain them)
    EXPECT_THAT(f.what(), ::testing::HasSubstr("identifier \"this_is_not_cuda\" is undefined"));
    EXPECT_THAT(f.what(), ::testing::HasSubstr("--gpu-architecture=sm_90 --fmad=false"));
    EXPECT_THAT(f.what(), ::testing::HasSubstr("--- source ---"));
  }
}

// The checker itself: the wrong architecture and a missing kernel are caught.
TEST(CudaCompile, TheCubinCheckRejectsTheWrongArchitectureAndKernel) {
  const std::vector<char> code = tg::cuda::compile_source(
      loaded_nvrtc(), "extern \"C\" __global__ void tg_probe(float* x) { x[threadIdx.x] = 1.0f; }\n", "probe.cu", 80, "probe");
  EXPECT_EQ(cudatest::check_cubin(code, 80, "tg_probe"), "");
  EXPECT_THAT(cudatest::check_cubin(code, 90, "tg_probe"), ::testing::HasSubstr("name sm_80, not sm_90"));
  EXPECT_THAT(cudatest::check_cubin(code, 80, "tg_other"), ::testing::HasSubstr("no code section .text.tg_other"));
}

// A grid beyond CUDA's limits is UNSUPPORTED (the core falls back), naming the kernel.
TEST(CudaCompile, AGridBeyondCudasLimitsIsUnsupported) {
  tg::render::Launch l;
  l.dims = 3;
  l.global[0] = 256;
  l.local[0] = 256;
  l.global[1] = 70000;  // 70000 blocks of 1 in y: more than 65535
  l.global[2] = 2;
  unsigned grid[3], block[3];
  try {
    tg::cuda::grid_of(l, "tg_R_big", grid, block);
    FAIL() << "a 70000-block y grid was accepted";
  } catch (const tg::sdk::Failure& f) {
    EXPECT_EQ(f.code(), TG_ERR_UNSUPPORTED);
    EXPECT_THAT(f.what(), ::testing::HasSubstr("cuda: kernel tg_R_big needs 70000 blocks in grid dimension y; CUDA allows at most 65535"));
  }
  l.global[1] = 65535;
  tg::cuda::grid_of(l, "tg_R_big", grid, block);
  EXPECT_EQ(grid[0], 1u);
  EXPECT_EQ(grid[1], 65535u);
  EXPECT_EQ(grid[2], 2u);
  EXPECT_EQ(block[0], 256u);
  EXPECT_EQ(block[1], 1u);
}

// Which architecture a GPU gets code for: its own, else the newest of its major version below it.
TEST(CudaCompile, EachGpuGetsCodeItsArchitectureRuns) {
  const std::vector<int> nvrtc13 = {75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121};
  EXPECT_EQ(tg::cuda::pick_arch(90, nvrtc13), 90);
  EXPECT_EQ(tg::cuda::pick_arch(86, nvrtc13), 86);
  EXPECT_EQ(tg::cuda::pick_arch(85, {80, 86, 90}), 80);   // a minor nvrtc does not know: the major's older code
  EXPECT_EQ(tg::cuda::pick_arch(70, nvrtc13), 0);         // Volta: CUDA 13 dropped it
  EXPECT_EQ(tg::cuda::pick_arch(130, nvrtc13), 0);        // a newer major: its code would not run
  EXPECT_EQ(tg::cuda::pick_arch(90, {}), 0);
  // This nvrtc compiles for both architectures the compile tests use.
  const std::vector<int> here = tg::cuda::nvrtc_archs(loaded_nvrtc());
  ASSERT_FALSE(here.empty());
  EXPECT_EQ(tg::cuda::pick_arch(80, here), 80);
  EXPECT_EQ(tg::cuda::pick_arch(90, here), 90);
}
