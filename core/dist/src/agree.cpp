// Cross-rank agreement checks (agree.hpp).
#include "agree.hpp"

#include "mpi_env.hpp"
#include "tg/error.hpp"

namespace tg::dist::detail {

uint64_t fingerprint(const std::vector<int64_t>& words) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t w : words)
    for (int b = 0; b < 8; ++b) {
      h ^= (static_cast<uint64_t>(w) >> (8 * b)) & 0xff;
      h *= 1099511628211ull;
    }
  return h;
}

std::vector<int64_t> signature(const Tensor& t, size_t from_dim) {
  std::vector<int64_t> w{static_cast<int64_t>(t.dtype()), t.ndim()};
  const Shape s = t.shape();
  for (size_t d = from_dim; d < s.size(); ++d) w.push_back(s[d]);
  return w;
}

bool same_on_every_rank(uint64_t value, const std::string& what) {
  // max(v) and max(~v) = ~min(v) in one reduction: all equal exactly when max == min.
  uint64_t mine[2] = {value, ~value}, top[2] = {0, 0};
  MPI_Request req;
  check(MPI_Iallreduce(mine, top, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD, &req), what);
  wait(req, what);
  return top[0] == ~top[1];
}

void require_same_tensor(const Tensor& t, const char* what) {
  if (same_on_every_rank(fingerprint(signature(t)), std::string(what) + " (checking shapes)")) return;
  throw Error(std::string("tg::dist::") + what + ": the ranks passed tensors of different shapes or dtypes (this rank: " +
              t.shape().to_string() + " " + dtype_name(t.dtype()) +
              "); every rank must call each collective with a tensor of the same shape and dtype, in the same order");
}

}  // namespace tg::dist::detail
