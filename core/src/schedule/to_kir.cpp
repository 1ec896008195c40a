// Lowered kernel -> tg.kir: numbers the nodes, dedupes params, views and constants, and states
// every view over the kernel's full iteration space.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "base/internal_check.hpp"
#include "schedule/lowered.hpp"
#include "schedule/schedule_context.hpp"
#include "tg/error.hpp"
#include "tg/shape.hpp"

namespace tg::detail {
namespace {

uint32_t kir_op(Op op) {
  switch (op) {
    case Op::CAST: return TG_KIR_CAST;
    case Op::EXP2: return TG_KIR_EXP2;
    case Op::LOG2: return TG_KIR_LOG2;
    case Op::SIN: return TG_KIR_SIN;
    case Op::SQRT: return TG_KIR_SQRT;
    case Op::RECIP: return TG_KIR_RECIP;
    case Op::NEG: return TG_KIR_NEG;
    case Op::TRUNC: return TG_KIR_TRUNC;
    case Op::ADD: return TG_KIR_ADD;
    case Op::MUL: return TG_KIR_MUL;
    case Op::MAX: return TG_KIR_MAX;
    case Op::CMPLT: return TG_KIR_CMPLT;
    case Op::CMPNE: return TG_KIR_CMPNE;
    case Op::IDIV: return TG_KIR_IDIV;
    case Op::MOD: return TG_KIR_MOD;
    case Op::AND: return TG_KIR_AND;
    case Op::OR: return TG_KIR_OR;
    case Op::XOR: return TG_KIR_XOR;
    case Op::SHL: return TG_KIR_SHL;
    case Op::SHR: return TG_KIR_SHR;
    case Op::WHERE: return TG_KIR_WHERE;
    case Op::BUFFER: case Op::CONST: case Op::REDUCE: case Op::RESHAPE: case Op::PERMUTE: case Op::EXPAND:
    case Op::PAD: case Op::SHRINK: case Op::FLIP: case Op::WINDOW: case Op::CONTIGUOUS: case Op::DETACH:
    case Op::COPY: case Op::CONV: case Op::POW: case Op::GATHER: case Op::SCATTER_ADD: case Op::ARGSORT: break;
  }
  TG_INTERNAL_ERROR(std::string(op_name(op)) + " is not a tg.kir ALU op");
}

uint32_t kir_reduce(ReduceOp r) {
  switch (r) {
    case ReduceOp::SUM: return TG_REDUCE_SUM;
    case ReduceOp::MAX: return TG_REDUCE_MAX;
    case ReduceOp::PROD: return TG_REDUCE_PROD;
  }
  return TG_REDUCE_SUM;
}

class Emitter {
 public:
  // full: the iteration space; out: the output space (full with reduced axes set to 1).
  Emitter(ScheduleContext& ctx, KirProgram& p, const Dims& full, const Dims& out, bool scalar_args)
      : ctx_(ctx), p_(p), full_(full), out_(out), scalar_args_(scalar_args) {}

  // l's kir node, its sources' first. By an explicit stack, sources before users: a kernel can
  // be a fused chain a thousand ops deep (the schedule's limit), and a recursion per op took
  // ~600 bytes of stack each. (emit_uncached's own emit() calls then find their sources done.)
  int32_t emit(const LPtr& l) {
    if (auto it = done_.find(l.get()); it != done_.end()) return it->second;
    std::vector<std::pair<const LNode*, size_t>> stack{{l.get(), 0}};
    while (!stack.empty()) {
      const LNode* n = stack.back().first;
      size_t& next = stack.back().second;
      if (next < n->src.size()) {
        const LNode* s = n->src[next++].get();
        if (!done_.count(s)) stack.push_back({s, 0});
        continue;
      }
      if (!done_.count(n)) done_[n] = emit_uncached(*n);
      stack.pop_back();
    }
    return done_.at(l.get());
  }

  // The param bound to node's buffer from the launch offset `terms` make (none: from its start).
  // A node read at several such offsets is several params.
  int32_t param(const NodePtr& node, uint32_t access, const std::vector<OffsetTerm>& terms = {}) {
    std::string key(reinterpret_cast<const char*>(terms.data()), terms.size() * sizeof(OffsetTerm));
    auto k = std::make_pair(node.get(), key);
    if (auto it = params_.find(k); it != params_.end()) return it->second;
    int32_t id = static_cast<int32_t>(p_.params.size());
    // With an offset the param holds only what the program reads (grown by each LOAD): a
    // program's text must not depend on where the window is.
    p_.params.push_back(tg_kir_param{static_cast<uint32_t>(node->dtype), access, terms.empty() ? node->numel() : 0});
    int64_t offset = 0;
    for (const OffsetTerm& t : terms) offset += t.coeff * ctx_.var_int(t.var);
    p_.param_offsets.push_back(offset);
    p_.param_terms.push_back(terms);
    bound->push_back(node);
    params_[k] = id;
    return id;
  }

