#pragma once
// The table of tg's subcommands. Adding one: write cmd_<name>.cpp with its run function,
// declare it here, add one row to kCommands and the file to tools/CMakeLists.txt.
#include <cstdint>
#include <string>
#include <vector>

#include "cli.hpp"

namespace tgtool {

int run_devices(const std::vector<std::string>& args);
int run_info(const std::vector<std::string>& args);
int run_conformance(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_mnist_slice(int repeat);  // tg bench mnist-slice (bench_mnist_slice.cpp)
int run_raw_matmul(int64_t n, int repeat);  // tg bench raw-matmul (bench_raw_matmul.cpp, with oneDNN)

// In the order `tg --help` lists them. Constant-initialized: no static constructor.
inline constexpr Command kCommands[] = {
    {"devices", "List every device the plugins offer, available or not, and why.", run_devices},
    {"info", "Show tg's version, default device, plugin search path and TG_* settings.", run_info},
    {"conformance", "Check a plugin against the ABI and tg.kir: support matrix and pass/fail per case.",
     run_conformance},
    {"bench", "Time matmul, elementwise, reduce, conv and MLP/CNN/GPT training-step and GPT generation workloads (all), or common ops (ops), beside PyTorch when installed.", run_bench},
};

// The row of kCommands named `name`.
const Command& command(const std::string& name);

}  // namespace tgtool
