// The long tail of movement ops (tinygrad's and PyTorch's): repeat_interleave, unfold, diag,
// diagonal, roll, rearrange, pad_to, shrink_to. Views only (reshape, permute, pad, shrink,
// repeat and the window view of conv.cpp), so they cost no kernel of their own.
#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <sstream>

#include "tensor/nn_ops.hpp"
#include "tensor/ops.hpp"

namespace tg {

using detail::Dims;
using Pairs = std::vector<std::pair<int64_t, int64_t>>;

namespace {
Pairs full_ranges(const Tensor& x) {
  Pairs r;
  const Shape s = x.shape();
  for (int64_t d : s.dims()) r.push_back({0, d});
  return r;
}
Pairs no_pad(const Tensor& x) { return Pairs(static_cast<size_t>(x.ndim()), {0, 0}); }
}  // namespace

Tensor Tensor::repeat_interleave(int64_t repeats, std::optional<int64_t> dim) const {
  if (repeats < 0) throw Error("repeat_interleave: repeats must be >= 0, got " + std::to_string(repeats));
  Tensor x = dim ? *this : flatten();
  int64_t d = dim ? detail::norm_axis(*dim, ndim(), shape().dims(), "repeat_interleave") : 0;
  Dims s = x.shape().dims();
  Dims wide = s;
  wide.insert(wide.begin() + d + 1, repeats);
  Dims one = s;
  one.insert(one.begin() + d + 1, 1);
  Dims out = s;
  out[static_cast<size_t>(d)] = detail::checked_mul(s[static_cast<size_t>(d)], repeats, "repeat_interleave");
  return x.reshape(Shape(one)).expand(Shape(wide)).reshape(Shape(out));
}

Tensor Tensor::unfold(int64_t dim, int64_t size, int64_t step) const {
  const Dims one{1};
  int64_t d = ndim() ? detail::norm_axis(dim, ndim(), shape().dims(), "unfold") : detail::norm_axis(dim, 1, one, "unfold");
  const int64_t n = ndim() ? shape()[static_cast<size_t>(d)] : 1;
  if (size < 0) throw Error("unfold: size must be >= 0, got " + std::to_string(size));
  if (step <= 0) throw Error("unfold: step must be > 0, got " + std::to_string(step));
  if (size > n)
    throw Error("unfold: size " + std::to_string(size) + " is larger than dim " + std::to_string(d) + " of shape " +
                shape().to_string() + " (" + std::to_string(n) + ")");
  if (ndim() == 0) return reshape({1}).shrink({{0, size}});  // PyTorch: a 0-d tensor unfolds to shape (size)
  const int64_t windows = (n - size) / step + 1;
  if (size == 0) {  // no elements: windows along dim, an empty last dim
    Pairs p = no_pad(*this);
    Tensor x = *this;
    if (windows > n) p[static_cast<size_t>(d)] = {0, windows - n}, x = x.pad(p);
    Pairs r = full_ranges(x);
    r[static_cast<size_t>(d)] = {0, windows};
    x = x.shrink(r).unsqueeze(-1);
    r = full_ranges(x);
    r.back() = {0, 0};
    return x.shrink(r);
  }
  std::vector<int64_t> to_last, back(static_cast<size_t>(ndim()) + 1);
  for (int64_t i = 0; i < ndim(); i++)
    if (i != d) to_last.push_back(i);
  to_last.push_back(d);
  Tensor w = detail::pool_windows(permute(to_last), {size}, {step}, {1}, "unfold");  // (..., windows, size)
  for (size_t i = 0; i < to_last.size(); i++) back[static_cast<size_t>(to_last[i])] = static_cast<int64_t>(i);
  back.back() = ndim();
  return w.permute(back);
}

Tensor Tensor::diag(int64_t k) const {
  if (ndim() == 2) return diagonal(k, 0, 1);
  if (ndim() != 1) throw Error("diag: needs a 1-D tensor (to build a matrix) or a 2-D one (to read a diagonal), got shape " + shape().to_string());
  const int64_t n = size(0);
  // (n, 1) padded to (n, n + 1) and read as n * n: each row starts one further right.
  Tensor m = unsqueeze(-1).pad({{0, 0}, {0, n}}).flatten().shrink({{0, n * n}}).reshape({n, n});
  const int64_t a = k < 0 ? -k : k;
  detail::checked_add(n, a, "diag");
  if (k > 0) return m.pad({{0, a}, {a, 0}});
  if (k < 0) return m.pad({{a, 0}, {0, a}});
  return m;
}

Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  int64_t a = detail::norm_axis(dim1, ndim(), shape().dims(), "diagonal");
  int64_t b = detail::norm_axis(dim2, ndim(), shape().dims(), "diagonal");
  if (a == b)
    throw Error("diagonal: dim1 and dim2 are the same dim (" + std::to_string(a) + "); pass two different dims");
  std::vector<int64_t> order;
  for (int64_t i = 0; i < ndim(); i++)
    if (i != a && i != b) order.push_back(i);
  order.push_back(a);
  order.push_back(b);
  Tensor x = permute(order);
  const size_t r = static_cast<size_t>(x.ndim()) - 2, c = r + 1;
  Pairs rg = full_ranges(x);
  const int64_t rows = x.shape()[r], cols = x.shape()[c];
  if (offset >= 0) rg[c].first = std::min(offset, cols);
  else rg[r].first = std::min(-offset, rows);
  x = x.shrink(rg);
  const int64_t dn = std::min(x.shape()[r], x.shape()[c]);
  rg = full_ranges(x);
  rg[r] = {0, dn};
  rg[c] = {0, dn};
  x = x.shrink(rg);  // (..., dn, dn)
  if (dn == 0) return x.flatten(-2);
  // Read as dn * dn values padded to dn * (dn + 1): row i of (dn, dn + 1) starts at element i * (dn + 1).
  Tensor f = x.flatten(-2);
  Pairs p = no_pad(f);
  p.back() = {0, dn};
  return f.pad(p).unflatten(-1, {dn, dn + 1}).slice(-1, 0, 1).squeeze(-1);
}

