#include "schedule/replay.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "graph/node_index.hpp"
#include "runtime/plugin_host.hpp"
#include "runtime/runtime.hpp"
#include "schedule/liveness.hpp"
#include "schedule/schedule.hpp"
#include "tg/plugin.h"

namespace tg::detail {
namespace {

// The graph's structure as words, appended per node: a training step walks a few hundred
// nodes every call, so this stays a push_back per field and the key becomes a string once
// (a std::string append per field, and three map operations per node, cost the MLP step 45 us).
class KeyWords {
 public:
  template <typename T>
  void put(const T& v) {
    static_assert(sizeof(T) <= sizeof(uint64_t));
    uint64_t w = 0;
    std::memcpy(&w, &v, sizeof v);
    words_.push_back(w);
  }
  std::string str() const {
    return std::string(reinterpret_cast<const char*>(words_.data()), words_.size() * sizeof(uint64_t));
  }
  void reserve(size_t n) { words_.reserve(n); }
  size_t size() const { return words_.size(); }

 private:
  std::vector<uint64_t> words_;
};

}  // namespace

Graph walk_graph(const std::vector<NodePtr>& roots) {
  // Sized like this thread's last walk: a training loop walks the same graph every step.
  thread_local size_t last_nodes = 0, last_words = 0;
  Graph g;
  g.position.reserve(last_nodes);
  g.order.reserve(last_nodes);
  KeyWords key;
  key.reserve(last_words);
  struct Frame {
    Node* n;
    size_t next_src;
  };
  std::vector<Frame> stack;
  std::vector<uint32_t> depth;  // per position: unrealized ops on the longest path down from it
  depth.reserve(last_nodes);
  auto visit = [&](Node* n) {
    if (g.position.try_emplace(n, UINT32_MAX).second) stack.push_back({n, 0});  // UINT32_MAX: in progress
  };
  for (auto& r : roots) {
    visit(r.get());
    while (!stack.empty()) {
      Frame& f = stack.back();
      Node* n = f.n;
      if (!n->realized() && f.next_src < n->src.size()) {
        visit(n->src[f.next_src++].get());
        continue;
      }
      g.position.set(n, static_cast<uint32_t>(g.order.size()));
      g.order.push_back(n);
      uint32_t d = 0;
      // The node's structure: realized nodes are inputs (only their type matters).
      key.put(n->realized());
      key.put(n->op);
      key.put(n->dtype);
      key.put(n->device.get());
      key.put(n->shape.size());
      for (int64_t d : n->shape) key.put(d);
      if (!n->realized()) {
        key.put(n->src.size());
        for (auto& s : n->src) {
          const uint32_t p = g.position.at(s.get());
          key.put(p);
          d = std::max(d, depth[p]);
        }
        ++d;
        // A host float constant and a shrink's starts are launch values: the key has their
        // place, not their value.
        const bool scalar = n->op == Op::CONST && is_float(n->dtype) && !literal_float(n->fvalue);
        const bool shrink = n->op == Op::SHRINK;
        if (scalar || shrink) g.first_value.emplace_back(n, static_cast<uint32_t>(g.values.size()));
        if (scalar) {
          g.values.push_back(LaunchValue{0, n->fvalue});
          key.put(uint64_t{0x5ca1a5});
        } else {
          key.put(n->fvalue);
        }
        key.put(n->ivalue);
        key.put(n->reduce_op);
        key.put(n->dims.size());
        for (int64_t d : n->dims) key.put(d);
        key.put(n->ranges.size());
        for (auto& [a, b] : n->ranges) {
          if (shrink) {
            g.values.push_back(LaunchValue{a, 0});
            key.put(b - a);
          } else {
            key.put(a), key.put(b);
          }
        }
      }
      depth.push_back(d);
      g.deepest = std::max(g.deepest, d);
      stack.pop_back();
    }
  }
  key.put(roots.size());
  for (auto& r : roots) key.put(g.position.at(r.get()));
  last_nodes = g.order.size();
  last_words = key.size();
  g.key = key.str();
  return g;
}

namespace {

// Shared by all threads (a model trained on several threads builds its schedule once), under
// a mutex taken once per realize. A schedule is immutable once stored and held by shared_ptr,
// so one runs unlocked while another thread may clear the cache. Per structure, the schedules
// made so far: they differ in the launch values they guard.
struct Cache {
  std::mutex mutex;
  std::unordered_map<std::string, std::vector<std::shared_ptr<const Schedule>>> schedules;
  size_t count = 0;
  // forget_schedules() calls so far. A schedule built while another thread evicted a program
  // it names must not be stored: it is stored with the count at its start.
  uint64_t generation = 0;
};
Cache& cache() {
  static auto* c = new Cache();  // lives until exit
  return *c;
}
constexpr size_t kMaxSchedules = 512;
constexpr size_t kMaxSchedulesPerKey = 8;  // (the oldest goes first)

bool same_value(const LaunchValue& a, const LaunchValue& b) {
  return a.i == b.i && std::memcmp(&a.f, &b.f, sizeof a.f) == 0;
}

// How many unrealized ops deep one realize() lowers at most. Lowering a kernel and realizing
// the kernels it depends on recurse once per op of depth (a fused chain is one expression; about
// 500 bytes of stack per op): a 15,000-op chain overflowed the stack. A graph deeper than this
// is realized from the bottom up in slices of this depth, each an ordinary realize(): under
// 300 KB of stack (tests/api/test_limits.cpp runs them on a 512 KiB thread; 288 KiB passes too).
// The MLP and CNN training steps are never sliced; `total = total + loss` over an epoch is.
constexpr uint32_t kMaxDepth = 512;

}  // namespace

// Realizes the nodes of g at every kMaxDepth levels of unrealized ops, sources first, so that
// no unrealized chain in g is longer than kMaxDepth. Whether it realized any.
bool realize_deep_slices(const Graph& g) {
  // The common case: walk() measured the depth on its way (a second pass over a generated
  // token's graph of ~1000 nodes, a hash lookup per edge, was a quarter of the token's time).
  if (g.order.size() <= kMaxDepth || g.deepest <= kMaxDepth) return false;
  std::vector<uint32_t> depth(g.order.size(), 0);
  // Unrealized ops on the longest path down from each node, realized nodes 0 (with every node
  // of `cut` depth or more realized first when cut is set). The deepest.
  auto depths = [&](bool cut) {
    uint32_t deepest = 0;
    for (size_t p = 0; p < g.order.size(); p++) {
      Node* n = g.order[p];
      if (n->realized()) {
        depth[p] = 0;
        continue;
      }
      uint32_t d = 0;
      for (const NodePtr& s : n->src) d = std::max(d, depth[g.position.at(s.get())]);
      if (++d >= kMaxDepth && cut) {
        realize(n->shared_from_this());  // n's own graph is kMaxDepth deep: no slicing there
        d = 0;
      }
      depth[p] = d;
      deepest = std::max(deepest, d);
    }
    return deepest;
  };
  const uint32_t deepest = depths(false);
  if (deepest <= kMaxDepth) return false;
  debug_log("realize: the graph is " + std::to_string(deepest) + " ops deep; realizing it in slices of " +
            std::to_string(kMaxDepth));
  depths(true);
  return true;
}


std::shared_ptr<const Schedule> find_schedule(const Graph& g) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.schedules.find(g.key);
  if (it == c.schedules.end()) return nullptr;
  for (const auto& s : it->second) {
    bool ok = true;
    for (auto& [var, v] : s->guards) ok &= same_value(g.values[var], v);
    if (ok) return s;
  }
  return nullptr;
}

uint64_t schedule_cache_generation() {
  std::lock_guard<std::mutex> lock(cache().mutex);
  return cache().generation;
}

void store_schedule(std::string&& key, Schedule&& s, uint64_t generation) {
  if (!s.cacheable) return;
  for (ScheduleItem& item : s.items) item.program.reset();  // (compiled: exe runs it)
  auto stored = std::make_shared<const Schedule>(std::move(s));
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (c.generation != generation) return;
  if (c.count >= kMaxSchedules) c.schedules.clear(), c.count = 0;
  auto& list = c.schedules[std::move(key)];
  if (list.size() >= kMaxSchedulesPerKey) list.erase(list.begin()), c.count--;
  list.push_back(std::move(stored));
  c.count++;
}

void forget_schedules() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.schedules.clear();
  c.count = 0;
  c.generation++;
}

bool literal_float(double v) {
  return v == 0 || v == 1 || v == -1 || v == 0.5 || v == 2 || std::isinf(v) || std::isnan(v);
}

}  // namespace tg::detail
