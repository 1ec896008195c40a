#include "graph/view.hpp"

namespace tg::detail {

Dims View::contiguous_strides(const Dims& shape) {
  Dims st(shape.size(), 0);
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    st[i] = shape[i] == 1 ? 0 : acc;
    acc *= shape[i];
  }
  return st;
}

View View::contiguous(const Dims& shape) { return View{shape, contiguous_strides(shape), 0, {}, {}}; }

bool View::is_contiguous() const {
  return offset == 0 && mask.empty() && linear.empty() && strides == contiguous_strides(shape);
}

void View::move_linear(const Dims& shift, const std::vector<bool>& negate) {
  for (LinearMask& m : linear)
    for (size_t d = 0; d < m.coeffs.size(); d++) {
      m.begin -= m.coeffs[d] * shift[d];
      m.end -= m.coeffs[d] * shift[d];
      if (!negate.empty() && negate[d]) m.coeffs[d] = -m.coeffs[d];
    }
}

bool View::all_invalid() const {
  for (auto& [b, e] : mask)
    if (b >= e) return true;
  // A linear mask that weighs no dim is a constant condition (a 0-d view has no box mask to
  // say it is invalid: reshape leaves it one that never holds).
  for (const LinearMask& m : linear) {
    bool constant = true;
    for (size_t d = 0; d < m.coeffs.size(); d++) constant &= m.coeffs[d] == 0 || shape[d] == 1;
    if (constant && !(m.begin <= 0 && 0 < m.end)) return true;
  }
  return false;
}

int64_t View::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

View View::canonical() && {
  bool full = true;
  for (size_t d = 0; d < shape.size(); d++) {
    // The mask is clipped to the shape first: a size-1 dim whose one index lies outside its
    // mask (a slice of the padding) is invalid, not data.
    if (!mask.empty()) {
      auto& [b, e] = mask[d];
      b = std::max<int64_t>(b, 0);
      e = std::min(e, shape[d]);
      if (b >= e) b = e = 0;
      if (b != 0 || e != shape[d]) full = false;
    }
    if (shape[d] == 1) strides[d] = 0;  // its index is always 0
  }
  if (full) mask.clear();
  // A size-1 dim's index is 0: its coefficient does not matter. A linear mask that holds over
  // the whole (box-masked) index range is dropped.
  for (size_t i = 0; i < linear.size();) {
    LinearMask& m = linear[i];
    int64_t lo = 0, hi = 0;  // the extremes of sum_d coeffs[d] * i_d
    bool empty = false;
    for (size_t d = 0; d < shape.size(); d++) {
      if (shape[d] == 1) m.coeffs[d] = 0;
      const int64_t b = mask.empty() ? 0 : mask[d].first, e = mask.empty() ? shape[d] : mask[d].second;
      if (b >= e) empty = true;
      const int64_t c = m.coeffs[d];
      if (empty || c == 0) continue;
      lo += c > 0 ? c * b : c * (e - 1);
      hi += c > 0 ? c * (e - 1) : c * b;
    }
    if (!empty && m.begin <= lo && hi < m.end) linear.erase(linear.begin() + static_cast<std::ptrdiff_t>(i));
    else ++i;
  }
  return std::move(*this);
}

View View::permute(const Dims& order) const {
  View v;
  for (int64_t o : order) {
    v.shape.push_back(shape[o]);
    v.strides.push_back(strides[o]);
    if (!mask.empty()) v.mask.push_back(mask[o]);
  }
  v.offset = offset;
  for (const LinearMask& m : linear) {
    LinearMask p{{}, m.begin, m.end};
    for (int64_t o : order) p.coeffs.push_back(m.coeffs[o]);
    v.linear.push_back(p);
  }
  return std::move(v).canonical();
}

View View::expand(const Dims& new_shape) const {
  View v = *this;
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == new_shape[d]) continue;
    v.shape[d] = new_shape[d];
    v.strides[d] = 0;
    if (!v.mask.empty() && v.mask[d].first < v.mask[d].second) v.mask[d] = {0, new_shape[d]};
  }
  return std::move(v).canonical();
}