Tensor Tensor::roll(std::vector<int64_t> shifts, Axes dims) const {
  if (!dims.axes) {
    if (shifts.size() != 1)
      throw Error("roll: without dims, shifts must be one number (the flattened tensor rolls), got " +
                  std::to_string(shifts.size()));
    return flatten().roll(shifts, Axes{0}).reshape(shape());
  }
  const Dims& given = *dims.axes;
  if (given.size() != shifts.size())
    throw Error("roll: " + std::to_string(shifts.size()) + " shifts for " + std::to_string(given.size()) +
                " dims; give one shift per dim");
  std::vector<int64_t> reps(static_cast<size_t>(ndim()), 1);
  Dims ax;
  for (int64_t d : given) ax.push_back(detail::norm_axis(d, ndim(), shape().dims(), "roll"));
  if (numel() == 0) return *this;
  Pairs r = full_ranges(*this);
  for (size_t i = 0; i < ax.size(); i++) {
    const size_t d = static_cast<size_t>(ax[i]);
    const int64_t n = shape()[d], s = ((shifts[i] % n) + n) % n;
    reps[d] = 2;
    r[d] = {n - s, 2 * n - s};  // two copies side by side, the window starting s before the second
  }
  return repeat(reps).shrink(r);
}
Tensor Tensor::roll(int64_t shift, std::optional<int64_t> dim) const {
  return dim ? roll(std::vector<int64_t>{shift}, Axes{*dim}) : roll(std::vector<int64_t>{shift}, Axes{});
}

