#include "interpreter.hpp"

#include <algorithm>

#include "ops.hpp"
#include "values.hpp"

namespace tg::ref {

// Per-run working memory: one column per node, one accumulator per REDUCE, and the index of
// every lane of the current chunk.
struct Kernel::Scratch {
  const std::vector<std::byte*>* base = nullptr;
  const tg_kir_scalar* scalars = nullptr;  // the launch's scalar args
  std::vector<Column> cols;      // [node]: its values at the chunk's lanes
  std::vector<Column> acc;       // [node]: a REDUCE's value for each output of the block
  std::vector<int64_t> coords;   // [axis * kLanes + lane]: the lane's full index
  std::vector<uint32_t> slot;    // [lane]: which output of the block the lane belongs to
};

namespace {

// A linear index over some axes (the last varies fastest) <-> their coordinates.
void decompose(int64_t linear, const std::vector<uint32_t>& axes, const int64_t* shape, int64_t* coord) {
  for (size_t k = axes.size(); k-- > 0;) {
    coord[k] = linear % shape[axes[k]];
    linear /= shape[axes[k]];
  }
}

// Advances coordinates by one; returns true when they wrap around to all zeros.
bool step(const std::vector<uint32_t>& axes, const int64_t* shape, int64_t* coord) {
  for (size_t k = axes.size(); k-- > 0;) {
    if (++coord[k] < shape[axes[k]]) return false;
    coord[k] = 0;
  }
  return true;
}

}  // namespace

// Linear masks are read (the core's fallback for programs a device declined may have them),
// though the ref plugin does not declare them: its own programs copy padding, a second opinion.
Kernel::Kernel(const tg_kir_program& p) : info_(tg::sdk::check_program(p, true, true)) {
  name_ = p.name ? p.name : "";
  ndim_ = p.ndim;
  std::copy(p.shape, p.shape + p.ndim, shape_);
  nodes_.assign(p.nodes, p.nodes + p.n_nodes);
  views_.assign(p.views, p.views + p.n_views);
  params_.assign(p.params, p.params + p.n_params);

  for (uint32_t d = 0; d < ndim_; ++d) {
    if ((info_.reduce_axes >> d) & 1u) {
      red_axes_.push_back(d);
      // Overflows only where an output axis is 0 (check_program bounds the full product), and
      // then no point is ever visited.
      if (__builtin_mul_overflow(red_numel_, shape_[d], &red_numel_)) red_numel_ = 0;
    } else {
      out_axes_.push_back(d);
    }
  }

  // A REDUCE's level is 1 + the deepest REDUCE in its input; phase k computes level k + 1.
  std::vector<uint32_t> level(nodes_.size(), 0);
  uint32_t deepest = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const tg_kir_node& n = nodes_[i];
    for (int k = 0; k < tg::sdk::op_arity(n.op); ++k) level[i] = std::max(level[i], level[n.src[k]]);
    if (n.op == TG_KIR_REDUCE) deepest = std::max(deepest, ++level[i]);
  }
  for (uint32_t lv = 1; lv <= deepest; ++lv) {
    std::vector<uint32_t> roots;
    for (uint32_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].op == TG_KIR_REDUCE && level[i] == lv) roots.push_back(i);
    reduce_phases_.push_back(plan_phase(roots, true));
  }
  std::vector<uint32_t> stores;
  for (uint32_t i = 0; i < nodes_.size(); ++i)
    if (tg::sdk::is_store_op(nodes_[i].op)) stores.push_back(i);
  output_phase_ = plan_phase(stores, false);
}

