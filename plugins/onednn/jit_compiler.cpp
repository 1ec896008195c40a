#include "jit_compiler.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

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
// (the c dialect's header, sdk/render/dialects.cpp). x86-64 glibc has all three in float and
// double from 2.35 on. Measured on every float and on 40M sampled doubles against a wider
// reference: at most 0.82 / 2.05 / 1.85 ulp (exp2f / log2f / sinf) and 1.64 / 1.75 / 3.34 ulp in double, inside tg.kir's 4;
// NaN, infinities and zeros as the scalar functions give them. 16M exp2f on 2 threads:
// 28 ms -> 6.9 ms, sinf 89 -> 7.4 ms.
// The cache files' magic: a checked header (tg/disk_cache.hpp), then the shared object.
constexpr const char* kCacheMagic = "TGCSO001";

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

JitCompiler::JitCompiler(bool vector_math, std::function<void(const std::string&)> warn) : warn_(std::move(warn)) {
  if (!warn_) warn_ = [](const std::string& line) { std::fprintf(stderr, "onednn: %s\n", line.c_str()); };
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
  // The shared objects are kept in the SDK's kernel cache (tg/disk_cache.hpp), which names and
  // checks them with the user's key: a file someone else could have written is never loaded.
  cache_ = std::make_unique<tg::sdk::DiskCache>(tg::sdk::CacheRoot::from_environment("onednn"), kCacheMagic, ".so");
  if (!cache_->enabled()) {
    why_not_ = "no directory for compiled kernels: " + cache_->why_disabled();
    return;
  }
  cache_dir_ = cache_->root().folder();
  available_ = true;
}

JitCompiler::~JitCompiler() {
  for (auto& [path, l] : loaded_) dlclose(l.handle);
}

std::vector<unsigned char> JitCompiler::compile(const std::string& source) {
  // Unique names in the user's own (or the private) folder; the result is read back and removed.
  unsigned char salt[8] = {};
  tg::sdk::cache_detail::random_bytes(salt, sizeof salt);
  const std::string stem = cache_dir_ + "/build." + std::to_string(getpid()) + "." + tg::sdk::to_hex(salt, sizeof salt);
  const std::string c_path = stem + ".c", so_path = stem + ".so";
  {
    std::ofstream f(c_path, std::ios::binary);
    f << source;
    if (!f) throw Failure(TG_ERR_UNSUPPORTED, "onednn: cannot write " + c_path);
  }
  std::string out;
  const int rc = run(quote(cc_) + " " + flags_ + " -o " + quote(so_path) + " " + quote(c_path) + (vector_math_ ? " -lmvec" : "") + " -lm", out);
  std::remove(c_path.c_str());
  if (rc != 0) {
    std::remove(so_path.c_str());
    throw Failure(TG_ERR_UNSUPPORTED, "onednn: compiling a kernel with '" + cc_ + " " + flags_ + "' failed (exit " +
                                          std::to_string(rc) + "):\n" + out.substr(0, 4000));
  }
  std::ifstream in(so_path, std::ios::binary);
  std::vector<unsigned char> object((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool read = !in.bad() && !object.empty();
  std::remove(so_path.c_str());
  if (!read) throw Failure(TG_ERR_UNSUPPORTED, "onednn: cannot read the compiled kernel " + so_path);
  return object;
}

// dlopen needs a file: the checked bytes go to a fresh 0600 file in the user's folder, which
// is unlinked once loaded (the mapping stays). Nobody else can write there, so what is loaded
// is what was checked.
void* JitCompiler::load_object(const std::vector<unsigned char>& object, std::string* why) {
  unsigned char salt[8] = {};
  tg::sdk::cache_detail::random_bytes(salt, sizeof salt);
  const std::string path = cache_dir_ + "/load." + std::to_string(getpid()) + "." + tg::sdk::to_hex(salt, sizeof salt) + ".so";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return *why = "cannot write " + path + ": " + std::strerror(errno), nullptr;
  size_t put = 0;
  while (put < object.size()) {
    const ssize_t n = write(fd, object.data() + put, object.size() - put);
    if (n <= 0) break;
    put += static_cast<size_t>(n);
  }
  close(fd);
  void* handle = put == object.size() ? dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL) : nullptr;
  if (!handle) *why = put == object.size() ? std::string(dlerror()) : "cannot write " + path;
  unlink(path.c_str());
  return handle;
}

std::string JitCompiler::key_text(const std::string& source) const {
  return version_ + "\n" + flags_ + (vector_math_ ? " -lmvec" : "") + " -lm\n" + source;
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
  const std::string key = key_text(source);
  void* handle = nullptr;
  if (auto it = loaded_.find(key); it != loaded_.end()) {
    handle = it->second.handle;
    if (it->second.users == 0) idle_.remove(key);
  }
  *from_cache = true;
  if (!handle) {
    std::string corrupt;
    if (auto object = cache_->load(key, &corrupt)) {
      handle = load_object(*object, &corrupt);
      if (!handle) corrupt = "it does not load: " + corrupt;
    }
    if (!corrupt.empty()) warn_("ignoring cached kernel " + cache_->path_of(key) + ": " + corrupt + "; compiling it again");
  }
  if (!handle) {  // not cached, or a cached file that fails its checks or does not load: build it (again)
    *from_cache = false;
    const std::vector<unsigned char> object = compile(source);
    std::string why;
    handle = load_object(object, &why);
    if (!handle) throw Failure(TG_ERR_UNSUPPORTED, "onednn: cannot load a compiled kernel: " + why);
    if (std::string not_stored = cache_->store(key, object); !not_stored.empty())
      warn_("a compiled kernel is not cached: " + not_stored);
  }
  Loaded& l = loaded_[key];
  l.handle = handle;
  l.users++;
  *so = key;
  void* sym = dlsym(handle, "tg_kernel");
  if (!sym) throw Failure(TG_ERR_INTERNAL, "onednn: compiled kernel " + cache_->path_of(key) + " has no tg_kernel");
  KernelFn fn;
  static_assert(sizeof fn == sizeof sym);
  std::memcpy(&fn, &sym, sizeof fn);
  return fn;
}

}  // namespace tg::onednn