  // The lowest and highest element a view reaches over the kernel's space (inside its box mask).
  std::pair<int64_t, int64_t> reach(const tg_kir_view& v) const {
    int64_t lo = v.offset, hi = v.offset;
    for (size_t d = 0; d < full_.size(); d++) {
      int64_t b = v.has_mask ? v.mask_begin[d] : 0, e = v.has_mask ? v.mask_end[d] : full_[d];
      if (e <= b) return {0, -1};  // nothing is read
      const int64_t x = b * v.strides[d], y = (e - 1) * v.strides[d];
      lo += std::min(x, y);
      hi += std::max(x, y);
    }
    return {lo, hi};
  }

  // The reduces emitted, by the graph node they compute, with their kir node.
  std::vector<std::pair<NodePtr, int32_t>> reduces;

  // A view of a node of shape `shape` (size 1 where it broadcasts over the full space), or -1
  // when nothing is masked. `valid` is false when the mask excludes everything.
  // shift: subtracted from the offset (the part a launch offset supplies).
  int32_t view(const View& given, bool* valid, int64_t shift = 0) {
    // A value after a reduce may have size-1 dims added or dropped: state it in the output space.
    View v = given;
    if (v.shape != full_ && v.shape != out_) {
      auto r = v.reshape(out_);
      TG_INTERNAL_CHECK(r, "a view of shape " + Shape(v.shape).to_string() + " does not fit kernel space " +
                               Shape(out_).to_string());
      v = *r;
    }
    tg_kir_view k{};
    k.offset = v.offset - shift;
    *valid = !v.all_invalid();
    if (!*valid) return -1;  // read as a constant 0: no view (nor its linear masks) in the program
    for (size_t d = 0; d < full_.size(); d++) {
      bool bcast = v.shape[d] == 1 && full_[d] != 1;
      k.strides[d] = bcast ? 0 : v.strides[d];
      if (!v.mask.empty()) {
        k.has_mask = 1;
        k.mask_begin[d] = bcast ? 0 : v.mask[d].first;
        k.mask_end[d] = bcast ? full_[d] : v.mask[d].second;
      }
    }
    std::vector<tg_kir_linear_mask> linear;
    for (const LinearMask& m : v.linear) {
      tg_kir_linear_mask l{};
      l.begin = m.begin;
      l.end = m.end;
      for (size_t d = 0; d < full_.size(); d++) l.coeffs[d] = v.shape[d] == 1 ? 0 : m.coeffs[d];
      linear.push_back(l);
    }
    std::string key(reinterpret_cast<const char*>(&k), sizeof k);
    key.append(reinterpret_cast<const char*>(linear.data()), linear.size() * sizeof(tg_kir_linear_mask));
    if (auto it = views_.find(key); it != views_.end()) return it->second;
    int32_t id = static_cast<int32_t>(p_.views.size());
    p_.views.push_back(k);
    for (tg_kir_linear_mask& l : linear) {
      l.view = id;
      p_.linear_masks.push_back(l);
    }
    views_[key] = id;
    return id;
  }

  std::vector<NodePtr>* bound = nullptr;

  int32_t int64_const(int64_t v) { return constant(DType::int64, 0, v); }

 private:
  ScheduleContext& ctx_;
  KirProgram& p_;
  Dims full_, out_;
  bool scalar_args_;
  std::unordered_map<const LNode*, int32_t> done_;
  std::map<std::pair<const Node*, std::string>, int32_t> params_;  // by node and offset terms
  std::map<std::pair<uint32_t, int32_t>, int32_t> scalar_nodes_;   // by launch value and view
  std::map<std::string, int32_t> views_;
  std::map<std::string, int32_t> nodes_;  // structural dedupe of leaves and ALU nodes

  static tg_kir_node blank(uint32_t op, DType dt) {
    tg_kir_node n{};
    n.op = op;
    n.dtype = static_cast<uint32_t>(dt);
    n.src[0] = n.src[1] = n.src[2] = -1;
    n.param = n.view = -1;
    return n;
  }

  int32_t add(const tg_kir_node& n) {
    std::string key(reinterpret_cast<const char*>(&n), sizeof n);
    if (auto it = nodes_.find(key); it != nodes_.end()) return it->second;
    int32_t id = static_cast<int32_t>(p_.nodes.size());
    p_.nodes.push_back(n);
    nodes_[key] = id;
    return id;
  }

