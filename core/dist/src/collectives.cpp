// all_reduce, broadcast, all_gather, barrier: a tensor's realized buffer handed to MPI's
// non-blocking collective (host_memory.hpp: no copy on host devices), waited for under
// TG_DIST_TIMEOUT, and the result put back in place like assign().
#include <climits>
#include <string>
#include <vector>

#include "agree.hpp"
#include "host_memory.hpp"
#include "mpi_env.hpp"
#include "tg/dist.hpp"
#include "tg/error.hpp"

namespace tg::dist {
namespace {

using detail::check;
using detail::HostResult;
using detail::HostSources;

// MPI counts are ints: a tensor past 2^31 elements goes in pieces of this many.
constexpr int64_t kChunk = int64_t{1} << 30;

MPI_Op mpi_op(ReduceOp op, DType dtype) {
  if (dtype == DType::bool_ && (op == ReduceOp::sum || op == ReduceOp::mean))
    throw Error("tg::dist::all_reduce: sum and mean of a bool tensor are not bools; use ReduceOp::max (any rank "
                "true) or ReduceOp::min (every rank true), or cast to int32 first");
  if (op == ReduceOp::mean && !is_float(dtype))
    throw Error(std::string("tg::dist::all_reduce: mean of a ") + dtype_name(dtype) +
                " tensor would round; cast it to float32 first, or use ReduceOp::sum and divide yourself");
  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::mean: return MPI_SUM;
    case ReduceOp::max: return MPI_MAX;
    case ReduceOp::min: return MPI_MIN;
  }
  throw Error("tg::dist::all_reduce: unknown ReduceOp " + std::to_string(static_cast<int>(op)));
}

void require_tensor(const Tensor& t, const char* what) {
  if (!t.defined()) throw Error(std::string("tg::dist::") + what + ": the tensor is empty (default-constructed)");
}

}  // namespace

void all_reduce(Tensor& t, ReduceOp op) {
  detail::require_init("all_reduce");
  require_tensor(t, "all_reduce");
  const MPI_Datatype type = detail::mpi_type(t.dtype(), "all_reduce");
  const MPI_Op mop = mpi_op(op, t.dtype());
  detail::require_same_tensor(t, "all_reduce");
  HostSources src({t});
  HostResult out(t.shape(), t.dtype(), t.device());
  const int64_t n = t.numel(), esize = dtype_size(t.dtype());
  for (int64_t at = 0; at < n; at += kChunk) {
    const int count = static_cast<int>(std::min(kChunk, n - at));
    MPI_Request req;
    check(MPI_Iallreduce(static_cast<const char*>(src.data(0)) + at * esize, static_cast<char*>(out.data()) + at * esize,
                         count, type, mop, MPI_COMM_WORLD, &req),
          "all_reduce (MPI_Iallreduce)");
    detail::wait(req, "all_reduce");
  }
  Tensor r = out.tensor();
  if (op == ReduceOp::mean) r = r / static_cast<float>(world_size());
  t.assign(r);
}

void broadcast(Tensor& t, int root) {
  detail::require_init("broadcast");
  require_tensor(t, "broadcast");
  const int world = world_size(), me = rank();
  if (root < 0 || root >= world)
    throw Error("tg::dist::broadcast: root " + std::to_string(root) + " is not a rank; ranks are 0 .. " +
                std::to_string(world - 1));
  const MPI_Datatype type = detail::mpi_type(t.dtype(), "broadcast");
  detail::require_same_tensor(t, "broadcast");
  const int64_t n = t.numel(), esize = dtype_size(t.dtype());
  if (me == root) {
    HostSources src({t});
    // MPI_Bcast only reads the root's buffer.
    char* data = const_cast<char*>(static_cast<const char*>(src.data(0)));
    for (int64_t at = 0; at < n; at += kChunk) {
      MPI_Request req;
      check(MPI_Ibcast(data + at * esize, static_cast<int>(std::min(kChunk, n - at)), type, root, MPI_COMM_WORLD, &req),
            "broadcast (MPI_Ibcast)");
      detail::wait(req, "broadcast");
    }
    return;
  }
  HostResult out(t.shape(), t.dtype(), t.device());
  char* data = static_cast<char*>(out.data());
  for (int64_t at = 0; at < n; at += kChunk) {
    MPI_Request req;
    check(MPI_Ibcast(data + at * esize, static_cast<int>(std::min(kChunk, n - at)), type, root, MPI_COMM_WORLD, &req),
          "broadcast (MPI_Ibcast)");
    detail::wait(req, "broadcast");
  }
  t.assign(out.tensor());
}

