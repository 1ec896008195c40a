#include "torch_peer.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tgtool {

namespace {

// The child's side of the conversation: "run N" -> "TIME <best of N runs, seconds>",
// "peak" -> "PEAK <bytes>", anything else (or the end of stdin) ends it.
const char* kLoop = R"PY(
_rss = _device_peak if '_device_peak' in globals() else (lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
_base = _rss()
print('READY', flush=True)
for _line in sys.stdin:
    _cmd = _line.split()
    if len(_cmd) == 2 and _cmd[0] == 'run':
        time.sleep(0.01)  # tg's OpenMP threads stop spinning before the clock starts
        _best = 1e30
        for _ in range(int(_cmd[1])):
            _t = time.perf_counter()
            f()
            _sync()
            _best = min(_best, time.perf_counter() - _t)
        print('TIME', _best, flush=True)
    elif _cmd == ['peak']:
        print('PEAK', _rss() - _base, flush=True)
    else:
        break
)PY";

}  // namespace

std::string torch_python() {
  if (const char* p = std::getenv("TG_BENCH_PYTHON"); p && *p) return p;
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

std::string torch_device() {
  if (const char* d = std::getenv("TG_BENCH_TORCH_DEVICE"); d && *d) return d;
  return "cpu";
}

bool torch_installed() { return std::system((torch_python() + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0; }

bool TorchPeer::start(const std::string& body) {
  // A child that died would otherwise kill tg with SIGPIPE on the next command.
  signal(SIGPIPE, SIG_IGN);
  // On a GPU, work is queued: each run ends with a synchronize, and the peak is the device's.
  const std::string device = torch_device();
  const std::string setup = device == "cpu" ? "_sync = lambda: None\n"
                                            : "torch.set_default_device('" + device + "')\n_sync = torch.cuda.synchronize\n"
                                              "_device_peak = torch.cuda.max_memory_allocated\n";
  const std::string script = "import resource, sys, time, torch\ntorch.set_num_threads(2)\n" + setup + body + "\n" + kLoop;
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0) return why_ = "pipe failed", false;
  if (pipe(from_child) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    return why_ = "pipe failed", false;
  }
  const std::string python = torch_python();
  pid_ = fork();
  if (pid_ < 0) {
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) close(fd);
    return why_ = "fork failed", false;
  }
  if (pid_ == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    dup2(from_child[1], 2);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) close(fd);
    // Debian's python3-torch uses the reference BLAS unless OpenBLAS is found first.
    if (device == "cpu") setenv("LD_LIBRARY_PATH", "/usr/lib/x86_64-linux-gnu/openblas-openmp", 1);
    setenv("OMP_NUM_THREADS", "2", 1);
    execlp(python.c_str(), python.c_str(), "-c", script.c_str(), static_cast<char*>(nullptr));
    std::fprintf(stderr, "cannot run %s: %s\n", python.c_str(), std::strerror(errno));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  to_ = fdopen(to_child[1], "w");
  from_ = fdopen(from_child[0], "r");
  if (!to_ || !from_) return why_ = "fdopen failed", false;
  return ask(nullptr, "READY", nullptr);
}

// Sends `command` (unless null) and reads lines until one starts with `reply`; the rest of that
// line is the value. Other lines are the child's own output: the last of them explain a failure.
bool TorchPeer::ask(const char* command, const char* reply, double* value) {
  if (!to_ || !from_) return false;
  if (command && (std::fprintf(to_, "%s\n", command) < 0 || std::fflush(to_) != 0)) {
    why_ = "the python process is gone";
    return false;
  }
  std::string output;
  char line[512];
  const size_t n = std::strlen(reply);
  while (std::fgets(line, sizeof line, from_)) {
    if (std::strncmp(line, reply, n) == 0) {
      if (value) *value = std::atof(line + n);
      return true;
    }
    output += line;
  }
  // The end of the child's output before the reply: it failed; keep the end of what it said.
  while (!output.empty() && output.back() == '\n') output.pop_back();
  why_ = output.empty() ? "python exited without output" : output.substr(output.size() > 160 ? output.size() - 160 : 0);
  return false;
}

double TorchPeer::run(int times) {
  double seconds = -1;
  return ask(("run " + std::to_string(times)).c_str(), "TIME ", &seconds) ? seconds : -1;
}

double TorchPeer::peak_bytes() {
  double bytes = 0;
  return ask("peak", "PEAK ", &bytes) ? bytes : 0;
}

TorchPeer::~TorchPeer() {
  if (to_) {
    std::fputs("quit\n", to_);
    std::fclose(to_);
  }
  if (from_) std::fclose(from_);
  if (pid_ > 0) waitpid(pid_, nullptr, 0);
}

}  // namespace tgtool