// The nodes the roots need, in program order. A REDUCE met on the way is read from its
// accumulator, so the walk stops there. REDUCE roots are not evaluated (they are being
// computed); STORE roots are.
Kernel::Phase Kernel::plan_phase(const std::vector<uint32_t>& roots, bool roots_are_reduces) const {
  std::vector<char> need(nodes_.size(), 0);
  std::vector<uint32_t> todo;
  for (uint32_t r : roots) {
    if (roots_are_reduces) {
      todo.push_back(static_cast<uint32_t>(nodes_[r].src[0]));
    } else {
      todo.push_back(r);
    }
  }
  while (!todo.empty()) {
    uint32_t i = todo.back();
    todo.pop_back();
    if (need[i]) continue;
    need[i] = 1;
    const tg_kir_node& n = nodes_[i];
    if (n.op == TG_KIR_REDUCE) continue;
    for (int k = 0; k < tg::sdk::op_arity(n.op); ++k) todo.push_back(static_cast<uint32_t>(n.src[k]));
  }
  Phase phase;
  for (uint32_t i = 0; i < nodes_.size(); ++i)
    if (need[i]) phase.nodes.push_back(i);
  if (roots_are_reduces) phase.reduces = roots;
  return phase;
}

void Kernel::run(const std::vector<std::byte*>& base, const tg_kir_scalar* scalars) const {
  Scratch s;
  s.base = &base;
  s.scalars = scalars;
  s.cols.resize(nodes_.size());
  s.acc.resize(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (tg::sdk::is_store_op(nodes_[i].op)) continue;
    if (is_float(nodes_[i].dtype)) s.cols[i].f.resize(kLanes);
    else s.cols[i].u.resize(kLanes);
  }
  s.coords.assign(TG_KIR_MAX_DIMS * kLanes, 0);
  s.slot.assign(kLanes, 0);

  const int64_t lanes = static_cast<int64_t>(kLanes);
  for (int64_t o0 = 0; o0 < info_.out_numel;) {
    const int64_t outputs = std::min(lanes, info_.out_numel - o0);
    for (const Phase& phase : reduce_phases_) {
      for (uint32_t r : phase.reduces) reduce_init(nodes_[r].reduce_op, nodes_[r].dtype, s.acc[r], outputs);
      const int64_t points = outputs * red_numel_;
      for (int64_t p0 = 0; p0 < points;) {
        const size_t n = static_cast<size_t>(std::min(lanes, points - p0));
        fill_full_coords(s, o0, p0, n);
        eval_nodes(s, phase.nodes, n);
        for (uint32_t r : phase.reduces) {
          const tg_kir_node& node = nodes_[r];
          reduce_fold(node.reduce_op, node.dtype, s.cols[node.src[0]], s.slot.data(), n, s.acc[r]);
        }
        p0 += static_cast<int64_t>(n);
      }
      for (uint32_t r : phase.reduces) reduce_finish(nodes_[r].dtype, s.acc[r], outputs);
    }
    fill_output_coords(s, o0, static_cast<size_t>(outputs));
    eval_nodes(s, output_phase_.nodes, static_cast<size_t>(outputs));
    o0 += outputs;
  }
}

// Lanes = points first_point .. first_point + n - 1 of the block whose first output is
// block_first_output; point p is (output p / R, reduce index p % R), R = red_numel_.
void Kernel::fill_full_coords(Scratch& s, int64_t block_first_output, int64_t first_point, size_t n) const {
  int64_t out_c[TG_KIR_MAX_DIMS] = {}, red_c[TG_KIR_MAX_DIMS] = {};
  uint32_t out_slot = static_cast<uint32_t>(first_point / red_numel_);
  decompose(block_first_output + out_slot, out_axes_, shape_, out_c);
  decompose(first_point % red_numel_, red_axes_, shape_, red_c);
  for (size_t l = 0; l < n; ++l) {
    for (size_t k = 0; k < out_axes_.size(); ++k) s.coords[out_axes_[k] * kLanes + l] = out_c[k];
    for (size_t k = 0; k < red_axes_.size(); ++k) s.coords[red_axes_[k] * kLanes + l] = red_c[k];
    s.slot[l] = out_slot;
    if (step(red_axes_, shape_, red_c)) {
      step(out_axes_, shape_, out_c);
      ++out_slot;
    }
  }
}

