#include "graph/node.hpp"

#include <cstring>
#include <unordered_map>

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

namespace {

// The hash-consing table: hash -> live nodes with that hash.
std::unordered_multimap<size_t, std::weak_ptr<Node>>& table() {
  static auto* t = new std::unordered_multimap<size_t, std::weak_ptr<Node>>();  // lives until exit
  return *t;
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
  return h;
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
  static uint64_t next = 0;
  return ++next;
}

NodePtr intern(Node&& proto) {
  bool shareable = proto.unique == 0 && proto.op != Op::BUFFER && proto.op != Op::DETACH;
  if (!shareable) return std::make_shared<Node>(std::move(proto));
  proto.hash = hash_of(proto);
  auto range = table().equal_range(proto.hash);
  for (auto it = range.first; it != range.second; ++it)
    if (NodePtr n = it->second.lock(); n && same(*n, proto)) return n;
  auto n = std::make_shared<Node>(std::move(proto));
  table().emplace(n->hash, n);
  return n;
}

Node::~Node() {
  if (hash == 0) return;
  auto range = table().equal_range(hash);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second.expired() && it->second.lock() == nullptr) {
      // An expired entry with our hash: ours (we are being destroyed) or another dead one.
      table().erase(it);
      return;
    }
  }
}

}  // namespace tg::detail