View View::pad(const Ranges& padding) const {
  View v = *this;
  bool any = false;
  for (auto& p : padding) any |= p.first != 0 || p.second != 0;
  if (!any) return v;
  if (v.mask.empty())
    for (int64_t s : shape) v.mask.push_back({0, s});
  for (size_t d = 0; d < shape.size(); d++) {
    auto [before, after] = padding[d];
    v.offset -= before * strides[d];
    v.shape[d] = shape[d] + before + after;
    v.mask[d] = {v.mask[d].first + before, v.mask[d].second + before};
  }
  Dims shift;
  for (auto& p : padding) shift.push_back(-p.first);
  v.move_linear(shift);
  return std::move(v).canonical();
}

View View::shrink(const Ranges& ranges) const {
  View v = *this;
  for (size_t d = 0; d < shape.size(); d++) {
    auto [b, e] = ranges[d];
    v.offset += b * strides[d];
    v.shape[d] = e - b;
    if (!v.mask.empty()) v.mask[d] = {v.mask[d].first - b, v.mask[d].second - b};
  }
  Dims shift;
  for (auto& r : ranges) shift.push_back(r.first);
  v.move_linear(shift);
  return std::move(v).canonical();
}

View View::flip(const std::vector<bool>& axes) const {
  View v = *this;
  for (size_t d = 0; d < shape.size(); d++) {
    if (!axes[d] || shape[d] == 0) continue;
    v.offset += (shape[d] - 1) * strides[d];
    v.strides[d] = -strides[d];
    if (!v.mask.empty()) v.mask[d] = {shape[d] - mask[d].second, shape[d] - mask[d].first};
  }
  // The old index is shape - 1 - the new one.
  Dims shift;
  std::vector<bool> negate;
  for (size_t d = 0; d < shape.size(); d++) {
    const bool f = axes[d] && shape[d] != 0;
    shift.push_back(f ? shape[d] - 1 : 0);
    negate.push_back(f);
  }
  v.move_linear(shift, negate);
  return std::move(v).canonical();
}

std::optional<View> View::window(const Dims& k, const Dims& s, const Dims& d, bool linear_masks) const {
  const size_t n = k.size(), lead = shape.size() - n;
  View v;
  v.offset = offset;
  for (size_t j = 0; j < lead; j++) {
    v.shape.push_back(shape[j]);
    v.strides.push_back(strides[j]);
    if (!mask.empty()) v.mask.push_back(mask[j]);
  }
  for (size_t j = 0; j < n; j++) {
    v.shape.push_back((shape[lead + j] - d[j] * (k[j] - 1) - 1) / s[j] + 1);
    v.strides.push_back(strides[lead + j] * s[j]);
  }
  for (size_t j = 0; j < n; j++) {
    v.shape.push_back(k[j]);
    v.strides.push_back(strides[lead + j] * d[j]);
  }
  // Window dim j's old index is o_j * s_j + k_j * d_j: a condition on it is a linear one.
  auto windowed = [&](const Dims& old_coeffs) {
    Dims c(old_coeffs.begin(), old_coeffs.begin() + static_cast<std::ptrdiff_t>(lead));
    for (size_t j = 0; j < n; j++) c.push_back(old_coeffs[lead + j] * s[j]);
    for (size_t j = 0; j < n; j++) c.push_back(old_coeffs[lead + j] * d[j]);
    return c;
  };
  for (const LinearMask& m : linear) {
    if (!linear_masks) return std::nullopt;
    v.linear.push_back({windowed(m.coeffs), m.begin, m.end});
  }
  if (!mask.empty()) {
    for (size_t j = 0; j < n; j++) {
      const auto [b, e] = mask[lead + j];
      if (b == 0 && e == shape[lead + j]) continue;
      if (!linear_masks) return std::nullopt;
      Dims unit(shape.size(), 0);
      unit[lead + j] = 1;
      v.linear.push_back({windowed(unit), b, e});
    }
    for (size_t j = lead; j < v.shape.size(); j++) v.mask.push_back({0, v.shape[j]});
  }
  return std::move(v).canonical();
}

