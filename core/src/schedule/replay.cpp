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

struct LaunchValue {
  int64_t i = 0;  // a shrink's start
  double f = 0;   // a float constant
};

struct Step {
  enum class Kind { KERNEL, COPY, ALIAS, SORT } kind = Kind::KERNEL;
  Device* device = nullptr;
  tg_executable* exe = nullptr;
  std::string name;
  std::vector<uint32_t> params;  // graph positions bound to the kernel's params
  std::vector<bool> written;
  std::vector<std::vector<OffsetTerm>> offsets;  // per param: its offset in bytes, in launch values
  std::vector<uint32_t> scalars;                 // the launch value of each scalar arg
  uint32_t dst = 0, src = 0;     // COPY, SORT: dst; ALIAS: dst takes src's buffer
  std::vector<uint32_t> release; // positions whose buffers were let go after this step (liveness.hpp)
};

struct Recording {
  std::vector<Step> steps;
  std::vector<std::pair<uint32_t, LaunchValue>> guards;  // launch values baked into its programs
  bool cacheable = true;
  bool releases = false;  // some step lets buffers go (then a replay needs this call's Liveness)
};

// The graph being realized: its unrealized nodes and realized inputs, in a fixed order, and
// its launch values (launch_values.hpp), numbered in that order.
struct Graph {
  std::vector<Node*> order;
  NodeIndex position;
  std::string key;
  std::vector<LaunchValue> values;
  std::vector<std::pair<const Node*, uint32_t>> first_value;  // node -> its first launch value
  uint32_t deepest = 0;  // unrealized ops on the longest path down from a root (realize_deep_slices)
};

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

Graph walk(const std::vector<NodePtr>& roots) {
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

// The recording in progress on this thread (threads realize their own graphs at once).
thread_local Graph* g_graph = nullptr;          // the graph being recorded
thread_local Recording* g_recording = nullptr;  // its recording
thread_local Liveness* g_liveness = nullptr;    // its buffers' lifetimes

// After a recorded step: let go of what no later step reads, and remember it for replays.
void recorded(Step&& s) {
  s.release = g_liveness->release_dead();
  g_recording->releases |= !s.release.empty();
  g_recording->steps.push_back(std::move(s));
}

// Shared by all threads (a model trained on several threads records once), under a mutex
// taken once per realize. A recording is immutable once stored and held by shared_ptr, so a
// replay runs unlocked while another thread may clear the cache. Per structure, the
// recordings made so far: they differ in the launch values they guard.
struct Cache {
  std::mutex mutex;
  std::unordered_map<std::string, std::vector<std::shared_ptr<const Recording>>> recordings;
  size_t count = 0;
};
Cache& cache() {
  static auto* c = new Cache();  // lives until exit
  return *c;
}
constexpr size_t kMaxRecordings = 512;
constexpr size_t kMaxRecordingsPerKey = 8;  // (the oldest goes first)

bool same_value(const LaunchValue& a, const LaunchValue& b) {
  return a.i == b.i && std::memcmp(&a.f, &b.f, sizeof a.f) == 0;
}

// The recording of g's structure whose guarded launch values g has, if any.
std::shared_ptr<const Recording> find_recording(const Graph& g) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.recordings.find(g.key);
  if (it == c.recordings.end()) return nullptr;
  for (const auto& r : it->second) {
    bool ok = true;
    for (auto& [var, v] : r->guards) ok &= same_value(g.values[var], v);
    if (ok) return r;
  }
  return nullptr;
}

// forget_recordings() calls so far (under Cache::mutex). A recording made while another
// thread evicted a program it names must not be stored: it is made with the count at its start.
uint64_t g_forgotten = 0;

