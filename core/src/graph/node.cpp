#include "graph/node.hpp"

#include <atomic>
#include <cstring>
#include <mutex>  // std::lock_guard
#include <vector>

#include "base/recycling_allocator.hpp"
#include "base/spin_lock.hpp"
#include "runtime/runtime.hpp"

namespace tg::detail {

const char* op_name(Op op) {
  switch (op) {
    case Op::BUFFER: return "BUFFER";
    case Op::CONST: return "CONST";
    case Op::CAST: return "CAST";
    case Op::EXP2: return "EXP2";
    case Op::LOG2: return "LOG2";
    case Op::SIN: return "SIN";
    case Op::SQRT: return "SQRT";
    case Op::RECIP: return "RECIP";
    case Op::NEG: return "NEG";
    case Op::TRUNC: return "TRUNC";
    case Op::ADD: return "ADD";
    case Op::MUL: return "MUL";
    case Op::MAX: return "MAX";
    case Op::CMPLT: return "CMPLT";
    case Op::CMPNE: return "CMPNE";
    case Op::IDIV: return "IDIV";
    case Op::MOD: return "MOD";
    case Op::AND: return "AND";
    case Op::OR: return "OR";
    case Op::XOR: return "XOR";
    case Op::SHL: return "SHL";
    case Op::SHR: return "SHR";
    case Op::WHERE: return "WHERE";
    case Op::REDUCE: return "REDUCE";
    case Op::RESHAPE: return "RESHAPE";
    case Op::PERMUTE: return "PERMUTE";
    case Op::EXPAND: return "EXPAND";
    case Op::PAD: return "PAD";
    case Op::SHRINK: return "SHRINK";
    case Op::FLIP: return "FLIP";
    case Op::WINDOW: return "WINDOW";
    case Op::CONTIGUOUS: return "CONTIGUOUS";
    case Op::DETACH: return "DETACH";
    case Op::COPY: return "COPY";
    case Op::CONV: return "CONV";
    case Op::POW: return "POW";
    case Op::GATHER: return "GATHER";
    case Op::SCATTER_ADD: return "SCATTER_ADD";
    case Op::ARGSORT: return "ARGSORT";
  }
  return "?";
}

bool is_elementwise(Op op) { return op >= Op::CAST && op <= Op::WHERE; }
bool is_movement(Op op) { return op >= Op::RESHAPE && op <= Op::WINDOW; }

int64_t Node::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

uint64_t Node::nbytes() const {
  uint64_t b;
  if (__builtin_mul_overflow(static_cast<uint64_t>(numel()), static_cast<uint64_t>(dtype_size(dtype)), &b)) return UINT64_MAX;
  return b;
}

// The hash-consing table: every live shareable node, found by its hash and structure. Open
// addressing over raw pointers: a node takes itself out in its destructor (before its sources
// go), so no entry outlives its node, and a lookup or an insert allocates nothing. A training
// step creates and frees hundreds of nodes (the MLP step ~400); a std::unordered_multimap of
// weak_ptrs, a heap node per entry, cost it 10-15 us more.
//
// One table per thread (see intern()). Its lock is almost always uncontended: only a node
// freed on another thread than its own takes it from elsewhere. A table outlives its thread
// while nodes of it live, and goes with the last of them.
class InternTable {
 public:
  SpinLock lock;
  bool orphaned = false;  // its thread has ended: delete it when it holds no node
  size_t live() const { return live_; }

  // The live node with n's hash and structure, or null.
  template <typename Same>
  Node* find(size_t hash, const Same& same) const {  // same(Node&) says whether it is the one
    if (slots_.empty()) return nullptr;
    for (size_t i = hash & mask(); slots_[i] != nullptr; i = (i + 1) & mask())
      if (slots_[i] != tomb() && slots_[i]->hash == hash && same(*slots_[i])) return slots_[i];
    return nullptr;
  }
  void insert(Node* n) {
    if ((used_ + 1) * 4 > slots_.size() * 3) rebuild();
    size_t i = n->hash & mask();
    while (slots_[i] != nullptr && slots_[i] != tomb()) i = (i + 1) & mask();
    if (slots_[i] == nullptr) used_++;
    slots_[i] = n;
    live_++;
  }
  void erase(const Node* n) {
    if (slots_.empty()) return;
    for (size_t i = n->hash & mask(); slots_[i] != nullptr; i = (i + 1) & mask())
      if (slots_[i] == n) {
        slots_[i] = tomb();
        live_--;
        return;
      }
  }

