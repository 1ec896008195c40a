// qr and svd of the last two dims, as tinygrad's: Householder reflections, then one-sided Jacobi
// rotations, all from matmul and elementwise ops (so gradients flow through both).
#include <numeric>
#include <tuple>

#include "tensor/ops.hpp"

namespace tg {

using detail::Dims;

namespace {
Dims batch_of(const Tensor& x) {
  Dims s = x.shape().dims();
  return Dims(s.begin(), s.end() - 2);
}
Shape with(Dims b, std::initializer_list<int64_t> tail) {
  b.insert(b.end(), tail.begin(), tail.end());
  return Shape(std::vector<int64_t>(b.begin(), b.end()));
}
void check_matrix(const Tensor& x, const char* what) {
  if (x.ndim() < 2)
    throw Error(std::string(what) + ": needs at least 2 dims (..., m, n), got shape " + x.shape().to_string());
}
}  // namespace

std::pair<Tensor, Tensor> Tensor::qr() const {
  check_matrix(*this, "qr");
  Tensor r = detail::to_float(*this);
  const Dims b = batch_of(r);
  const int64_t m = r.shape()[static_cast<size_t>(ndim() - 2)], n = r.shape().back();
  const TensorOptions o{r.dtype(), device(), false};
  Tensor q = Tensor::eye(m, o).expand(with(b, {m, m}));
  Tensor idx = Tensor::arange(static_cast<double>(m), TensorOptions{DType::int32, device(), false});
  for (int64_t i = 0; i < std::min(m, n); i++) {
    // The full-length Householder vector v (zero above row i); w = tau * v is the rank-1 factor.
    Tensor at_i = idx == Scalar(static_cast<long long>(i));
    Tensor x = tg::where(idx >= Scalar(static_cast<long long>(i)), r.slice(-1, i, i + 1).squeeze(-1), 0.0);
    Tensor norm = x.square().sum(-1, true).sqrt();
    Tensor x0 = tg::where(at_i, x, 0.0).sum(-1, true);
    Tensor sgn = tg::where(x0 != 0, x0.sign(), 1.0), active = norm != 0;
    Tensor u0 = x0 + sgn * norm;
    Tensor v = (tg::where(at_i, u0, x) / tg::where(active, u0, 1.0)).unsqueeze(-1);
    Tensor w = tg::where(active, sgn * u0 / tg::where(active, norm, 1.0), 0.0).unsqueeze(-1) * v;
    r = r - w.matmul(v.transpose(-2, -1).matmul(r));
    q = q - q.matmul(v).matmul(w.transpose(-2, -1));
  }
  return {q, r};
}

std::tuple<Tensor, Tensor, Tensor> Tensor::svd(bool full_matrices) const {
  check_matrix(*this, "svd");
  const Dims b = batch_of(*this);
  const int64_t m = shape()[static_cast<size_t>(ndim() - 2)], n = shape().back();
  const bool tall = m >= n;
  auto [q, r] = (tall ? *this : transpose(-2, -1)).qr();
  const int64_t num = std::min(m, n), q_num = std::max(m, n), h = num / 2;
  const TensorOptions o{q.dtype(), device(), false};
  Tensor u = r.slice(-2, 0, num).slice(-1, 0, num).contiguous();
  Tensor v = Tensor::eye(num, o).expand(with(b, {num, num})).contiguous();
  Tensor eye_num = Tensor::eye(num, o).expand(with(b, {num, num}));
  // Round-robin pairing of the columns (data-independent, so kept on the host): the identity on
  // the first half, reversed on the second.
  std::vector<int64_t> perm(static_cast<size_t>(num));
  std::iota(perm.begin(), perm.begin() + h, 0);
  for (int64_t j = h; j < num; j++) perm[static_cast<size_t>(j)] = num - 1 - (j - h);
  for (int64_t round = 0; h > 0 && round < 4 * num; round++) {
    // Selectors of the 2h paired columns: P[a][k] = (a == perm[k]).
    std::vector<double> sel(static_cast<size_t>(num * 2 * h), 0.0);
    for (int64_t k = 0; k < 2 * h; k++) sel[static_cast<size_t>(perm[static_cast<size_t>(k)] * 2 * h + k)] = 1.0;
    Tensor pp = Tensor(sel, Shape({num, 2 * h}), o);
    Tensor up = u.matmul(pp);
    std::vector<Tensor> lr = up.split(h, -1);
    Tensor gamma = (lr[0] * lr[1]).sum(-2, true);  // (..., 1, h)
    std::vector<Tensor> ab = up.square().sum(-2, true).split(h, -1);
    Tensor rot = gamma != 0;
    Tensor tau = (ab[1] - ab[0]) / (2.0 * tg::where(rot, gamma, 1.0));
    Tensor t = tg::where(tau != 0, tau.sign(), 1.0) / (tau.abs() + (1.0 + tau.square()).sqrt());
    t = tg::where(rot, t, 0.0);
    Tensor c = (1.0 + t.square()).rsqrt(), s = c * t;
    // The rotation: the identity plus, for each pair (i_k, j_k), its 2x2 block's change.
    std::vector<Tensor> mij = pp.transpose(-2, -1).split(h, -2);  // each (h, num)
    Tensor mia = mij[0].unsqueeze(-1), mib = mij[0].unsqueeze(-2), mja = mij[1].unsqueeze(-1), mjb = mij[1].unsqueeze(-2);
    Tensor cc = (c - 1.0).reshape(with(b, {h, 1, 1})), ss = s.reshape(with(b, {h, 1, 1}));
    Tensor rm = eye_num + (cc * (mia * mib + mja * mjb) + ss * (mia * mjb - mja * mib)).sum(-3);
    u = u.matmul(rm).realize();
    v = v.matmul(rm).realize();
    if (num % 2 == 1) {
      for (auto& p : perm) p = (p - 1 + num) % num;
    } else {
      for (size_t k = 1; k < perm.size(); k++) perm[k] = ((perm[k] - 2) % (num - 1) + (num - 1)) % (num - 1) + 1;
    }
  }
  // Singular values are the column norms; sort them descending by rank (ties: the earlier first),
  // as a permutation matrix, so the columns of U and V follow.
  Tensor sv = u.square().sum(-2).sqrt();  // (..., num)
  Tensor si = sv.unsqueeze(-1), sj = sv.unsqueeze(-2);
  Tensor pos = Tensor::arange(static_cast<double>(num), TensorOptions{DType::int32, device(), false});
  Tensor before = pos.reshape({1, num}) < pos.reshape({num, 1});  // [i][j]: j < i
  Tensor rank = ((sj > si).logical_or((sj == si).logical_and(before))).cast(DType::int32).sum(-1);  // (..., num)
  Tensor pm = (rank.unsqueeze(-1) == pos.reshape({1, num})).cast(o.dtype.value());  // [i][r]
  Tensor s_sorted = sv.unsqueeze(-2).matmul(pm).squeeze(-2);
  u = u.matmul(pm) / tg::where(s_sorted != 0, s_sorted, 1.0).unsqueeze(-2);
  v = v.matmul(pm);
  // U sits in the top-left num x num block of a q_num x q_num identity, then Q rotates it back.
  std::vector<std::pair<int64_t, int64_t>> pad(b.size(), {0, 0});
  pad.push_back({0, q_num - num});
  pad.push_back({0, q_num - num});
  Tensor eye_q = Tensor::eye(q_num, o).expand(with(b, {q_num, q_num}));
  Tensor eye_n = Tensor::eye(num, o).expand(with(b, {num, num})).pad(pad);
  u = q.matmul(u.pad(pad) + eye_q - eye_n);
  if (!full_matrices) u = u.slice(-1, 0, num);
  if (tall) return {u, s_sorted, v.transpose(-2, -1)};
  return {v, s_sorted, u.transpose(-2, -1)};
}

}  // namespace tg
