// tg::einsum: the equation is parsed into one label per dim, repeated labels within an operand
// become diagonals (views), and operands are contracted left to right, each pair as one matmul
// over (batch, rows, columns, contracted) groups of labels, so a contraction stays a GEMM on a
// device that has one (tinygrad's einsum multiplies everything out and sums instead).
#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "tensor/ops.hpp"

namespace tg {

using detail::Dims;

namespace {

// Labels: letters are 0..51 (ASCII order: 'A'..'Z' then 'a'..'z'); the dims "..." stands for
// are kEllipsis + j, j counted so that they line up from the right across operands.
constexpr int kEllipsis = 52;
using Labels = std::vector<int>;

int letter_label(char c) { return c <= 'Z' ? c - 'A' : 26 + (c - 'a'); }

[[noreturn]] void bad(const std::string& eq, const std::string& why) {
  throw Error("einsum(\"" + eq + "\"): " + why +
              " (accepted: comma-separated operand subscripts of letters and at most one \"...\" each, optionally "
              "\"->\" and the output's subscripts, e.g. \"bij,bjk->bik\", \"ii->i\", \"...ij->...ji\")");
}

// One operand's or the output's subscripts: letters and at most one "..." (marked by -1).
Labels parse_term(const std::string& eq, const std::string& term, const char* what) {
  Labels out;
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); i++) {
    const char c = term[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      out.push_back(letter_label(c));
    } else if (c == '.') {
      if (term.compare(i, 3, "...") != 0) bad(eq, std::string("a '.' that is not part of \"...\" in ") + what);
      if (ellipsis) bad(eq, std::string("more than one \"...\" in ") + what);
      ellipsis = true;
      out.push_back(-1);
      i += 2;
    } else {
      bad(eq, std::string("character '") + c + "' in " + what);
    }
  }
  return out;
}

// The diagonal of dims j < k (the same size n) of x, as the last dim: a view (a flatten of the
// two to n * n elements, padded to n * (n + 1) so that element i * (n + 1) starts row i).
Tensor diagonal(const Tensor& x, int64_t j, int64_t k) {
  const int64_t nd = x.ndim(), n = x.size(j);
  std::vector<int64_t> order;
  for (int64_t d = 0; d < nd; d++)
    if (d != j && d != k) order.push_back(d);
  order.push_back(j);
  order.push_back(k);
  Tensor y = x.permute(order).flatten(-2);
  std::vector<std::pair<int64_t, int64_t>> pads(static_cast<size_t>(nd - 1), {0, 0});
  pads.back() = {0, n};
  y = y.pad(pads).unflatten(-1, {n, n + 1});
  return y.slice(-1, 0, 1).squeeze(-1);
}

struct Operand {
  Tensor t;
  Labels labels;  // one per dim, all different
};

// Sums the dims of `o` whose labels fail `keep`.
Operand sum_out(Operand o, const std::function<bool(int)>& keep) {
  std::vector<int64_t> axes;
  Labels rest;
  for (size_t d = 0; d < o.labels.size(); d++) {
    if (keep(o.labels[d])) rest.push_back(o.labels[d]);
    else axes.push_back(static_cast<int64_t>(d));
  }
  if (!axes.empty()) o.t = o.t.sum(Axes(axes));
  o.labels = rest;
  return o;
}