 private:
  std::vector<Node*> slots_;  // null: never used; tomb(): a removed entry (probes go on past it)
  size_t used_ = 0;           // slots not null (live + tombs)
  size_t live_ = 0;
  size_t mask() const { return slots_.size() - 1; }
  static Node* tomb() { return reinterpret_cast<Node*>(alignof(Node)); }
  // Twice the live entries' room (at least 1024 slots), tombs dropped.
  void rebuild() {
    size_t size = 1024;
    while (size * 3 < (live_ + 1) * 8) size *= 2;
    std::vector<Node*> old;
    old.swap(slots_);
    slots_.assign(size, nullptr);
    used_ = live_ = 0;
    for (Node* n : old)
      if (n != nullptr && n != tomb()) insert(n);
  }
};

namespace {

// This thread's table. Trivially destructible, so it can be read at any point of the thread's
// life: null once the thread is ending (nodes made then are simply not shared).
thread_local InternTable* t_table = nullptr;
thread_local bool t_table_gone = false;

struct TableOwner {
  ~TableOwner() {
    InternTable* t = t_table;
    t_table = nullptr;
    t_table_gone = true;
    if (t == nullptr) return;
    bool empty;
    {
      std::lock_guard<SpinLock> locked(t->lock);
      t->orphaned = true;
      empty = t->live() == 0;
    }
    if (empty) delete t;
  }
};

InternTable* this_thread_table() {
  if (t_table == nullptr && !t_table_gone) {
    thread_local TableOwner owner;  // orphans the table when the thread ends
    (void)owner;
    t_table = new InternTable();
  }
  return t_table;
}

void mix(size_t& h, uint64_t v) { h ^= std::hash<uint64_t>{}(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); }

size_t hash_of(const Node& n) {
  size_t h = 0;
  mix(h, static_cast<uint64_t>(n.op));
  mix(h, static_cast<uint64_t>(n.dtype));
  for (int64_t d : n.shape) mix(h, static_cast<uint64_t>(d));
  mix(h, reinterpret_cast<uintptr_t>(n.device.get()));
  for (auto& s : n.src) mix(h, reinterpret_cast<uintptr_t>(s.get()));
  uint64_t fbits;
  static_assert(sizeof(fbits) == sizeof(n.fvalue));
  std::memcpy(&fbits, &n.fvalue, sizeof fbits);
  mix(h, fbits);
  mix(h, static_cast<uint64_t>(n.ivalue));
  mix(h, static_cast<uint64_t>(n.reduce_op));
  for (int64_t d : n.dims) mix(h, static_cast<uint64_t>(d) + 1);
  for (auto& [a, b] : n.ranges) mix(h, static_cast<uint64_t>(a) * 31 + static_cast<uint64_t>(b));
  mix(h, n.unique);
  return h != 0 ? h : 1;  // 0 marks a node that is not in the table
}

bool same(const Node& a, const Node& b) {
  if (a.op != b.op || a.dtype != b.dtype || a.shape != b.shape || a.device != b.device) return false;
  if (a.src.size() != b.src.size()) return false;
  for (size_t i = 0; i < a.src.size(); i++)
    if (a.src[i] != b.src[i]) return false;
  return std::memcmp(&a.fvalue, &b.fvalue, sizeof a.fvalue) == 0 && a.ivalue == b.ivalue &&
         a.reduce_op == b.reduce_op && a.dims == b.dims && a.ranges == b.ranges && a.unique == b.unique;
}

}  // namespace

uint64_t next_unique_id() {
  static std::atomic<uint64_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) + 1;
}

NodePtr intern(Node&& proto) {
  bool shareable = proto.unique == 0 && proto.op != Op::BUFFER && proto.op != Op::DETACH;
  InternTable* t = shareable ? this_thread_table() : nullptr;
  proto.table = nullptr;
  proto.hash = 0;
  if (t == nullptr) return std::allocate_shared<Node>(RecyclingAllocator<Node>(), std::move(proto));
  proto.hash = hash_of(proto);
  std::lock_guard<SpinLock> locked(t->lock);
  NodePtr found;
  t->find(proto.hash, [&](Node& n) {
    if (!same(n, proto)) return false;
    try {
      found = n.shared_from_this();
      return true;
    } catch (const std::bad_weak_ptr&) {
      // Its last handle went on another thread, whose ~Node waits for this lock to take it
      // out: it is dying, so look on (and make a new one if there is no other).
      return false;
    }
  });
  if (found) return found;
  proto.table = t;
  auto n = std::allocate_shared<Node>(RecyclingAllocator<Node>(), std::move(proto));
  proto.table = nullptr;  // the moved-from prototype is in no table: its destructor need not look
  t->insert(n.get());
  return n;
}

namespace {

// Freeing a graph recursed once per op (each ~Node freed its sources in its own destructor):
// dropping an unrealized chain of 120,000 ops (`total = total + loss` over an epoch) overflowed
// the stack. Now ~Node recurses at most kMaxNested deep; past that, a node hands the sources it
// holds the last reference to over to a per-thread list, and the outermost ~Node frees that
// list in a loop. Ordinary graphs never reach the list: their cost is a counter per node.
// (Trivially destructible and constant-initialized: no exit-time order issue for a node a
// static holds, and no guard on the path every node takes. Not initial-exec TLS: that saved ~11
// instructions per node but made libtg fail to load where the static TLS block was full.)
constexpr uint32_t kMaxNested = 64;
struct Teardown {
  uint32_t depth = 0;                       // ~Node calls in progress on this thread
  std::vector<NodePtr>* pending = nullptr;  // while a deep teardown runs
};
thread_local Teardown t_teardown;

void release_sources(Sources& src) {
  Teardown& t = t_teardown;
  if (t.depth >= kMaxNested) {
    for (NodePtr& s : src)
      if (s.use_count() == 1) {  // this reference is the last: freeing it would go deeper
        if (t.pending == nullptr) t.pending = new std::vector<NodePtr>();
        t.pending->push_back(std::move(s));
      }
    src.clear();  // the rest only lose a reference
    return;
  }
  ++t.depth;
  src.clear();
  if (t.depth == 1)  // the outermost: free what was handed over, each again at most kMaxNested deep
    while (t.pending != nullptr && !t.pending->empty()) {
      NodePtr n = std::move(t.pending->back());
      t.pending->pop_back();
      n.reset();
    }
  if (t.depth == 1 && t.pending != nullptr) {  // only a deep teardown made it: no leak per thread
    delete t.pending;
    t.pending = nullptr;
  }
  --t.depth;
}

}  // namespace

Node::~Node() {
  if (table != nullptr) {
    bool last;
    {
      std::lock_guard<SpinLock> locked(table->lock);
      table->erase(this);
      last = table->orphaned && table->live() == 0;
    }
    if (last) delete table;
  }
  if (!src.empty()) release_sources(src);
}

}  // namespace tg::detail
