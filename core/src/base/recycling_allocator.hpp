#pragma once
// RecyclingAllocator<T>: an allocator that keeps freed blocks of one size on a list and hands
// them out again. A training step builds a few hundred graph nodes, realizes them and
// frees them, every step; glibc's per-thread cache holds only 7 blocks of a size, so the rest went
// through malloc's slow paths (bin sorting, coalescing: 20% of the MLP step's host time). With
// std::allocate_shared this recycles the node and its reference counts as one block.
//
// The lists are per thread, so threads building graphs at once take no lock: a block freed on
// another thread than the one that allocated it simply joins that thread's list (any block of
// the size will do). A thread's list is given back to the heap when the thread ends.
#include <cstddef>
#include <new>

namespace tg::detail {

template <typename T>
class RecyclingAllocator {
 public:
  using value_type = T;
  RecyclingAllocator() = default;
  template <typename U>
  RecyclingAllocator(const RecyclingAllocator<U>&) {}  // NOLINT: rebinding is implicit

  T* allocate(size_t n) {
    if (n == 1) {
      List& l = list_;
      if (l.head != nullptr) {
        Free* f = l.head;
        l.head = f->next;
        --l.count;
        return reinterpret_cast<T*>(f);
      }
    }
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{kAlign}));
  }
  void deallocate(T* p, size_t n) {
    List& l = list_;
    if (n == 1 && l.count < kKeep && !l.closed) {
      if (l.head == nullptr) drain_at_exit();
      Free* f = reinterpret_cast<Free*>(p);
      f->next = l.head;
      l.head = f;
      ++l.count;
      return;
    }
    ::operator delete(p, std::align_val_t{kAlign});
  }
  template <typename U>
  bool operator==(const RecyclingAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const RecyclingAllocator<U>&) const { return false; }

 private:
  struct Free {
    Free* next;
  };
  static_assert(sizeof(T) >= sizeof(Free), "a recycled block holds the free list's link");
  static constexpr size_t kAlign = alignof(T) > alignof(Free) ? alignof(T) : alignof(Free);
  // Up to this many free blocks (about 1 MB for graph nodes); the rest go back. None under
  // AddressSanitizer, so that a use of a freed node is still reported.
#if defined(__SANITIZE_ADDRESS__)  // GCC
  static constexpr size_t kKeep = 0;
#elif defined(__has_feature)  // Clang
#if __has_feature(address_sanitizer)
  static constexpr size_t kKeep = 0;
#else
  static constexpr size_t kKeep = 4096;
#endif
#else
  static constexpr size_t kKeep = 4096;
#endif
  // Trivially destructible, so it is usable at any point of a thread's life (a node freed by a
  // static's destructor after the thread's thread_locals are gone finds `closed` and frees).
  struct List {
    Free* head;
    size_t count;
    bool closed;  // the thread is ending: blocks go straight back to the heap
  };
  static thread_local List list_;
  // Gives the list's blocks back when the thread ends (registered when the list first fills).
  struct Drain {
    ~Drain() {
      List& l = list_;
      l.closed = true;
      while (l.head != nullptr) {
        Free* f = l.head;
        l.head = f->next;
        ::operator delete(f, std::align_val_t{kAlign});
      }
      l.count = 0;
    }
  };
  static void drain_at_exit() {
    thread_local Drain drain;
    (void)drain;
  }
};

template <typename T>
thread_local typename RecyclingAllocator<T>::List RecyclingAllocator<T>::list_{};

}  // namespace tg::detail
