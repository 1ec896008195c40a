#pragma once
// NodeIndex: node -> its index in a walk's order, for the graph walks every realize() and
// backward() does (the schedule cache's key, liveness, the gradient pass). A training step walks a few hundred nodes per call; a
// std::unordered_map allocated and freed a heap node per entry, which with the rest of the
// walk's map work was a tenth of the MLP step's host time. This is open addressing over raw
// pointers: inserts and lookups allocate nothing once the table is sized.
#include <cstdint>
#include <vector>

#include "base/internal_check.hpp"
#include "graph/node.hpp"

namespace tg::detail {

class NodeIndex {
 public:
  // Room for n entries without growing.
  void reserve(size_t n) {
    if (n * 2 > slots_.size()) grow(n * 2);
  }
  // n's index if it has one, else `index` becomes it; returns {n's index, whether it was new}.
  std::pair<uint32_t, bool> try_emplace(const Node* n, uint32_t index) {
    if ((size_ + 1) * 2 > slots_.size()) grow((size_ + 1) * 2);
    Slot& s = slots_[slot_of(n)];
    if (s.node == n) return {s.index, false};
    s = {n, index};
    ++size_;
    return {index, true};
  }
  // Sets the index of n, which must be in the index.
  void set(const Node* n, uint32_t index) { slots_[slot_of(n)].index = index; }
  // n's index, or null when n is not in the index.
  const uint32_t* find(const Node* n) const {
    if (slots_.empty()) return nullptr;
    const Slot& s = slots_[slot_of(n)];
    return s.node == n ? &s.index : nullptr;
  }
  uint32_t at(const Node* n) const {
    const uint32_t* i = find(n);
    TG_INTERNAL_CHECK(i != nullptr, "NodeIndex::at: the node is not in the walk");
    return *i;
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    const Node* node = nullptr;
    uint32_t index = 0;
  };
  std::vector<Slot> slots_;  // a power of two long, at most half full
  size_t size_ = 0;

  // Where n's slot is, or the empty one where it would go.
  size_t slot_of(const Node* n) const {
    const size_t mask = slots_.size() - 1;
    // Nodes are heap objects at least 16 bytes apart: drop the low bits, then mix.
    size_t i = static_cast<size_t>((reinterpret_cast<uintptr_t>(n) >> 4) * 0x9E3779B97F4A7C15ULL >> 20) & mask;
    while (slots_[i].node != nullptr && slots_[i].node != n) i = (i + 1) & mask;
    return i;
  }
  void grow(size_t at_least) {
    size_t size = 64;
    while (size < at_least) size *= 2;
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(size, Slot{});
    for (const Slot& s : old)
      if (s.node != nullptr) slots_[slot_of(s.node)] = s;
  }
};

}  // namespace tg::detail
