// Every tg.kir program the suites make (op, autograd, nn, conformance, GPU-sized workloads),
// compiled to cubin for real NVIDIA architectures with nvrtc -- no GPU and no driver needed (the
// harness: tests/plugins/gpu_compile.hpp). Each program is rendered with the CUDA dialect for an
// architecture as the plugin would (tg::cuda::target_for) and compiled with the plugin's nvrtc
// options; each cubin is checked: an EM_CUDA ELF for that SM that holds the kernel's code. Beyond
// compiling, each kernel's signature is checked against what the plugin's launch passes.
//
// Environment: TG_CUDA_SM (required): the architecture, e.g. 90 for sm_90. TG_CUDA_KIR_DIR: the
// dump root (default: the build's). TG_CUDA_ALONE_EVERY: compile every n-th kernel alone
// (default 50; 1 = all).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda_codegen.hpp"
#include "gpu_binary.hpp"
#include "gpu_compile.hpp"

namespace {

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

// The test's architecture, nvrtc for it, and every distinct kernel of the dumped programs
// rendered for it.
class CudaCompileDumped : public ::testing::Test {
 protected:
  void SetUp() override {
    sm_ = std::atoi(gputest::env_or("TG_CUDA_SM", "0").c_str());
    ASSERT_GE(sm_, 50) << "set TG_CUDA_SM to an architecture, e.g. 90 for sm_90";
    std::string why;
    const tg::cuda::Nvrtc* rtc = tg::cuda::nvrtc(&why);
    ASSERT_NE(rtc, nullptr) << why;
    const int sm = sm_;
    compiler_.target = "sm_" + std::to_string(sm);
    compiler_.compile_source = [rtc, sm](const std::string& source, const std::string& what) {
      return tg::cuda::compile_source(*rtc, source, "batch.cu", sm, what);
    };
    compiler_.compile_kernel = [rtc, sm](const gputest::Rendered& r) {
      return tg::cuda::compile_kernel(*rtc, r.kernel, sm, r.program.abi());
    };
    compiler_.check = [sm](const std::vector<char>& code, const std::string& entry) {
      return gputest::check_cubin(code, sm, entry);
    };
    gputest::load_dumped(gputest::env_or("TG_CUDA_KIR_DIR", TG_CUDA_KIR_DIR), tg::cuda::target_for(gpu_of(sm)),
                         "*.dump.*", dumped_);
  }

  int sm_ = 0;
  gputest::Compiler compiler_;
  gputest::Dumped dumped_;
};

}  // namespace

TEST_F(CudaCompileDumped, EveryProgramCompilesInBatches) {
  auto strategies = gputest::compile_in_batches(compiler_, dumped_);
  // The GPU-sized workloads include full reductions of big tensors and tiled matmuls.
  EXPECT_GT(strategies["reduce-split"], 0) << "no reduce-split kernel was compiled";
  EXPECT_GT(strategies["matmul"], 0) << "no tiled matmul kernel was compiled";
}