void store_recording(std::string&& key, Recording&& rec, uint64_t forgotten_at_start) {
  auto stored = std::make_shared<const Recording>(std::move(rec));
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (g_forgotten != forgotten_at_start) return;
  if (c.count >= kMaxRecordings) c.recordings.clear(), c.count = 0;
  auto& recs = c.recordings[std::move(key)];
  if (recs.size() >= kMaxRecordingsPerKey) recs.erase(recs.begin()), c.count--;
  recs.push_back(std::move(stored));
  c.count++;
}

bool position_of(const Node& n, uint32_t* out) {
  const uint32_t* p = g_graph->position.find(&n);
  if (p == nullptr) return false;
  *out = *p;
  return true;
}

// live: what may be let go this time (the roots' holders can differ from the recorded call's);
// null when the recording releases nothing.
void replay(const Recording& rec, const Graph& g, const Liveness* live) {
  std::vector<uint64_t> offsets;
  std::vector<tg_kir_scalar> scalars;
  for (const Step& s : rec.steps) {
    switch (s.kind) {
      case Step::Kind::KERNEL: {
        std::vector<Buffer*> bufs;
        offsets.assign(s.params.size(), 0);
        for (size_t i = 0; i < s.params.size(); i++) {
          Node* n = g.order[s.params[i]];
          if (s.written[i])
            n->buffer = s.device->alloc(n->nbytes());
          bufs.push_back(n->buffer.get());
          for (const OffsetTerm& t : s.offsets[i]) offsets[i] += static_cast<uint64_t>(t.coeff * g.values[t.var].i);
        }
        scalars.clear();
        for (uint32_t v : s.scalars) scalars.push_back(tg_kir_scalar{0, g.values[v].f});
        s.device->launch(s.exe, bufs, s.name, offsets, scalars);
        break;
      }
      case Step::Kind::COPY: {
        Node& n = *g.order[s.dst];
        Node& src = *n.src[0];
        n.buffer = n.device->alloc(n.nbytes());
        std::vector<uint8_t> host(n.buffer->nbytes);
        if (!host.empty()) {
          src.device->read(*src.buffer, host.data(), host.size());
          n.device->write(*n.buffer, host.data(), host.size());
        }
        break;
      }
      case Step::Kind::ALIAS: g.order[s.dst]->buffer = g.order[s.src]->buffer; break;
      case Step::Kind::SORT: sort_into(*g.order[s.dst]); break;
    }
    for (uint32_t p : s.release)
      if (live->releasable(p)) g.order[p]->buffer.reset();
  }
}

// How many unrealized ops deep one realize() lowers at most. Lowering a kernel and realizing
// the kernels it depends on recurse once per op of depth (a fused chain is one expression; about
// 500 bytes of stack per op): a 15,000-op chain overflowed the stack. A graph deeper than this
// is realized from the bottom up in slices of this depth, each an ordinary realize(): under
// 300 KB of stack (tests/test_limits.cpp runs them on a 512 KiB thread; 288 KiB passes too).
// The MLP and CNN training steps are never sliced; `total = total + loss` over an epoch is.
constexpr uint32_t kMaxDepth = 512;

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

}  // namespace

void record_kernel(Device& dev, tg_executable* exe, const std::string& name, const std::vector<NodePtr>& params,
                   const std::vector<bool>& written, const std::vector<std::vector<OffsetTerm>>& param_terms,
                   const std::vector<uint32_t>& scalar_vars) {
  if (!g_recording) return;
  Step s;
  s.kind = Step::Kind::KERNEL;
  s.device = &dev;
  s.exe = exe;
  s.name = name;
  s.written = written;
  s.scalars = scalar_vars;
  s.offsets = param_terms;
  for (size_t i = 0; i < params.size(); i++)  // elements -> bytes
    for (OffsetTerm& t : s.offsets[i]) t.coeff *= dtype_size(params[i]->dtype);
  for (auto& p : params) {
    uint32_t pos;
    if (!position_of(*p, &pos)) return record_uncacheable();
    s.params.push_back(pos);
  }
  recorded(std::move(s));
}

