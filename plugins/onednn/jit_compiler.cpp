#include "jit_compiler.hpp"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "tg/disk_cache.hpp"
#include "tg/plugin.hpp"

namespace tg::onednn {
namespace {

using tg::sdk::Failure;

// The flags every kernel is built with. -ffp-contract=off: no fused multiply-add, so x*2+1
// rounds twice, exactly as the ref plugin computes it. -fno-tree-slp-vectorize: GCC 12.2's SLP
// vectorizer miscompiles the fold of 16 uint8 MAX accumulators with AVX2 (found by the suite's
// AnyAll.BoolAndNumeric); the loop vectorizer, which does the work here, stays on.
// -fno-math-errno: sqrtf need not set errno, so it becomes the vsqrtps instruction (correctly
// rounded, the same result) and loops with it vectorize (Adam's update: 4x faster).
constexpr const char* kFlags =
    "-std=c11 -O3 -march=native -fno-tree-slp-vectorize -fno-math-errno -fopenmp -ffp-contract=off -fPIC -shared -w";

// exp2, log2 and sin vectorize only through glibc's vector math library, libmvec: its headers
// declare the vector versions under -ffast-math alone, which would also drop NaN and infinity
// semantics, so the kernel's prelude declares them itself when TG_VECTOR_MATH is defined
// (c_codegen.cpp). x86-64 glibc has all three in float and double from 2.35 on. Measured on
// every float and on 40M sampled doubles against a wider reference: at most 0.82 / 2.05 /
// 1.85 ulp (exp2f / log2f / sinf) and 1.64 / 1.75 / 3.34 ulp in double, inside tg.kir's 4;
// NaN, infinities and zeros as the scalar functions give them. 16M exp2f on 2 threads:
// 28 ms -> 6.9 ms, sinf 89 -> 7.4 ms.
constexpr const char* kVectorMathFlags = " -DTG_VECTOR_MATH";

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a shell command; returns its exit status and fills `output` with stdout and stderr.
int run(const std::string& command, std::string& output) {
  output.clear();
  FILE* f = popen((command + " 2>&1").c_str(), "r");
  if (!f) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) output.append(buf, n);
  const int status = pclose(f);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) { return tg::sdk::fnv1a(s.data(), s.size(), h); }

bool make_dirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    const std::string part = path.substr(0, i);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && access(path.c_str(), W_OK) == 0;
}

std::string pick_cache_dir() {
  if (const char* d = std::getenv("TG_CACHE_DIR"); d && *d) return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/tg";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/tg";
  return "";
}

// Why vector math cannot be used with compiler `cc`, or "" when it can.
std::string vector_math_missing(const std::string& cc) {
#if defined(__x86_64__) && defined(__GLIBC__)
  int major = 0, minor = 0;
  if (std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor) != 2 || major < 2 || (major == 2 && minor < 35))
    return std::string("glibc ") + gnu_get_libc_version() + " has no vector exp2f (2.35 has)";
  std::string path;
  if (run(quote(cc) + " -print-file-name=libmvec.so", path) != 0 || path.empty() || path[0] != '/')
    return "the compiler does not find libmvec.so (libc6-dev)";
  return "";
#else
  (void)cc;
  return "libmvec is glibc's, on x86-64";
#endif
}

}  // namespace

JitCompiler::JitCompiler(bool vector_math) {
  const char* env_cc = std::getenv("TG_CC");
  cc_ = env_cc && *env_cc ? env_cc : "cc";
  flags_ = kFlags;
  std::string out;
  const int rc = run(quote(cc_) + " --version", out);
  if (rc != 0) {
    why_not_ = "no C compiler: '" + cc_ + " --version' " +
               (rc == 127 ? std::string("was not found") : "exited with " + std::to_string(rc)) +
               " (install gcc, or set TG_CC)";
    return;
  }
  version_ = out.substr(0, out.find('\n'));
  if (vector_math) {
    vector_math_why_not_ = vector_math_missing(cc_);
    vector_math_ = vector_math_why_not_.empty();
    if (vector_math_) flags_ += kVectorMathFlags;
  } else {
    vector_math_why_not_ = "turned off (vecmath=0)";
  }
  cache_dir_ = pick_cache_dir();
  if (cache_dir_.empty() || !make_dirs(cache_dir_)) {
    char tmpl[] = "/tmp/tg-onednn-XXXXXX";
    if (!mkdtemp(tmpl)) {
      why_not_ = "no writable directory for compiled kernels (" + cache_dir_ + " and /tmp)";
      return;
    }
    cache_dir_ = tmpl;
  }
  available_ = true;
}

