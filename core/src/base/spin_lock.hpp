#pragma once
// SpinLock: a lock for short critical sections that are almost never contended, such as a
// thread's own hash-consing table (graph/node.cpp), taken for every node built and freed. It
// costs one atomic exchange to take and a plain store to give back, where std::mutex costs two
// atomic read-modify-writes; a waiter yields its time slice rather than burn it.
#include <atomic>
#include <thread>

namespace tg::detail {

class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire))
      while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace tg::detail
