#pragma once
// Memory that ends where a struct ends: the bytes after it are an inaccessible page, so a plugin
// that reads or writes past the struct_size it was given faults (and, in the forked child, fails
// the case instead of the run).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace tg::conformance {

class GuardedBlock {
 public:
  GuardedBlock() {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* p = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<unsigned char*>(p);
    if (mprotect(base_ + page_, page_, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
  }
  ~GuardedBlock() { munmap(base_, 2 * page_); }
  GuardedBlock(const GuardedBlock&) = delete;
  GuardedBlock& operator=(const GuardedBlock&) = delete;

  // A T whose first `bytes` bytes are readable and writable, the next ones not. Copies `value`'s
  // first `bytes` bytes there. `bytes` must keep the struct aligned (a multiple of 8).
  template <class T>
  T* place(const T& value, size_t bytes) {
    if (bytes > page_ || bytes % alignof(T) != 0) throw std::logic_error("GuardedBlock: bad size");
    unsigned char* at = base_ + page_ - bytes;
    std::memcpy(at, &value, bytes);
    return reinterpret_cast<T*>(at);
  }

 private:
  size_t page_ = 0;
  unsigned char* base_ = nullptr;
};

}  // namespace tg::conformance