JitCompiler::~JitCompiler() {
  for (auto& [path, l] : loaded_) dlclose(l.handle);
}

std::string JitCompiler::compile_to(const std::string& source, const std::string& so_path) {
  // Unique temporaries, then an atomic rename: processes sharing the cache never see half a file.
  const std::string stem = so_path + "." + std::to_string(getpid()) + "." + std::to_string(fnv1a(so_path + std::to_string(reinterpret_cast<uintptr_t>(this))));
  const std::string c_path = stem + ".c", tmp_so = stem + ".so";
  {
    std::ofstream f(c_path, std::ios::binary);
    f << source;
    if (!f) throw Failure(TG_ERR_UNSUPPORTED, "onednn: cannot write " + c_path);
  }
  std::string out;
  const int rc = run(quote(cc_) + " " + flags_ + " -o " + quote(tmp_so) + " " + quote(c_path) + (vector_math_ ? " -lmvec" : "") + " -lm", out);
  std::remove(c_path.c_str());
  if (rc != 0) {
    std::remove(tmp_so.c_str());
    throw Failure(TG_ERR_UNSUPPORTED, "onednn: compiling a kernel with '" + cc_ + " " + flags_ + "' failed (exit " +
                                          std::to_string(rc) + "):\n" + out.substr(0, 4000));
  }
  if (std::rename(tmp_so.c_str(), so_path.c_str()) != 0) {
    std::remove(tmp_so.c_str());
    throw Failure(TG_ERR_UNSUPPORTED, "onednn: cannot move the compiled kernel to " + so_path + ": " + std::strerror(errno));
  }
  return out;
}

std::string JitCompiler::so_path(const std::string& source) const {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a(source, fnv1a(version_ + "\n" + flags_ + "\n"))));
  return cache_dir_ + "/onednn-" + hex + ".so";
}

bool JitCompiler::cached(const std::string& source) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string path = so_path(source);
  return loaded_.count(path) || access(path.c_str(), R_OK) == 0;
}

void JitCompiler::release(const std::string& so) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = loaded_.find(so);
  if (it == loaded_.end() || --it->second.users > 0) return;
  idle_.push_back(so);
  while (idle_.size() > kIdleLoaded) {
    auto old = loaded_.find(idle_.front());
    idle_.pop_front();
    if (old == loaded_.end() || old->second.users > 0) continue;
    dlclose(old->second.handle);
    loaded_.erase(old);
  }
}

KernelFn JitCompiler::get(const std::string& source, bool* from_cache, std::string* so) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string so_path = this->so_path(source);
  void* handle = nullptr;
  if (auto it = loaded_.find(so_path); it != loaded_.end()) {
    handle = it->second.handle;
    if (it->second.users == 0) idle_.remove(so_path);
  }
  *from_cache = true;
  if (!handle && access(so_path.c_str(), R_OK) == 0) handle = dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {  // not cached, or a cached file that does not load: build it (again)
    *from_cache = false;
    compile_to(source, so_path);
    handle = dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) throw Failure(TG_ERR_UNSUPPORTED, std::string("onednn: cannot load a compiled kernel: ") + dlerror());
  }
  Loaded& l = loaded_[so_path];
  l.handle = handle;
  l.users++;
  *so = so_path;
  void* sym = dlsym(handle, "tg_kernel");
  if (!sym) throw Failure(TG_ERR_INTERNAL, "onednn: compiled kernel " + so_path + " has no tg_kernel");
  KernelFn fn;
  static_assert(sizeof fn == sizeof sym);
  std::memcpy(&fn, &sym, sizeof fn);
  return fn;
}

}  // namespace tg::onednn
