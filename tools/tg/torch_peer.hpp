#pragma once
// PyTorch as tg bench's peer: a python3 child that sets a workload up once and then runs it
// when told, one line per command. tg bench alternates short blocks of its own runs with the
// child's, so both sides see the same minutes of a machine whose speed drifts (all of one side's
// runs, then all of the other's, would compare different minutes).
#include <sys/types.h>

#include <cstdio>
#include <string>

namespace tgtool {

class TorchPeer {
 public:
  // Starts python3 (TG_BENCH_PYTHON, else /usr/bin/python3) with torch pinned to 2 threads and
  // OpenBLAS, running `body`, which defines f() doing the work. False, with why(), when it
  // cannot (no torch, an error in the script).
  bool start(const std::string& body);
  // The best of `times` runs of f() back to back, timed inside python (after a 10 ms pause that
  // lets tg's OpenMP threads stop spinning); a negative value, with why(), when the child failed.
  double run(int times);
  // How far the child's peak resident size rose above where it stood after setup.
  double peak_bytes();
  const std::string& why() const { return why_; }
  ~TorchPeer();

 private:
  bool ask(const char* command, const char* reply, double* value);
  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
  std::string why_;
};

// The python3 that has Debian's python3-torch (a python3 earlier in PATH, from pyenv or a venv,
// usually lacks it); TG_BENCH_PYTHON overrides.
std::string torch_python();
bool torch_installed();
// Where the peer runs PyTorch: TG_BENCH_TORCH_DEVICE ("cuda" beside tg's cuda device, for
// scripts/gpu-check.sh), else "cpu". On a GPU its runs end with torch.cuda.synchronize() and its
// peak memory is torch.cuda.max_memory_allocated().
std::string torch_device();

}  // namespace tgtool