// Groups old and new dims into runs of equal element count; each run of old dims must be one
// contiguous stride chain. Masks survive only where they can be stated on the new dims.
std::optional<View> View::reshape(const Dims& new_shape) const {
  if (shape == new_shape) return *this;
  View out{new_shape, Dims(new_shape.size(), 0), offset, {}, {}};
  int64_t n = numel();
  if (n == 0) return std::move(out).canonical();
  if (all_invalid()) {
    for (size_t d = 0; d < new_shape.size(); d++) out.mask.push_back({0, 0});
    if (new_shape.empty()) out.linear.push_back({{}, 0, 0});  // a 0-d view: a condition never true
    return out;
  }
  // Old and new dims without the size-1 ones (their stride does not matter).
  std::vector<size_t> od, nd;
  for (size_t d = 0; d < shape.size(); d++)
    if (shape[d] != 1) od.push_back(d);
  for (size_t d = 0; d < new_shape.size(); d++)
    if (new_shape[d] != 1) nd.push_back(d);
  Ranges new_mask(new_shape.size());
  for (size_t d = 0; d < new_shape.size(); d++) new_mask[d] = {0, new_shape[d]};
  bool masked = false;
  std::vector<std::pair<size_t, size_t>> one_to_one;  // (old dim, new dim) of 1:1 runs
  size_t oi = 0, ni = 0;
  while (oi < od.size() && ni < nd.size()) {
    size_t oj = oi + 1, nj = ni + 1;
    int64_t op = shape[od[oi]], np = new_shape[nd[ni]];
    while (op != np) {
      if (op < np) {
        if (oj >= od.size()) return std::nullopt;
        op *= shape[od[oj++]];
      } else {
        if (nj >= nd.size()) return std::nullopt;
        np *= new_shape[nd[nj++]];
      }
    }
    for (size_t k = oi; k + 1 < oj; k++)
      if (strides[od[k]] != strides[od[k + 1]] * shape[od[k + 1]]) return std::nullopt;
    int64_t st = strides[od[oj - 1]];
    for (size_t k = nj; k-- > ni;) {
      out.strides[nd[k]] = st;
      st *= new_shape[nd[k]];
    }
    // A linear mask survives a run that maps one old dim to one new dim (a size-1 dim added
    // or dropped beside it); a run that merges or splits a dim it weighs is not one view.
    for (const LinearMask& m : linear)
      for (size_t k = oi; k < oj; k++)
        if (m.coeffs[od[k]] != 0 && (oj - oi != 1 || nj - ni != 1)) return std::nullopt;
    if (oj - oi == 1 && nj - ni == 1) one_to_one.emplace_back(od[oi], nd[ni]);
    if (!mask.empty()) {
      // Which old dims of this run are restricted?
      std::vector<size_t> restricted;
      for (size_t k = oi; k < oj; k++)
        if (mask[od[k]].first != 0 || mask[od[k]].second != shape[od[k]]) restricted.push_back(k);
      if (!restricted.empty()) {
        masked = true;
        if (oj - oi == 1) {  // one old dim split into new dims: the mask must align to the outer one
          int64_t inner = 1;
          for (size_t k = ni + 1; k < nj; k++) inner *= new_shape[nd[k]];
          auto [b, e] = mask[od[oi]];
          if (b % inner || e % inner) return std::nullopt;
          new_mask[nd[ni]] = {b / inner, e / inner};
        } else if (nj - ni == 1 && restricted.size() == 1 && restricted[0] == oi) {
          int64_t inner = 1;  // old dims merged into one: only the outermost may be restricted
          for (size_t k = oi + 1; k < oj; k++) inner *= shape[od[k]];
          new_mask[nd[ni]] = {mask[od[oi]].first * inner, mask[od[oi]].second * inner};
        } else {
          return std::nullopt;
        }
      }
    }
    oi = oj;
    ni = nj;
  }
  if (masked) out.mask = new_mask;
  for (const LinearMask& m : linear) {
    LinearMask nm{Dims(new_shape.size(), 0), m.begin, m.end};
    for (auto [o, n] : one_to_one) nm.coeffs[n] = m.coeffs[o];
    out.linear.push_back(nm);
  }
  return std::move(out).canonical();
}

}  // namespace tg::detail