  // A CONST whose value is a scalar launch argument (one per launch value and mask view).
  int32_t scalar(const LNode& l, int32_t vid) {
    const uint32_t var = static_cast<uint32_t>(l.var);
    if (auto it = scalar_nodes_.find({var, vid}); it != scalar_nodes_.end()) return it->second;
    tg_kir_node n = blank(TG_KIR_CONST, l.dtype);
    n.view = vid;
    const int32_t id = static_cast<int32_t>(p_.nodes.size());
    p_.nodes.push_back(n);
    p_.scalar_args.push_back(id);
    p_.scalar_values.push_back(tg_kir_scalar{0, ctx_.var_float(var)});
    p_.scalar_vars.push_back(var);
    scalar_nodes_[{var, vid}] = id;
    return id;
  }

  int32_t constant(DType dt, double f, int64_t i) {
    tg_kir_node n = blank(TG_KIR_CONST, dt);
    if (is_float(dt)) n.fvalue = f;
    else n.ivalue = dt == DType::bool_ ? (i != 0) : i;
    return add(n);
  }

  int32_t emit_uncached(const LNode& l) {
    // Views live over the full space: pad a lower-rank view (a CONST's scalar view) with 1s.
    auto full_view = [&](View v) {
      while (v.shape.empty() && !full_.empty() && v.shape.size() < full_.size()) {
        v.shape.push_back(1);
        v.strides.push_back(0);
        if (!v.mask.empty()) v.mask.push_back({0, 1});
        for (LinearMask& m : v.linear) m.coeffs.push_back(0);
      }
      return v;
    };
    switch (l.kind) {
      case LNode::Kind::LOAD: {
        bool valid;
        std::vector<OffsetTerm> terms = l.terms;
        int64_t shift = 0;
        for (const OffsetTerm& t : terms) shift += t.coeff * ctx_.var_int(t.var);
        int32_t vid = view(full_view(l.view), &valid, shift);
        if (!valid) return constant(l.dtype, 0, 0);
        int64_t hi = -1;
        if (!terms.empty()) {
          // The launch offset must start the param: every element read lies past it, inside
          // the buffer. Where that cannot be shown from the view, the offset stays in the text.
          auto [lo, top] = reach(p_.views[static_cast<size_t>(vid)]);
          if (lo < 0 || top >= l.base->numel() - shift) {
            for (const OffsetTerm& t : terms) ctx_.guard_var(t.var);
            terms.clear();
            vid = view(full_view(l.view), &valid);
          }
          hi = top;
        }
        tg_kir_node n = blank(TG_KIR_LOAD, l.dtype);
        n.param = param(l.base, TG_PARAM_READ, terms);
        if (!terms.empty()) {
          int64_t& numel = p_.params[static_cast<size_t>(n.param)].numel;
          numel = std::max(numel, hi + 1);
        }
        n.view = vid;
        return add(n);
      }
      case LNode::Kind::CONST: {
        int32_t vid = -1;
        if (!l.view.mask.empty() || !l.view.linear.empty()) {
          bool valid;
          vid = view(full_view(l.view), &valid);
          if (!valid) return constant(l.dtype, 0, 0);
        }
        if (l.var >= 0 && scalar_args_) return scalar(l, vid);
        if (l.var >= 0) ctx_.guard_var(static_cast<uint32_t>(l.var));
        if (vid < 0) return constant(l.dtype, l.fvalue, l.ivalue);
        tg_kir_node n = blank(TG_KIR_CONST, l.dtype);
        if (is_float(l.dtype)) n.fvalue = l.fvalue;
        else n.ivalue = l.ivalue;
        n.view = vid;
        return add(n);
      }
      case LNode::Kind::ALU: {
        tg_kir_node n = blank(kir_op(l.op), l.dtype);
        for (size_t i = 0; i < l.src.size(); i++) n.src[i] = emit(l.src[i]);
        return add(n);
      }
      case LNode::Kind::GATHER: {
        bool valid;
        const int32_t vid = view(full_view(l.view), &valid);
        if (!valid) return constant(l.dtype, 0, 0);
        tg_kir_node n = blank(TG_KIR_GATHER, l.dtype);
        n.src[0] = emit(l.src[0]);
        n.src[1] = int64_const(l.gather_bound);
        n.param = param(l.base, TG_PARAM_READ);
        n.view = vid;
        n.ivalue = l.gather_stride;
        return add(n);
      }
      case LNode::Kind::REDUCE: {
        tg_kir_node n = blank(TG_KIR_REDUCE, l.dtype);
        n.src[0] = emit(l.src[0]);
        n.reduce_op = static_cast<int32_t>(kir_reduce(l.reduce_op));
        for (int64_t a : l.axes) n.ivalue |= int64_t{1} << a;
        int32_t id = add(n);
        bool known = false;
        for (auto& r : reduces) known |= r.first == l.origin;
        if (!known && l.origin) reduces.push_back({l.origin, id});
        return id;
      }
    }
    return -1;
  }
};

void check_rank(const Dims& shape) {
  if (shape.size() > TG_KIR_MAX_DIMS)
    throw Error("tensors of more than " + std::to_string(TG_KIR_MAX_DIMS) + " dims cannot be computed yet (shape " +
                std::to_string(shape.size()) + " dims): reshape to fewer dims first");
}

}  // namespace

KirProgram to_kir_scatter(ScheduleContext& ctx, const LPtr& value, const LPtr& idx, const NodePtr& out,
                          int64_t axis, std::vector<NodePtr>* params, bool scalar_args) {
  KirProgram p;
  const Dims& space = value->shape;
  check_rank(space);
  p.shape.assign(space.begin(), space.end());
  Emitter e(ctx, p, space, space, scalar_args);
  e.bound = params;
  e.param(out, TG_PARAM_WRITE);
  tg_kir_node st{};
  st.op = TG_KIR_SCATTER_ADD;
  st.dtype = static_cast<uint32_t>(out->dtype);
  st.src[0] = e.emit(value);
  st.src[1] = e.emit(idx);
  st.src[2] = e.int64_const(out->shape[static_cast<size_t>(axis)]);
  st.param = 0;
  // out's layout over the values' space, the indexed dim at stride 0: the index supplies it.
  View v = View::contiguous(out->shape);
  st.ivalue = v.strides[static_cast<size_t>(axis)];
  v.shape[static_cast<size_t>(axis)] = p.shape[static_cast<size_t>(axis)];
  v.strides[static_cast<size_t>(axis)] = 0;
  bool valid;
  st.view = e.view(v, &valid);
  p.nodes.push_back(st);
  p.name = "S";
  for (int64_t d : p.shape) p.name += "_" + std::to_string(d);
  return p;
}

KirProgram to_kir(ScheduleContext& ctx, const LPtr& root, const NodePtr& out, const std::optional<ReduceSig>& reduce,
                  const std::vector<std::pair<NodePtr, LPtr>>& also_store, std::vector<NodePtr>* params,
                  std::vector<NodePtr>* same_as_out, bool scalar_args) {
  KirProgram p;
  // An elementwise kernel runs over its root's space: out's shape, or a split of it (its
  // stores see out's contiguous memory in that split).
  const Dims& space = reduce ? reduce->input_shape : root->shape;
  check_rank(space);
  p.shape.assign(space.begin(), space.end());
  Dims out_space = space;
  if (reduce)
    for (int64_t a : reduce->axes) out_space[static_cast<size_t>(a)] = 1;
  Emitter e(ctx, p, space, out_space, scalar_args);
  e.bound = params;
  auto store = [&](const NodePtr& node, int32_t value) {
    tg_kir_node st{};
    st.op = TG_KIR_STORE;
    st.dtype = static_cast<uint32_t>(node->dtype);
    st.src[0] = value;
    st.src[1] = st.src[2] = -1;
    st.param = e.param(node, TG_PARAM_WRITE);
    bool valid;
    st.view = e.view(View::contiguous(node->shape), &valid);
    st.reduce_op = 0;
    return st;
  };
  e.param(out, TG_PARAM_WRITE);
  int32_t value = e.emit(root);
  std::vector<tg_kir_node> stores{store(out, value)};
  for (auto& [node, id] : e.reduces) {
    if (ctx.done(*node) || node == out) continue;
    if (id == value && node->numel() == out->numel()) {  // the output itself, reshaped: share it
      same_as_out->push_back(node);
      continue;
    }
    stores.push_back(store(node, id));
  }
  for (auto& [node, l] : also_store)
    if (!ctx.done(*node) && node != out) stores.push_back(store(node, e.emit(l)));
  p.nodes.insert(p.nodes.end(), stores.begin(), stores.end());
  // A readable name: E (elementwise) or R (reduce), then the iteration shape.
  p.name = reduce ? "R" : "E";
  for (int64_t d : p.shape) p.name += "_" + std::to_string(d);
  return p;
}

}  // namespace tg::detail