// a and b contracted into one operand holding the labels `keep` accepts, as one matmul:
// (batch, M, K) @ (batch, K, N), where batch labels are in both and kept, K in both and not
// kept, M only in a and N only in b.
Operand contract(Operand a, Operand b, const std::function<bool(int)>& keep, const std::map<int, int64_t>& size) {
  auto in = [](const Labels& l, int x) { return std::find(l.begin(), l.end(), x) != l.end(); };
  a = sum_out(a, [&](int x) { return keep(x) || in(b.labels, x); });
  b = sum_out(b, [&](int x) { return keep(x) || in(a.labels, x); });
  Labels batch, m, n, k;
  for (int x : a.labels) (in(b.labels, x) ? (keep(x) ? batch : k) : m).push_back(x);
  for (int x : b.labels)
    if (!in(a.labels, x)) n.push_back(x);
  auto arrange = [&](const Operand& o, const std::vector<const Labels*>& groups) {
    std::vector<int64_t> order;
    Dims full;
    for (const Labels* g : groups)
      for (int x : *g) {
        auto it = std::find(o.labels.begin(), o.labels.end(), x);
        order.push_back(it - o.labels.begin());
        full.push_back(size.at(x));
      }
    Tensor t = o.t.permute(order).expand(Shape(full));  // size-1 dims broadcast to the other's
    Dims grouped;
    for (const Labels* g : groups) {
      int64_t p = 1;
      for (int x : *g) p *= size.at(x);
      grouped.push_back(p);
    }
    return t.reshape(Shape(grouped));
  };
  Tensor r;
  if (k.empty()) {
    r = arrange(a, {&batch, &m}).unsqueeze(-1) * arrange(b, {&batch, &n}).unsqueeze(-2);
  } else {
    r = arrange(a, {&batch, &m, &k}).matmul(arrange(b, {&batch, &k, &n}));
  }
  Operand out;
  Dims shape;
  for (const Labels* g : {&batch, &m, &n})
    for (int x : *g) {
      out.labels.push_back(x);
      shape.push_back(size.at(x));
    }
  out.t = r.reshape(Shape(shape));
  return out;
}

}  // namespace

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  if (arrow != std::string::npos && eq.find("->", arrow + 1) != std::string::npos) bad(equation, "more than one \"->\"");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != operands.size())
    bad(equation, "it has " + std::to_string(terms.size()) + " operand(s) but " + std::to_string(operands.size()) +
                      " tensor(s) were given");
  // Labels per dim, with "..." expanded to right-aligned ellipsis labels.
  std::vector<Labels> parsed;
  int64_t ell_n = 0;
  for (size_t i = 0; i < terms.size(); i++) {
    parsed.push_back(parse_term(equation, terms[i], ("operand " + std::to_string(i)).c_str()));
    const int64_t letters = static_cast<int64_t>(std::count_if(parsed[i].begin(), parsed[i].end(), [](int x) { return x >= 0; }));
    const bool has_ell = letters != static_cast<int64_t>(parsed[i].size());
    const int64_t nd = operands[i].ndim();
    if (has_ell ? letters > nd : letters != nd)
      bad(equation, "operand " + std::to_string(i) + " (\"" + terms[i] + "\") has " + std::to_string(letters) +
                        " subscript(s) but its tensor has shape " + operands[i].shape().to_string());
    if (has_ell) ell_n = std::max(ell_n, nd - letters);
  }
  std::vector<Operand> ops;
  std::map<int, int64_t> size;
  std::map<int, int> uses;  // for the implicit output: letters used once
  for (size_t i = 0; i < parsed.size(); i++) {
    Operand o{operands[i], {}};
    const int64_t letters = static_cast<int64_t>(std::count_if(parsed[i].begin(), parsed[i].end(), [](int x) { return x >= 0; }));
    const int64_t e = o.t.ndim() - letters;
    for (int x : parsed[i]) {
      if (x >= 0) {
        o.labels.push_back(x);
        uses[x]++;
      } else {
        for (int64_t j = ell_n - e; j < ell_n; j++) o.labels.push_back(kEllipsis + static_cast<int>(j));
      }
    }
    // Repeated labels: the diagonal, which replaces both dims by one last dim.
    for (bool again = true; again;) {
      again = false;
      for (size_t j = 0; j < o.labels.size() && !again; j++)
        for (size_t k = j + 1; k < o.labels.size() && !again; k++) {
          if (o.labels[j] != o.labels[k]) continue;
          if (o.t.size(static_cast<int64_t>(j)) != o.t.size(static_cast<int64_t>(k)))
            bad(equation, "operand " + std::to_string(i) + " repeats a subscript over dims of different sizes " +
                              std::to_string(o.t.size(static_cast<int64_t>(j))) + " and " +
                              std::to_string(o.t.size(static_cast<int64_t>(k))) + " (shape " + o.t.shape().to_string() + ")");
          const int x = o.labels[j];
          o.t = diagonal(o.t, static_cast<int64_t>(j), static_cast<int64_t>(k));
          o.labels.erase(o.labels.begin() + static_cast<std::ptrdiff_t>(k));
          o.labels.erase(o.labels.begin() + static_cast<std::ptrdiff_t>(j));
          o.labels.push_back(x);
          again = true;
        }
    }
    // Sizes: equal, or 1 (broadcast), across operands.
    for (size_t d = 0; d < o.labels.size(); d++) {
      const int x = o.labels[d];
      const int64_t s = o.t.size(static_cast<int64_t>(d));
      auto it = size.find(x);
      if (it == size.end() || it->second == 1) {
        size[x] = s;
      } else if (s != 1 && s != it->second) {
        const std::string name = x >= kEllipsis ? "a dim of \"...\"" : std::string("subscript '") +
                                                                              static_cast<char>(x < 26 ? 'A' + x : 'a' + x - 26) + "'";
        bad(equation, name + " has size " + std::to_string(it->second) + " in one operand and " + std::to_string(s) +
                          " in operand " + std::to_string(i) + " (shape " + operands[i].shape().to_string() +
                          "); sizes must match or be 1");
      }
    }
    ops.push_back(o);
  }
  Labels out;
  if (arrow != std::string::npos) {
    for (int x : parse_term(equation, eq.substr(arrow + 2), "the output")) {
      if (x < 0) {
        for (int64_t j = 0; j < ell_n; j++) out.push_back(kEllipsis + static_cast<int>(j));
        continue;
      }
      if (!uses.count(x)) bad(equation, std::string("output subscript '") + static_cast<char>(x < 26 ? 'A' + x : 'a' + x - 26) + "' is in no operand");
      if (std::find(out.begin(), out.end(), x) != out.end())
        bad(equation, std::string("output subscript '") + static_cast<char>(x < 26 ? 'A' + x : 'a' + x - 26) + "' appears twice");
      out.push_back(x);
    }
  } else {
    for (int64_t j = 0; j < ell_n; j++) out.push_back(kEllipsis + static_cast<int>(j));
    for (const auto& [x, n] : uses)
      if (n == 1) out.push_back(x);
  }
  // Left to right: keep the labels of the output and of the operands still to come.
  Operand cur = ops[0];
  for (size_t i = 1; i < ops.size(); i++) {
    std::set<int> needed(out.begin(), out.end());
    for (size_t j = i + 1; j < ops.size(); j++) needed.insert(ops[j].labels.begin(), ops[j].labels.end());
    cur = contract(cur, ops[i], [&](int x) { return needed.count(x) > 0; }, size);
  }
  cur = sum_out(cur, [&](int x) { return std::find(out.begin(), out.end(), x) != out.end(); });
  std::vector<int64_t> order;
  Dims full;
  for (int x : out) {
    order.push_back(std::find(cur.labels.begin(), cur.labels.end(), x) - cur.labels.begin());
    full.push_back(size.at(x));
  }
  Tensor r = cur.t.permute(order);
  return r.shape().dims() == full ? r : r.expand(Shape(full));
}

}  // namespace tg