namespace {
struct Side {
  std::vector<std::string> names;
  std::vector<std::pair<size_t, size_t>> groups;  // [start, end) into names, one per parenthesis
};

[[noreturn]] void bad_formula(const std::string& formula, const std::string& why) {
  throw Error("rearrange: \"" + formula + "\": " + why +
              " (the form is \"a (b c) ... -> (a b) c ...\": names, parenthesised groups, one \"...\", and 1 for a size-1 dim)");
}

Side parse_side(const std::string& text, const std::string& formula) {
  std::string s;
  for (size_t i = 0; i < text.size(); i++) {
    if (text.compare(i, 3, "\xe2\x80\xa6") == 0) { s += " ... "; i += 2; }  // the ellipsis character
    else if (text[i] == '(' || text[i] == ')') { s += ' '; s += text[i]; s += ' '; }
    else s += text[i];
  }
  std::istringstream in(s);
  std::string tok;
  Side side;
  bool open = false;
  size_t start = 0;
  while (in >> tok) {
    if (tok == "(") {
      if (open) bad_formula(formula, "nested parentheses");
      open = true;
      start = side.names.size();
    } else if (tok == ")") {
      if (!open) bad_formula(formula, "a \")\" without its \"(\"");
      open = false;
      side.groups.push_back({start, side.names.size()});
    } else if (tok == "1") {
      if (open) bad_formula(formula, "1 inside parentheses");
      side.groups.push_back({side.names.size(), side.names.size()});  // an empty group: a size-1 dim
    } else {
      bool ok = tok == "..." || ((std::isalpha(static_cast<unsigned char>(tok[0])) || tok[0] == '_') && tok.front() != '_' &&
                                 tok.back() != '_');
      for (char ch : tok) ok = ok && (tok == "..." || std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
      if (!ok) bad_formula(formula, "invalid axis name \"" + tok + "\"");
      side.names.push_back(tok);
    }
  }
  if (open) bad_formula(formula, "a \"(\" without its \")\"");
  return side;
}

// Replaces "..." by n numbered names, moving the groups after it.
void expand_ellipsis(Side& side, size_t n) {
  auto it = std::find(side.names.begin(), side.names.end(), "...");
  if (it == side.names.end()) return;
  const size_t at = static_cast<size_t>(it - side.names.begin());
  std::vector<std::string> dots;
  for (size_t j = 0; j < n; j++) dots.push_back("..." + std::to_string(j));
  side.names.erase(it);
  side.names.insert(side.names.begin() + static_cast<std::ptrdiff_t>(at), dots.begin(), dots.end());
  for (auto& g : side.groups) {
    if (g.first > at) g.first += n - 1;
    if (g.second > at) g.second += n - 1;
  }
}
}  // namespace

Tensor Tensor::rearrange(const std::string& formula, const std::vector<std::pair<std::string, int64_t>>& sizes) const {
  const size_t arrow = formula.find("->");
  if (arrow == std::string::npos || formula.find("->", arrow + 2) != std::string::npos)
    bad_formula(formula, "needs exactly one \"->\"");
  Side lhs = parse_side(formula.substr(0, arrow), formula), rhs = parse_side(formula.substr(arrow + 2), formula);
  std::vector<std::string> a = lhs.names, b = rhs.names;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (std::adjacent_find(a.begin(), a.end()) != a.end()) bad_formula(formula, "a name appears twice on the left");
  if (a != b) bad_formula(formula, "the two sides must name the same axes");
  std::map<std::string, int64_t> given;
  for (const auto& [name, v] : sizes) {
    if (std::find(lhs.names.begin(), lhs.names.end(), name) == lhs.names.end())
      bad_formula(formula, "the size given for \"" + name + "\" names no axis of the left side");
    given[name] = v;
  }
  for (const auto& g : lhs.groups)
    for (size_t i = g.first; i < g.second; i++)
      if (lhs.names[i] == "...") bad_formula(formula, "\"...\" inside parentheses on the left");
  int64_t consumed = 0;  // dims the left side names, without "..."
  bool has_dots = std::find(lhs.names.begin(), lhs.names.end(), "...") != lhs.names.end();
  {
    size_t grouped = 0;
    for (const auto& g : lhs.groups) grouped += g.second - g.first;
    consumed = static_cast<int64_t>(lhs.names.size() - grouped + lhs.groups.size()) - (has_dots ? 1 : 0);
  }
  if (has_dots ? consumed > ndim() : consumed != ndim())
    bad_formula(formula, "the left side has " + std::to_string(consumed) + (has_dots ? "+" : "") +
                             " dims, the tensor's shape " + shape().to_string() + " has " + std::to_string(ndim()));
  const size_t dots = static_cast<size_t>(ndim() - consumed);
  if (has_dots) {
    expand_ellipsis(lhs, dots);
    expand_ellipsis(rhs, dots);
  }
  // Unflatten the left's groups (left to right: the dims before a group are its names so far).
  Tensor t = *this;
  for (const auto& g : lhs.groups) {
    const int64_t start = static_cast<int64_t>(g.first);
    if (g.first == g.second) {
      if (t.shape()[g.first] != 1)
        bad_formula(formula, "a 1 on the left stands for dim " + std::to_string(start) + " of size " +
                                 std::to_string(t.shape()[g.first]) + ", not 1");
      t = t.squeeze(start);
      continue;
    }
    Dims parts;
    int64_t unknown = 0, known = 1;
    for (size_t i = g.first; i < g.second; i++) {
      auto it = given.find(lhs.names[i]);
      parts.push_back(it == given.end() ? -1 : it->second);
      if (it == given.end()) unknown++;
      else known *= it->second;
    }
    if (unknown > 1) bad_formula(formula, "a group on the left has more than one axis of unknown size; give sizes");
    const int64_t n = t.shape()[g.first];
    if (unknown == 1 && (known <= 0 || n % known != 0))
      bad_formula(formula, "dim " + std::to_string(start) + " of size " + std::to_string(n) +
                               " does not split by the given sizes (product " + std::to_string(known) + ")");
    t = t.unflatten(start, Shape(parts));
  }
  for (size_t i = 0; i < lhs.names.size(); i++) {
    auto it = given.find(lhs.names[i]);
    if (it != given.end() && it->second != t.shape()[i])
      bad_formula(formula, "the size given for \"" + it->first + "\" is " + std::to_string(it->second) +
                               ", the tensor's is " + std::to_string(t.shape()[i]));
  }
  std::vector<int64_t> order;
  for (const auto& name : rhs.names)
    order.push_back(static_cast<int64_t>(std::find(lhs.names.begin(), lhs.names.end(), name) - lhs.names.begin()));
  t = t.permute(order);
  for (auto g = rhs.groups.rbegin(); g != rhs.groups.rend(); ++g) {
    if (g->first < g->second) t = t.flatten(static_cast<int64_t>(g->first), static_cast<int64_t>(g->second) - 1);
    else t = t.unsqueeze(static_cast<int64_t>(g->first));
  }
  return t;
}

Tensor Tensor::pad_to(std::vector<int64_t> target, Scalar value) const {
  if (static_cast<int64_t>(target.size()) != ndim())
    throw Error("pad_to: " + std::to_string(target.size()) + " sizes for a tensor of shape " + shape().to_string() +
                "; give one per dim (-1 keeps a dim)");
  Pairs p = no_pad(*this);
  for (size_t i = 0; i < target.size(); i++) {
    const int64_t n = shape()[i];
    if (target[i] == -1) continue;
    if (target[i] < n)
      throw Error("pad_to: size " + std::to_string(target[i]) + " for dim " + std::to_string(i) + " of shape " +
                  shape().to_string() + " is smaller than the dim (use shrink_to to cut)");
    p[i] = {0, target[i] - n};
  }
  return pad(p, value);
}

Tensor Tensor::shrink_to(std::vector<int64_t> target) const {
  if (static_cast<int64_t>(target.size()) != ndim())
    throw Error("shrink_to: " + std::to_string(target.size()) + " sizes for a tensor of shape " + shape().to_string() +
                "; give one per dim (-1 keeps a dim)");
  Pairs r = full_ranges(*this);
  for (size_t i = 0; i < target.size(); i++) {
    if (target[i] == -1) continue;
    if (target[i] < 0 || target[i] > shape()[i])
      throw Error("shrink_to: size " + std::to_string(target[i]) + " for dim " + std::to_string(i) + " of shape " +
                  shape().to_string() + " is outside [0, " + std::to_string(shape()[i]) + "] (use pad_to to grow)");
    r[i] = {0, target[i]};
  }
  return shrink(r);
}

}  // namespace tg
