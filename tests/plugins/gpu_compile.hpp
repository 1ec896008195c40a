#pragma once
// The GPU plugins' compile tests (tests/plugins/hip/test_hip_compile.cpp and
// tests/plugins/cuda/test_cuda_compile.cpp), one harness for both: every tg.kir program the
// suites make, rendered for a GPU target as its plugin would and compiled with the plugin's
// runtime compiler (hiprtc, nvrtc) -- no GPU needed. The *.dump.* ctest fixtures
// (tests/plugins/ref/kir_dumps.cmake) run the suites on the ref device with TG_KIR_DUMP, leaving
// each distinct program in a .kir file. A failure prints the program's file, the compiler's log
// and the source.
//
// Speed: a runtime compiler costs from ~50 ms (nvrtc) to ~0.5 s (hiprtc) a call whatever the
// kernel, and there are thousands of kernels. So compile_in_batches compiles them kBatch to a
// translation unit, each kernel's source whole and unchanged inside a namespace of its own, with
// only its entry points renamed (kernel sources share nothing but the dialect's identical
// typedefs and macros, so each sees what it sees alone). A batch that fails is compiled again
// kernel by kernel, as the plugin compiles them, to name the failing programs with their own logs.
// compile_every_nth compiles every n-th kernel exactly as the plugin does.
//
// gpu_binary.hpp checks what the compilers make: AMDGPU code objects and cubins.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tg/kir_file.hpp"
#include "tg/render.hpp"

namespace gputest {

constexpr size_t kBatch = 40;

// The variable's value, or `fallback` when it is unset or empty.
std::string env_or(const char* name, const char* fallback);

// One dumped program, rendered for the target.
struct Rendered {
  std::filesystem::path file;
  tg::sdk::LoadedProgram program;
  tg::render::Kernel kernel;
};

// Every distinct kernel of the programs dumped under a root, rendered for one target.
struct Dumped {
  size_t files = 0;     // distinct program files (the same program dumped by two suites counts once)
  size_t declined = 0;  // programs the renderer declines (UNSUPPORTED: the plugin refuses them, they run on ref)
  std::vector<Rendered> kernels;  // programs that render alike are one kernel
};

// Reads and renders every .kir file under `root`. Fails the test (gtest) when there are fewer
// than 500 (the fixtures named by `fixtures` did not run) and for each program that cannot be
// read or rendered for another reason than UNSUPPORTED.
void load_dumped(const std::filesystem::path& root, const tg::render::Target& target, const std::string& fixtures,
                 Dumped& out);

// A plugin's compiler for one target, as the harness drives it.
struct Compiler {
  std::string target;  // as messages name it: "gfx90a", "sm_90"
  // One translation unit of many kernels (`what` names them in an error) -> the binary.
  std::function<std::vector<char>(const std::string& source, const std::string& what)> compile_source;
  // One kernel exactly as the plugin compiles it.
  std::function<std::vector<char>(const Rendered& r)> compile_kernel;
  // "" when the binary is for the target and holds the entry point; else what is wrong.
  std::function<std::string(const std::vector<char>& binary, const std::string& entry)> check;
};

// Compiles all kernels in batches (failing the test for each one that does not compile) and
// prints a summary; returns the number compiled of each strategy.
std::map<std::string, int> compile_in_batches(const Compiler& compiler, const Dumped& dumped);

// Compiles every n-th kernel alone, as the plugin does (n: the environment variable `variable`,
// default 50; 1 = all); fails the test for each one that does not compile and when none does.
void compile_every_nth(const Compiler& compiler, const std::vector<Rendered>& kernels, const char* variable);

// A one-node program that stores 1.0f to four floats, named `name`: the compile-error tests
// break its rendered source.
tg::sdk::LoadedProgram store_one_program(const std::string& name);

}  // namespace gputest