// Lanes = outputs first_output .. first_output + n - 1, at reduced coordinates 0.
void Kernel::fill_output_coords(Scratch& s, int64_t first_output, size_t n) const {
  int64_t out_c[TG_KIR_MAX_DIMS] = {};
  decompose(first_output, out_axes_, shape_, out_c);
  for (size_t l = 0; l < n; ++l) {
    for (size_t k = 0; k < out_axes_.size(); ++k) s.coords[out_axes_[k] * kLanes + l] = out_c[k];
    for (uint32_t axis : red_axes_) s.coords[axis * kLanes + l] = 0;
    s.slot[l] = static_cast<uint32_t>(l);
    step(out_axes_, shape_, out_c);
  }
}

void Kernel::eval_nodes(Scratch& s, const std::vector<uint32_t>& nodes, size_t n) const {
  for (uint32_t i : nodes) {
    const tg_kir_node& node = nodes_[i];
    switch (node.op) {
      case TG_KIR_LOAD: load(s, i, n); continue;
      case TG_KIR_CONST: constant(s, i, n); continue;
      case TG_KIR_STORE: store(s, i, n); continue;
      case TG_KIR_GATHER: gather(s, i, n); continue;
      case TG_KIR_SCATTER_ADD: scatter_add(s, i, n); continue;
      case TG_KIR_REDUCE: {  // its value for each lane's output, computed by an earlier phase
        Column& out = s.cols[i];
        const Column& acc = s.acc[i];
        for (size_t l = 0; l < n; ++l) {
          if (is_float(node.dtype)) out.f[l] = acc.f[s.slot[l]];
          else out.u[l] = acc.u[s.slot[l]];
        }
        continue;
      }
    }
    auto col = [&](int k) -> const Column* { return node.src[k] >= 0 ? &s.cols[node.src[k]] : nullptr; };
    eval_elementwise(node.op, node.dtype, nodes_[node.src[0]].dtype, col(0), col(1), col(2), s.cols[i], n);
  }
}

bool Kernel::in_mask(int32_t view, const Scratch& s, size_t lane) const {
  const tg_kir_view& v = views_[view];
  if (v.has_mask)
    for (uint32_t d = 0; d < ndim_; ++d) {
      const int64_t c = s.coords[d * kLanes + lane];
      if (c < v.mask_begin[d] || c >= v.mask_end[d]) return false;
    }
  for (const tg_kir_linear_mask& m : info_.linear[static_cast<size_t>(view)]) {
    int64_t x = 0;
    for (uint32_t d = 0; d < ndim_; ++d) x += m.coeffs[d] * s.coords[d * kLanes + lane];
    if (x < m.begin || x >= m.end) return false;
  }
  return true;
}

// The element a lane reaches through a view; inside [0, numel) by check_program.
int64_t Kernel::element(const tg_kir_view& v, const Scratch& s, size_t lane) const {
  int64_t e = v.offset;
  for (uint32_t d = 0; d < ndim_; ++d) e += s.coords[d * kLanes + lane] * v.strides[d];
  return e;
}

void Kernel::load(Scratch& s, uint32_t i, size_t n) const {
  const tg_kir_node& node = nodes_[i];
  const tg_kir_view& v = views_[node.view];
  const std::byte* base = (*s.base)[node.param];
  const int64_t size = static_cast<int64_t>(tg::sdk::dtype_size(node.dtype));
  Column& out = s.cols[i];
  const bool f = is_float(node.dtype);
  for (size_t l = 0; l < n; ++l) {
    const bool valid = in_mask(node.view, s, l);  // outside the mask: 0, and memory is not touched
    const std::byte* p = valid ? base + element(v, s, l) * size : nullptr;
    if (f) out.f[l] = valid ? read_float(node.dtype, p) : 0.0;
    else out.u[l] = valid ? read_int(node.dtype, p) : 0;
  }
}

