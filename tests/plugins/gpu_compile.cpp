#include "gpu_compile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iterator>
#include <set>

namespace fs = std::filesystem;

namespace gputest {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// "" when the binary holds the kernel's entry points (both of a two-pass reduction's); else what
// is wrong.
std::string check_entries(const Compiler& c, const std::vector<char>& binary, const std::string& entry,
                          const std::string& finish_entry) {
  std::string wrong = c.check(binary, entry);
  if (wrong.empty() && !finish_entry.empty()) wrong = c.check(binary, finish_entry);
  return wrong;
}

// Compiles one kernel exactly as the plugin does and checks its binary; "" or the failure.
std::string compile_alone(const Compiler& c, const Rendered& r) {
  try {
    const std::string wrong = check_entries(c, c.compile_kernel(r), r.kernel.entry, r.kernel.finish_entry);
    return wrong.empty() ? "" : r.file.string() + " (" + r.kernel.strategy + ") for " + c.target + ": " + wrong;
  } catch (const std::exception& e) {
    return r.file.string() + " for " + c.target + ":\n" + e.what();
  }
}

// Kernels [begin, end) in one translation unit: each in namespace tg_batch_<i>, its entry point
// renamed <entry>_b<i> (and a two-pass reduction's second kernel <entry>_b<i>_finish). Fills the
// renamed entries.
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
    if (!k.finish_entry.empty()) {
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

void load_dumped(const fs::path& root, const tg::render::Target& target, const std::string& fixtures, Dumped& out) {
  std::map<std::string, fs::path> files;  // by name: the same program dumped by two suites once
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".kir") files.emplace(it->path().filename().string(), it->path());
  // A floor, not a count: the suites make over a thousand distinct programs. Far fewer means the
  // fixtures did not run (ctest -R hip or cuda runs them first; a lone compile test does not).
  ASSERT_GE(files.size(), 500u) << "only " << files.size() << " dumped programs under " << root << ": run the "
                                << fixtures << " ctest fixtures first";
  out.files = files.size();
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
        ++out.declined;
        continue;
      }
      ADD_FAILURE() << file << ": " << e.what();
      continue;
    } catch (const std::exception& e) {
      ADD_FAILURE() << file << ": " << e.what();
      continue;
    }
    if (sources.insert(r.kernel.source).second) out.kernels.push_back(std::move(r));
  }
}

std::map<std::string, int> compile_in_batches(const Compiler& c, const Dumped& dumped) {
  const std::vector<Rendered>& kernels = dumped.kernels;
  std::map<std::string, int> strategies;
  int failed = 0;
  for (size_t begin = 0; begin < kernels.size(); begin += kBatch) {
    const size_t end = std::min(kernels.size(), begin + kBatch);
    std::vector<std::string> entries;
    const std::string source = batch_source(kernels, begin, end, entries);
    std::string batch_error;
    try {
      const std::vector<char> binary =
          c.compile_source(source, "kernels " + std::to_string(begin) + ".." + std::to_string(end - 1));
      for (size_t i = begin; i < end; ++i) {
        const std::string wrong = check_entries(c, binary, entries[i - begin],
                                                kernels[i].kernel.finish_entry.empty() ? "" : entries[i - begin] + "_finish");
        if (!wrong.empty()) batch_error += kernels[i].file.string() + ": " + wrong + "\n";
      }
    } catch (const std::exception& e) {
      batch_error = e.what();
    }
    if (batch_error.empty()) {
      for (size_t i = begin; i < end; ++i) ++strategies[kernels[i].kernel.strategy];
      continue;
    }
    // Name the culprits, each with its own log, compiled as the plugin compiles them.
    int culprits = 0;
    for (size_t i = begin; i < end; ++i) {
      const std::string wrong = compile_alone(c, kernels[i]);
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
              c.target.c_str(), dumped.files, kernels.size(), summary.c_str(), failed, dumped.declined);
  EXPECT_EQ(failed, 0);
  EXPECT_FALSE(kernels.empty());
  return strategies;
}

void compile_every_nth(const Compiler& c, const std::vector<Rendered>& kernels, const char* variable) {
  const int every = std::atoi(env_or(variable, "50").c_str());
  ASSERT_GT(every, 0) << variable << " must be a positive integer";
  int compiled = 0;
  for (size_t i = 0; i < kernels.size(); i += static_cast<size_t>(every)) {
    const std::string wrong = compile_alone(c, kernels[i]);
    if (!wrong.empty()) ADD_FAILURE() << wrong;
    else ++compiled;
  }
  std::printf("%s: %d of %zu kernels compiled alone (every %d)\n", c.target.c_str(), compiled, kernels.size(), every);
  EXPECT_GT(compiled, 0);
}

tg::sdk::LoadedProgram store_one_program(const std::string& name) {
  tg::sdk::LoadedProgram p;
  p.name = name;
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
  return p;
}

}  // namespace gputest
