#pragma once
// PyTorch's answers computed in the test run: a test writes a Python script that prints
// `name hex hex ...` lines (out(name, tensor) does it), runs it with the system python3 and
// reads the values back exactly (float.hex). python3-torch is a test dependency (scripts/lib.sh),
// as for the ported tinygrad op tests: without it these tests fail and say so. Answers are kept
// in TG_TORCH_ORACLE_CACHE (the build's tests/torch_oracle_cache) by the script's full text, so
// the same test on another device (ref, onednn, opencl) does not start PyTorch again.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <tg/tg.hpp>

namespace tgtest {

// Python source for tensor t: torch.tensor([...], dtype=float32).reshape(shape), values exact.
inline std::string py_tensor(const tg::Tensor& t, bool requires_grad = false) {
  std::ostringstream s;
  s.precision(9);
  s << "torch.tensor([";
  for (double v : t.to_vector<double>()) s << float(v) << ",";
  s << "], dtype=torch.float32).reshape(";
  const std::vector<int64_t> dims = t.shape().dims();
  for (int64_t d : dims) s << d << ",";
  s << ")";
  std::string r = s.str();
  return requires_grad ? r + ".requires_grad_()" : r;
}

inline std::map<std::string, std::vector<double>> parse_torch_output(const std::string& text) {
  std::map<std::string, std::vector<double>> got;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream w(line);
    std::string name, v;
    w >> name;
    std::vector<double>& vals = got[name];
    while (w >> v) vals.push_back(std::strtod(v.c_str(), nullptr));
  }
  return got;
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return f ? s.str() : std::string();
}

// Runs `body` after a prelude (torch, F, math, out()) and returns what it printed, by name.
inline std::map<std::string, std::vector<double>> run_torch(const std::string& body) {
#ifdef TG_TORCH_ORACLE_CACHE
  // A cached answer counts only if the script it answered is this one, byte for byte.
  const std::string key = std::string(TG_TORCH_ORACLE_CACHE) + "/" + std::to_string(std::hash<std::string>{}(body));
  if (read_file(key + ".py") == body) {
    const std::string cached = read_file(key + ".out");
    if (!cached.empty()) return parse_torch_output(cached);
  }
#endif
  char path[] = "/tmp/tg_torch_oracle_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    ADD_FAILURE() << "cannot create a temporary file for the PyTorch script";
    return {};
  }
  close(fd);
  {
    std::ofstream f(path);
    f << "import math, sys\n"
         "try:\n"
         "    import torch\n"
         "    import torch.nn.functional as F\n"
         "except ImportError as e:\n"
         "    sys.exit('these tests compare with PyTorch: install python3-torch (%s)' % e)\n"
         "torch.set_num_threads(1)\n"
         "def out(name, t):\n"
         "    print(name, ' '.join(float.hex(float(v)) for v in t.detach().double().reshape(-1).tolist()))\n"
      << body << "\n";
  }
  const std::string cmd = "/usr/bin/python3 " + std::string(path) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::map<std::string, std::vector<double>> got;
  std::string text;
  if (p) {
    char buf[1 << 16];
    std::string line;
    while (fgets(buf, sizeof buf, p)) text += buf;
    const int rc = pclose(p);
    if (rc != 0) ADD_FAILURE() << "the PyTorch script failed:\n" << text.substr(text.size() > 3000 ? text.size() - 3000 : 0);
  } else {
    ADD_FAILURE() << "cannot run /usr/bin/python3";
  }
  std::remove(path);
  got = parse_torch_output(text);
#ifdef TG_TORCH_ORACLE_CACHE
  if (!::testing::Test::HasFailure() && !text.empty()) {
    // Written under temporary names and renamed: a test running beside this one reads either
    // nothing or a whole answer.
    const std::string tmp = key + "." + std::to_string(getpid());
    std::ofstream(tmp + ".out", std::ios::binary) << text;
    std::ofstream(tmp + ".py", std::ios::binary) << body;
    std::rename((tmp + ".out").c_str(), (key + ".out").c_str());
    std::rename((tmp + ".py").c_str(), (key + ".py").c_str());
  }
#endif
  return got;
}

}  // namespace tgtest