TEST_F(CudaCompileDumped, EveryNthCompilesAloneAsInThePlugin) {
  gputest::compile_every_nth(compiler_, dumped_.kernels, "TG_CUDA_ALONE_EVERY");
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
  for (const gputest::Rendered& r : dumped_.kernels) {
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
  std::printf("sm_%d: %zu kernels' signatures checked, %zu with scalar args\n", sm_, dumped_.kernels.size(), with_scalars);
  // The suites scale tensors by host numbers and train with learning rates: such kernels take
  // those numbers as scalar args (TG_KIR_SCALAR_ARGS), and the dump must have kept them.
  EXPECT_GT(with_scalars, 0u) << "no dumped program has scalar args: does the ref plugin's TG_KIR_DUMP keep them?";
}

// The dump keeps a program's scalar args (format TGKIR002 on), and still reads TGKIR001 and
// TGKIR002 files.
TEST(CudaCompile, TheKirDumpKeepsScalarArgs) {
  tg::sdk::LoadedProgram p = gputest::store_one_program("scaled");
  p.scalar_args = {0};  // the CONST's value comes with each launch
  const std::string bytes = tg::sdk::serialize_program(p.abi());
  ASSERT_EQ(bytes.substr(0, 8), "TGKIR003");
  const tg::sdk::LoadedProgram back = tg::sdk::parse_program(bytes);
  EXPECT_EQ(back.scalar_args, std::vector<int32_t>{0});
  const tg::render::Kernel k = tg::render::render(back.abi(), tg::cuda::target_for(gpu_of(90)));
  EXPECT_EQ(k.scalar_dtypes, std::vector<uint32_t>{TG_DTYPE_FLOAT32});
  std::string wrong;
  EXPECT_EQ(signature_kinds(k.source, k.entry, &wrong),
            (std::vector<tg::cuda::ArgKind>{tg::cuda::ArgKind::pointer, tg::cuda::ArgKind::f32}));
  EXPECT_EQ(wrong, "");
  // A TGKIR002 file: the same bytes with the old magic and no linear-mask count (and, the
  // program having none, no linear masks).
  std::string v2 = bytes.substr(0, 8 + 6 * 8) + bytes.substr(8 + 7 * 8);
  v2[7] = '2';
  const tg::sdk::LoadedProgram two = tg::sdk::parse_program(v2);
  EXPECT_EQ(two.scalar_args, std::vector<int32_t>{0});
  EXPECT_EQ(two.nodes.size(), 2u);
  // A TGKIR001 file: no scalar-arg count and no scalar args either.
  std::string v1 = bytes.substr(0, 8 + 5 * 8) + bytes.substr(8 + 7 * 8, bytes.size() - 8 - 7 * 8 - 4);
  v1[7] = '1';
  const tg::sdk::LoadedProgram old = tg::sdk::parse_program(v1);
  EXPECT_TRUE(old.scalar_args.empty());
  EXPECT_EQ(old.nodes.size(), 2u);
}

namespace {

// out[i] = x[i + 1] * s where 1 + i < 3 (a linear mask on the LOAD's view, ABI 1.2), and 0 beyond:
// a program of the kind the ref plugin's own tests hand it, with scalar args too.
tg::sdk::LoadedProgram masked_program() {
  tg::sdk::LoadedProgram p;
  p.name = "masked";
  p.shape = {4};
  p.params.push_back({TG_DTYPE_FLOAT32, TG_PARAM_READ, 4});
  p.params.push_back({TG_DTYPE_FLOAT32, TG_PARAM_WRITE, 4});
  tg_kir_view window{};
  window.offset = 1;
  window.strides[0] = 1;
  tg_kir_view out{};
  out.strides[0] = 1;
  p.views = {window, out};
  tg_kir_node none{};
  none.src[0] = none.src[1] = none.src[2] = -1;
  none.param = none.view = -1;
  none.dtype = TG_DTYPE_FLOAT32;
  tg_kir_node load = none, scale = none, mul = none, store = none;
  load.op = TG_KIR_LOAD;
  load.param = 0;
  load.view = 0;
  scale.op = TG_KIR_CONST;  // its value comes with each launch (scalar arg 0)
  mul.op = TG_KIR_MUL;
  mul.src[0] = 0;
  mul.src[1] = 1;
  store.op = TG_KIR_STORE;
  store.src[0] = 2;
  store.param = 1;
  store.view = 1;
  p.nodes = {load, scale, mul, store};
  p.scalar_args = {1};
  tg_kir_linear_mask m{};
  m.view = 0;
  m.begin = -1;
  m.end = 2;
  m.coeffs[0] = 1;
  p.linear_masks = {m};
  return p;
}

// A program with linear masks and scalar args survives the file (format TGKIR003) byte for byte:
// the ref plugin's dump (TG_KIR_DUMP) refused such programs before, failing the cases that make them.
TEST(CudaCompile, TheKirDumpKeepsLinearMasks) {
  const tg::sdk::LoadedProgram p = masked_program();
  ASSERT_NO_THROW(tg::sdk::check_program(p.abi(), true));  // a valid program for a device that reads masks
  const std::string bytes = tg::sdk::serialize_program(p.abi());
  const tg::sdk::LoadedProgram back = tg::sdk::parse_program(bytes);
  EXPECT_EQ(back.name, "masked");
  EXPECT_EQ(back.shape, std::vector<int64_t>{4});
  EXPECT_EQ(back.nodes.size(), 4u);
  EXPECT_EQ(back.views.size(), 2u);
  EXPECT_EQ(back.params.size(), 2u);
  EXPECT_EQ(back.scalar_args, std::vector<int32_t>{1});
  ASSERT_EQ(back.linear_masks.size(), 1u);
  EXPECT_EQ(std::memcmp(&back.linear_masks[0], &p.linear_masks[0], sizeof(tg_kir_linear_mask)), 0);
  EXPECT_EQ(tg::sdk::serialize_program(back.abi()), bytes);  // every field came back
  EXPECT_NO_THROW(tg::sdk::check_program(back.abi(), true));
  // The GPU plugins do not read linear masks: the renderer declines such a dumped program as
  // UNSUPPORTED (the compile tests count it as declined; the core runs it elsewhere).
  try {
    tg::render::render(back.abi(), tg::cuda::target_for(gpu_of(90)));
    ADD_FAILURE() << "the renderer took a program with linear masks";
  } catch (const tg::sdk::Failure& f) {
    EXPECT_EQ(f.code(), TG_ERR_UNSUPPORTED) << f.what();
  }
}

std::string parse_error(const std::string& bytes) {
  try {
    tg::sdk::parse_program(bytes);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(parsed)";
}

}  // namespace

// A truncated or lying file is refused by name, and no count makes the reader allocate more than
// the file holds.
TEST(CudaCompile, ATruncatedKirFileIsRefused) {
  const std::string bytes = tg::sdk::serialize_program(masked_program().abi());
  constexpr size_t kLinearCount = 8 + 6 * 8;  // the n_linear_masks field
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_NE(parse_error(bytes.substr(0, n)), "(parsed)") << n << " bytes";
  // Cut inside the linear masks, the last array.
  EXPECT_THAT(parse_error(bytes.substr(0, bytes.size() - 1)),
              ::testing::HasSubstr("truncated tg.kir file: the linear masks runs past its end"));
  EXPECT_THAT(parse_error(bytes + "x"), ::testing::HasSubstr("bytes after its last array"));
  // A count claiming more linear masks than the file has bytes for, small or up to 2^32 - 1.
  for (uint64_t claim : {uint64_t{2}, uint64_t{UINT32_MAX}}) {
    std::string lying = bytes;
    std::memcpy(&lying[kLinearCount], &claim, sizeof claim);
    EXPECT_THAT(parse_error(lying), ::testing::HasSubstr("truncated tg.kir file: the linear masks runs past its end"))
        << claim;
  }
  std::string huge = bytes;
  const uint64_t too_many = uint64_t{UINT32_MAX} + 1;
  std::memcpy(&huge[kLinearCount], &too_many, sizeof too_many);
  EXPECT_THAT(parse_error(huge), ::testing::HasSubstr("has an array of 4294967296"));
  // The same for an earlier array (the nodes): refused before its storage is sized.
  std::string nodes = bytes;
  const uint64_t claim = UINT32_MAX;
  std::memcpy(&nodes[8 + 1 * 8], &claim, sizeof claim);
  EXPECT_THAT(parse_error(nodes), ::testing::HasSubstr("truncated tg.kir file: the nodes runs past its end"));
}

// nvrtc's refusal reaches the caller with its status, its log, the options and the source.
TEST(CudaCompile, ACompileErrorCarriesNvrtcsLog) {
  const tg::sdk::LoadedProgram p = gputest::store_one_program("broken");
  const tg_kir_program program = p.abi();
  tg::render::Kernel k = tg::render::render(program, tg::cuda::target_for(gpu_of(90)));
  // The unbroken kernel compiles, so what fails below is the added line.
  const std::vector<char> good = tg::cuda::compile_kernel(loaded_nvrtc(), k, 90, program);
  EXPECT_EQ(gputest::check_cubin(good, 90, k.entry), "");
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
  EXPECT_EQ(gputest::check_cubin(code, 80, "tg_probe"), "");
  EXPECT_THAT(gputest::check_cubin(code, 90, "tg_probe"), ::testing::HasSubstr("name sm_80, not sm_90"));
  EXPECT_THAT(gputest::check_cubin(code, 80, "tg_other"), ::testing::HasSubstr("no code section .text.tg_other"));
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