Tensor all_gather(const Tensor& t) {
  detail::require_init("all_gather");
  require_tensor(t, "all_gather");
  if (t.ndim() == 0)
    throw Error("tg::dist::all_gather: the tensor has no dims to concatenate on; gather t.reshape({1}) instead");
  const MPI_Datatype type = detail::mpi_type(t.dtype(), "all_gather");
  const int world = world_size();
  // Every rank's dim 0 and the fingerprint of the rest (dtype and the other dims), in one go.
  int64_t mine[2] = {t.shape()[0], static_cast<int64_t>(detail::fingerprint(detail::signature(t, 1)))};
  std::vector<int64_t> all(2 * static_cast<size_t>(world));
  MPI_Request req;
  check(MPI_Iallgather(mine, 2, MPI_INT64_T, all.data(), 2, MPI_INT64_T, MPI_COMM_WORLD, &req),
        "all_gather (sizes)");
  detail::wait(req, "all_gather");
  const int64_t row = t.shape()[0] > 0 ? t.numel() / t.shape()[0] : [&] {
    int64_t r = 1;
    for (size_t d = 1; d < t.shape().size(); ++d) r *= t.shape()[d];
    return r;
  }();
  std::vector<int> counts(static_cast<size_t>(world)), displs(static_cast<size_t>(world));
  int64_t rows = 0, at = 0;
  for (int r = 0; r < world; ++r) {
    if (all[2 * static_cast<size_t>(r) + 1] != mine[1])
      throw Error("tg::dist::all_gather: rank " + std::to_string(r) +
                  " passed a tensor whose dtype or dims after the first differ from this rank's (" + t.shape().to_string() +
                  " " + dtype_name(t.dtype()) + "); only dim 0 may differ between ranks");
    const int64_t elems = all[2 * static_cast<size_t>(r)] * row;
    if (elems > INT_MAX || at > INT_MAX)
      throw Error("tg::dist::all_gather: " + std::to_string(elems) + " elements from rank " + std::to_string(r) +
                  " pass MPI's count limit (2^31 - 1 elements in all); gather smaller pieces");
    counts[static_cast<size_t>(r)] = static_cast<int>(elems);
    displs[static_cast<size_t>(r)] = static_cast<int>(at);
    rows += all[2 * static_cast<size_t>(r)];
    at += elems;
  }
  if (at > INT_MAX)
    throw Error("tg::dist::all_gather: the result's " + std::to_string(at) +
                " elements pass MPI's count limit (2^31 - 1); gather smaller pieces");
  Shape shape = t.shape();
  shape[0] = rows;
  HostSources src({t});
  HostResult out(shape, t.dtype(), t.device());
  check(MPI_Iallgatherv(src.data(0), counts[static_cast<size_t>(rank())], type, out.data(), counts.data(),
                        displs.data(), type, MPI_COMM_WORLD, &req),
        "all_gather (MPI_Iallgatherv)");
  detail::wait(req, "all_gather");
  return out.tensor();
}

void barrier() {
  detail::require_init("barrier");
  MPI_Request req;
  check(MPI_Ibarrier(MPI_COMM_WORLD, &req), "barrier (MPI_Ibarrier)");
  detail::wait(req, "barrier");
}

}  // namespace tg::dist
