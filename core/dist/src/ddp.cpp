// DistributedDataParallel: the shape check and rank 0's values at construction; gradient
// buckets, each all-reduced (MPI_Iallreduce) as soon as its gradients are computed.
#include <cstring>
#include <string>

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

// What the ranks compare before training: parameter count, elements, fingerprint of shapes.
struct ModelSummary {
  int64_t count = 0, elements = 0, hash = 0;
};

ModelSummary summarize(const std::vector<Tensor>& params) {
  std::vector<int64_t> words;
  ModelSummary s;
  s.count = static_cast<int64_t>(params.size());
  for (const Tensor& p : params) {
    std::vector<int64_t> sig = detail::signature(p);
    words.insert(words.end(), sig.begin(), sig.end());
    s.elements += p.numel();
  }
  s.hash = static_cast<int64_t>(detail::fingerprint(words));
  return s;
}

void require_same_model(const std::vector<Tensor>& params) {
  const int world = world_size(), me = rank();
  ModelSummary mine = summarize(params);
  std::vector<ModelSummary> all(static_cast<size_t>(world));
  MPI_Request req;
  check(MPI_Iallgather(&mine, 3, MPI_INT64_T, all.data(), 3, MPI_INT64_T, MPI_COMM_WORLD, &req),
        "DistributedDataParallel (comparing models)");
  detail::wait(req, "DistributedDataParallel (comparing models)");
  for (int r = 0; r < world; ++r) {
    const ModelSummary& o = all[static_cast<size_t>(r)];
    if (o.hash == all[0].hash && o.count == all[0].count && o.elements == all[0].elements) continue;
    auto says = [](int who, const ModelSummary& s) {
      return "rank " + std::to_string(who) + " has " + std::to_string(s.count) + " parameters of " +
             std::to_string(s.elements) + " elements (shape hash " + std::to_string(static_cast<uint64_t>(s.hash)) + ")";
    };
    throw Error("tg::dist::DistributedDataParallel: the ranks built different models: " + says(0, all[0]) + ", " +
                says(r, o) + " (this is rank " + std::to_string(me) +
                "). Every rank must build the same model, with the same parameter shapes in the same order");
  }
}

// The elements of a bucket's parameters, in bucket order, and where each starts.
std::vector<int64_t> offsets_of(const std::vector<Tensor>& params, const std::vector<size_t>& bucket, int64_t* total) {
  std::vector<int64_t> at;
  int64_t n = 0;
  for (size_t i : bucket) {
    at.push_back(n);
    n += params[i].numel();
  }
  *total = n;
  return at;
}

int mpi_count(int64_t n) {
  if (n > INT32_MAX)
    throw Error("tg::dist::DistributedDataParallel: a parameter of " + std::to_string(n) +
                " elements passes MPI's count limit (2^31 - 1 elements)");
  return static_cast<int>(n);
}

// A bucket's values as one flat tensor (on the bucket's device) cut back into its tensors' shapes.
std::vector<Tensor> cut(const Tensor& flat, const std::vector<Tensor>& params, const std::vector<size_t>& bucket,
                        const std::vector<int64_t>& at) {
  std::vector<Tensor> out;
  for (size_t k = 0; k < bucket.size(); ++k) {
    const Tensor& p = params[bucket[k]];
    out.push_back(flat.slice(0, at[k], at[k] + p.numel()).reshape(p.shape()));
  }
  return out;
}

}  // namespace

