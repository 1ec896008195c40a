#pragma once
// Compiles C source with the system compiler into a shared object, caches it on disk and loads
// it: tinygrad's CLANG backend, in C++. The cache key is the source, the flags and the
// compiler's own version line, so a new compiler or new flags never reuse a stale object.
//
//   cache:           <root>/onednn/ with root $TG_CACHE_DIR, else $XDG_CACHE_HOME/tg, else
//                    ~/.cache/tg, kept by tg/disk_cache.hpp: files named and checked with the
//                    user's key, a root others could write refused for a private temporary
//                    directory removed at exit (tg/cache_root.hpp). A file failing a check is
//                    compiled again and replaced.
//   compiler:        $TG_CC, else `cc`. Without one, available() is false and says why.
//   vector math:     exp2, log2 and sin from glibc's libmvec where it has them (x86-64, glibc
//                    2.35+), so loops calling them vectorize; else the scalar libm calls.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <list>
#include <unordered_map>
#include <vector>

#include "tg/disk_cache.hpp"

namespace tg::onednn {

// int tg_kernel(char* const* bufs): 0 on success, 1 when it could not allocate scratch memory.
using KernelFn = int (*)(char* const*);

class JitCompiler {
 public:
  // vector_math: use libmvec where this machine has it (TG_PLUGIN_OPTIONS_ONEDNN=vecmath=0: never).
  // warn: where lines about ignored cache files go (default: stderr).
  explicit JitCompiler(bool vector_math = true, std::function<void(const std::string&)> warn = nullptr);
  ~JitCompiler();
  JitCompiler(const JitCompiler&) = delete;
  JitCompiler& operator=(const JitCompiler&) = delete;

  // Whether a working compiler was found; if not, why_not() says what was tried.
  bool available() const { return available_; }
  const std::string& why_not() const { return why_not_; }
  const std::string& compiler_version() const { return version_; }
  const std::string& cache_dir() const { return cache_dir_; }
  // Whether kernels are built with TG_VECTOR_MATH and libmvec; if not, why not.
  bool vector_math() const { return vector_math_; }
  const std::string& vector_math_why_not() const { return vector_math_why_not_; }

  // The kernel compiled from `source` (from the disk cache when it is there). Throws
  // tg::sdk::Failure(TG_ERR_UNSUPPORTED) with the compiler's output when compiling fails.
  // `from_cache` tells which happened.
  // `so` receives the loaded object's name: the caller hands it to release() when it no longer
  // calls the kernel.
  KernelFn get(const std::string& source, bool* from_cache, std::string* so);
  // One user of `so` is done. Objects nobody uses stay loaded, up to kIdleLoaded of them (least
  // recently released are closed first), so the loaded objects are bounded by the live kernels.
  void release(const std::string& so);
  static constexpr size_t kIdleLoaded = 64;
  size_t loaded_count() const { return loaded_.size(); }

 private:
  std::vector<unsigned char> compile(const std::string& source);
  void* load_object(const std::vector<unsigned char>& object, std::string* why);
  std::string key_text(const std::string& source) const;  // everything the object depends on

  bool available_ = false, vector_math_ = false;
  std::string why_not_, vector_math_why_not_, cc_, version_, flags_, cache_dir_;
  std::function<void(const std::string&)> warn_;
  std::unique_ptr<tg::sdk::DiskCache> cache_;
  std::mutex mutex_;
  struct Loaded {
    void* handle = nullptr;
    int users = 0;
  };
  std::unordered_map<std::string, Loaded> loaded_;  // key text -> dlopen handle and users
  std::list<std::string> idle_;                     // loaded with no user, most recent last
};

}  // namespace tg::onednn