void record_copy(const Node& n) {
  if (!g_recording) return;
  Step s;
  s.kind = Step::Kind::COPY;
  if (!position_of(n, &s.dst)) return record_uncacheable();
  recorded(std::move(s));
}

void record_sort(const Node& n) {
  if (!g_recording) return;
  Step s;
  s.kind = Step::Kind::SORT;
  if (!position_of(n, &s.dst)) return record_uncacheable();
  recorded(std::move(s));
}

void record_alias(const Node& dst, const Node& src) {
  if (!g_recording) return;
  Step s;
  s.kind = Step::Kind::ALIAS;
  if (!position_of(dst, &s.dst) || !position_of(src, &s.src)) return record_uncacheable();
  recorded(std::move(s));
}

bool literal_float(double v) {
  return v == 0 || v == 1 || v == -1 || v == 0.5 || v == 2 || std::isinf(v) || std::isnan(v);
}

namespace {
const uint32_t* first_value_of(const Node& n) {
  if (!g_graph) return nullptr;
  for (const auto& [node, first] : g_graph->first_value)
    if (node == &n) return &first;
  return nullptr;
}
}  // namespace

int32_t shrink_var(const Node& m, size_t d) {
  const uint32_t* first = m.op == Op::SHRINK ? first_value_of(m) : nullptr;
  return first ? static_cast<int32_t>(*first + d) : -1;
}

int32_t scalar_var(const Node& c) {
  const uint32_t* first = c.op == Op::CONST ? first_value_of(c) : nullptr;
  return first ? static_cast<int32_t>(*first) : -1;
}

int64_t var_int(uint32_t var) { return g_graph->values[var].i; }
double var_float(uint32_t var) { return g_graph->values[var].f; }

void guard_var(uint32_t var) {
  if (!g_recording) return;
  for (auto& [v, value] : g_recording->guards)
    if (v == var) return;
  g_recording->guards.emplace_back(var, g_graph->values[var]);
}

void forget_recordings() {
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    c.recordings.clear();
    c.count = 0;
    g_forgotten++;
  }
  record_uncacheable();
}

void record_uncacheable() {
  if (g_recording) g_recording->cacheable = false;
}

void realize_with_cache(const std::vector<NodePtr>& roots, const std::function<void()>& realize_now) {
  bool all_done = true;
  for (auto& r : roots) all_done &= r->realized();
  if (all_done) return;
  RealizeInFlight in_flight;  // keeps programs another thread evicts alive until we are done
  Graph g = walk(roots);
  if (realize_deep_slices(g)) {
    all_done = true;
    for (auto& r : roots) all_done &= r->realized();
    if (all_done) return;
    g = walk(roots);
  }
  if (auto found = find_recording(g)) {
    // Most replays let nothing go (every buffer is held by a tensor): skip the reachability walk.
    std::optional<Liveness> live;
    if (found->releases) live.emplace(roots, g.order, g.position);
    replay(*found, g, live ? &*live : nullptr);
  } else {
    Recording made;
    uint64_t forgotten_at_start;
    {
      std::lock_guard<std::mutex> lock(cache().mutex);
      forgotten_at_start = g_forgotten;
    }
    Liveness live(roots, g.order, g.position);
    g_graph = &g;
    g_recording = &made;
    g_liveness = &live;
    try {
      realize_now();
    } catch (...) {
      g_graph = nullptr;
      g_recording = nullptr;
      g_liveness = nullptr;
      throw;
    }
    g_graph = nullptr;
    g_recording = nullptr;
    g_liveness = nullptr;
    if (made.cacheable) store_recording(std::move(g.key), std::move(made), forgotten_at_start);
  }
  // A realized DETACH keeps its value, not its history: dropping its sources frees the graph
  // (and buffers) behind it, which is what keeps a training loop's memory flat.
  // (Only when it has some: a realized input that several threads read is not written.)
  for (Node* n : g.order)
    if (n->op == Op::DETACH && n->realized() && !n->src.empty()) n->src.clear();
}

}  // namespace tg::detail