DistributedDataParallel::DistributedDataParallel(nn::Module& module, int64_t bucket_bytes)
    : module_(module), params_(module.parameters()) {
  detail::require_init("DistributedDataParallel");
  if (bucket_bytes <= 0)
    throw Error("tg::dist::DistributedDataParallel: bucket_bytes must be positive, got " + std::to_string(bucket_bytes) +
                " (the default is 25 MB)");
  require_same_model(params_);
  // Buckets, last parameter first: backward computes the gradients of the last layers first.
  // A bucket holds one dtype on one device (it travels as one flat array).
  std::vector<size_t> open;
  int64_t open_bytes = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const Tensor& p = params_[k];
    const bool fits = !open.empty() && params_[open[0]].dtype() == p.dtype() &&
                      params_[open[0]].device() == p.device() && open_bytes + p.numel() * dtype_size(p.dtype()) <= bucket_bytes;
    if (!open.empty() && !fits) {
      buckets_.push_back(std::move(open));
      open.clear();
      open_bytes = 0;
    }
    open.push_back(k);
    open_bytes += p.numel() * dtype_size(p.dtype());
  }
  if (!open.empty()) buckets_.push_back(std::move(open));

  // Rank 0's values everywhere, one broadcast per bucket.
  if (world_size() == 1) return;
  const bool root = rank() == 0;
  NoGrad no_grad;
  for (const std::vector<size_t>& bucket : buckets_) {
    const Tensor& first = params_[bucket[0]];
    int64_t total = 0;
    std::vector<int64_t> at = offsets_of(params_, bucket, &total);
    HostResult flat(Shape{total}, first.dtype(), first.device());
    const int64_t esize = dtype_size(first.dtype());
    if (root) {
      std::vector<Tensor> values;
      for (size_t i : bucket) values.push_back(params_[i]);
      HostSources src(values);
      for (size_t k = 0; k < bucket.size(); ++k) src.copy_to(k, static_cast<char*>(flat.data()) + at[k] * esize);
    }
    MPI_Request req;
    check(MPI_Ibcast(flat.data(), mpi_count(total), detail::mpi_type(first.dtype(), "DistributedDataParallel"), 0,
                     MPI_COMM_WORLD, &req),
          "DistributedDataParallel (broadcasting rank 0's parameters)");
    detail::wait(req, "DistributedDataParallel (broadcasting rank 0's parameters)");
    if (root) continue;
    std::vector<Tensor> values = cut(flat.tensor(), params_, bucket, at);
    for (size_t k = 0; k < bucket.size(); ++k) params_[bucket[k]].assign(values[k]).realize();
  }
}

void DistributedDataParallel::sync_gradients() {
  detail::require_init("DistributedDataParallel::sync_gradients");
  const int world = world_size();
  if (world == 1) return;  // the average of one
  NoGrad no_grad;
  struct InFlight {
    size_t bucket;
    std::vector<int64_t> at;
    HostResult flat;
    MPI_Request req;
  };
  std::vector<InFlight> flying;
  flying.reserve(buckets_.size());
  const std::string what = "DistributedDataParallel::sync_gradients (MPI_Iallreduce)";
  for (size_t b = 0; b < buckets_.size(); ++b) {
    const std::vector<size_t>& bucket = buckets_[b];
    const Tensor& first = params_[bucket[0]];
    std::vector<Tensor> grads;
    for (size_t i : bucket) {
      std::optional<Tensor> g = params_[i].grad();
      grads.push_back(g ? *g : Tensor::zeros(params_[i].shape(), {params_[i].dtype(), params_[i].device(), false}));
    }
    int64_t total = 0;
    std::vector<int64_t> at = offsets_of(params_, bucket, &total);
    // Computes this bucket's gradients (one schedule) while the earlier buckets are in flight.
    HostSources src(grads);
    flying.push_back({b, std::move(at), HostResult(Shape{total}, first.dtype(), first.device()), MPI_REQUEST_NULL});
    InFlight& f = flying.back();
    const int64_t esize = dtype_size(first.dtype());
    for (size_t k = 0; k < bucket.size(); ++k) src.copy_to(k, static_cast<char*>(f.flat.data()) + f.at[k] * esize);
    check(MPI_Iallreduce(MPI_IN_PLACE, f.flat.data(), mpi_count(total), detail::mpi_type(first.dtype(), "sync_gradients"),
                         MPI_SUM, MPI_COMM_WORLD, &f.req),
          what);
    // MPI moves the data forward inside its calls: give every bucket in flight a turn.
    for (InFlight& o : flying)
      if (o.req != MPI_REQUEST_NULL && detail::test(o.req, what)) o.req = MPI_REQUEST_NULL;
  }
  for (InFlight& f : flying) {
    if (f.req != MPI_REQUEST_NULL) detail::wait(f.req, what);
    const std::vector<size_t>& bucket = buckets_[f.bucket];
    // The sum over ranks / world: lazy, so the division runs inside the optimizer's kernels.
    Tensor mean = f.flat.tensor() / static_cast<float>(world);
    std::vector<Tensor> grads = cut(mean, params_, bucket, f.at);
    for (size_t k = 0; k < bucket.size(); ++k) params_[bucket[k]].set_grad(grads[k]);
  }
}

}  // namespace tg::dist
