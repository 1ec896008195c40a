#pragma once
// A device's compiled programs by content, least recently used first out: a process that
// builds programs without end (a shape per call) keeps at most `capacity` of them. An evicted
// program needed again is compiled again (plugins with a disk cache load it from there).
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

struct tg_executable;

namespace tg::detail {

class ProgramCache {
 public:
  // The program under key, now the most recently used; nullptr if absent.
  tg_executable* find(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }
  // Adds exe under key; returns the programs that no longer fit (the caller frees them).
  std::list<std::pair<std::string, tg_executable*>> add(const std::string& key, tg_executable* exe, size_t capacity) {
    order_.emplace_front(key, exe);
    index_[key] = order_.begin();
    std::list<std::pair<std::string, tg_executable*>> evicted;
    while (order_.size() > (capacity ? capacity : 1)) {
      index_.erase(order_.back().first);
      evicted.splice(evicted.end(), order_, std::prev(order_.end()));
    }
    return evicted;
  }
  size_t size() const { return order_.size(); }
  auto begin() const { return order_.begin(); }
  auto end() const { return order_.end(); }

 private:
  std::list<std::pair<std::string, tg_executable*>> order_;  // most recently used first
  std::unordered_map<std::string, std::list<std::pair<std::string, tg_executable*>>::iterator> index_;
};

}  // namespace tg::detail