void Kernel::constant(Scratch& s, uint32_t i, size_t n) const {
  tg_kir_node node = nodes_[i];
  if (const int32_t k = info_.scalar_slot[i]; k >= 0) {  // a scalar launch argument
    if (!s.scalars) throw tg::sdk::Failure(TG_ERR_INVALID_ARGUMENT, "kernel " + name_ + " was launched without its scalar args");
    tg::sdk::scalar_into(node, s.scalars[k]);
  }
  Column& out = s.cols[i];
  const bool f = is_float(node.dtype);
  const double fv = f ? round_to(node.dtype, node.fvalue) : 0.0;
  const uint64_t uv = f ? 0 : wrap(node.dtype, as_bits(node.ivalue));
  for (size_t l = 0; l < n; ++l) {
    const bool valid = node.view < 0 || in_mask(node.view, s, l);
    if (f) out.f[l] = valid ? fv : 0.0;
    else out.u[l] = valid ? uv : 0;
  }
}

void Kernel::store(Scratch& s, uint32_t i, size_t n) const {
  const tg_kir_node& node = nodes_[i];
  const tg_kir_view& v = views_[node.view];
  std::byte* base = (*s.base)[node.param];
  const int64_t size = static_cast<int64_t>(tg::sdk::dtype_size(node.dtype));
  const Column& value = s.cols[node.src[0]];
  for (size_t l = 0; l < n; ++l) {
    std::byte* p = base + element(v, s, l) * size;
    if (is_float(node.dtype)) write_float(node.dtype, p, value.f[l]);
    else write_int(node.dtype, p, value.u[l]);
  }
}

// The element a GATHER or SCATTER_ADD lane reaches, or -1 when its index is outside [0, bound)
// (or, for a GATHER, a mask excludes the lane): inside [0, numel) by check_program otherwise.
int64_t Kernel::indexed_element(const Scratch& s, uint32_t i, int index_src, size_t lane) const {
  const tg_kir_node& node = nodes_[i];
  const int64_t k = as_signed(s.cols[node.src[index_src]].u[lane]);
  if (k < 0 || k >= nodes_[node.src[index_src + 1]].ivalue) return -1;
  if (node.op == TG_KIR_GATHER && !in_mask(node.view, s, lane)) return -1;
  return element(views_[node.view], s, lane) + k * node.ivalue;
}

void Kernel::gather(Scratch& s, uint32_t i, size_t n) const {
  const tg_kir_node& node = nodes_[i];
  const std::byte* base = (*s.base)[node.param];
  const int64_t size = static_cast<int64_t>(tg::sdk::dtype_size(node.dtype));
  Column& out = s.cols[i];
  const bool f = is_float(node.dtype);
  for (size_t l = 0; l < n; ++l) {
    const int64_t e = indexed_element(s, i, 0, l);
    const std::byte* p = e >= 0 ? base + e * size : nullptr;
    if (f) out.f[l] = p ? read_float(node.dtype, p) : 0.0;
    else out.u[l] = p ? read_int(node.dtype, p) : 0;
  }
}

void Kernel::scatter_add(Scratch& s, uint32_t i, size_t n) const {
  const tg_kir_node& node = nodes_[i];
  std::byte* base = (*s.base)[node.param];
  const int64_t size = static_cast<int64_t>(tg::sdk::dtype_size(node.dtype));
  const Column& value = s.cols[node.src[0]];
  for (size_t l = 0; l < n; ++l) {
    const int64_t e = indexed_element(s, i, 1, l);
    if (e < 0) continue;
    std::byte* p = base + e * size;
    if (is_float(node.dtype)) write_float(node.dtype, p, round_to(node.dtype, read_float(node.dtype, p) + value.f[l]));
    else write_int(node.dtype, p, wrap(node.dtype, read_int(node.dtype, p) + value.u[l]));
  }
}

}  // namespace tg::ref
