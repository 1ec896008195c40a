#pragma once
// tg::dist: data-parallel training over MPI (libtg-dist, CMake target tg::dist; find_package(tg
// CONFIG REQUIRED COMPONENTS dist)). Every process (rank) runs the same program under
// `mpirun -n N`, trains the same model on its own share of each batch, and averages gradients
// with the others before each optimizer step, as PyTorch's DistributedDataParallel.
//
//   tg::dist::init(argc, argv);
//   MyNet net;
//   tg::dist::DistributedDataParallel ddp(net);        // parameters broadcast from rank 0
//   tg::dist::DistributedSampler sampler(n_train, true, seed);
//   for (int e = 0; e < epochs; ++e) {
//     sampler.set_epoch(e);
//     std::vector<int64_t> mine = sampler.indices();   // this rank's share of the epoch
//     ... loss.backward(); ddp.sync_gradients(); opt.step(); ...
//   }
//   tg::dist::finalize();
//
// Collectives are called by every rank in the same order with tensors of the same shape and
// dtype (checked: a mismatch is a tg::Error on every rank, not a hang). A collective that waits
// longer than TG_DIST_TIMEOUT seconds (default 600) for the other ranks, because one died or
// stopped calling collectives, throws tg::Error; MPI communication is then broken, so end the
// process with an error (mpirun then ends the other ranks). The library itself never aborts.
//
// Threads: call tg::dist from one thread (the one that called init).
#include <cstdint>
#include <vector>

#include <tg/nn.hpp>
#include <tg/tensor.hpp>

namespace tg::dist {

// Starts MPI (MPI_Init_thread) once per process; later calls do nothing. Without mpirun the
// process is a world of one rank. Errors of MPI calls are returned, not fatal, and become
// tg::Error.
void init(int& argc, char**& argv);
void init();
// Ends MPI (after a barrier's worth of waiting for the others inside MPI_Finalize). Call it on
// every rank before main returns; afterwards no collective may be called (MPI allows one init).
void finalize();
bool is_initialized();  // between init() and finalize()

int rank();        // this process's number, 0 .. world_size() - 1
int world_size();  // how many processes take part

// The per-rank share of a global batch: global_batch / world_size(); a tg::Error when the world
// size does not divide it (every rank must see batches of one size).
int64_t local_batch_size(int64_t global_batch);

enum class ReduceOp { sum, mean, max, min };

// Combines t across ranks elementwise and puts the result in t, in place like assign(): every
// copy of the handle sees it. mean is sum / world_size() (float dtypes only); bool tensors take
// max (any) and min (all). float16 and bfloat16 are cast by the caller (no MPI type exists).
void all_reduce(Tensor& t, ReduceOp op = ReduceOp::sum);
// Every rank's t becomes root's value (in place like assign()).
void broadcast(Tensor& t, int root = 0);
// Every rank's t, concatenated on dim 0 in rank order (like tg::cat). Ranks may differ in dim 0;
// the other dims and the dtype must agree.
Tensor all_gather(const Tensor& t);
// Returns when every rank has called it.
void barrier();

// Wraps a module for data-parallel training. At construction: checks that every rank built the
// same parameter shapes (a hash of them, compared across ranks) and copies rank 0's parameter
// values to every rank. sync_gradients(), called after backward() and before the optimizer
// step, averages every parameter's gradient across ranks: gradients are packed into buckets of
// about bucket_bytes (25 MB as PyTorch's DDP), last parameters first (the order backward
// produces them), and each bucket's MPI_Iallreduce starts as soon as its gradients are
// computed, while the next bucket's are being computed (docs/distributed.md). A parameter
// without a gradient on a rank contributes zeros there.
class DistributedDataParallel {
 public:
  static constexpr int64_t default_bucket_bytes = 25 * 1024 * 1024;
  explicit DistributedDataParallel(nn::Module& module, int64_t bucket_bytes = default_bucket_bytes);
  nn::Module& module() const { return module_; }
  void sync_gradients();
  // The parameter indices (into module().parameters()) of each bucket, in the order they are sent.
  const std::vector<std::vector<size_t>>& buckets() const { return buckets_; }

 private:
  nn::Module& module_;
  std::vector<Tensor> params_;
  std::vector<std::vector<size_t>> buckets_;
};

// Each rank's share of the indices 0 .. n-1 for one epoch, as PyTorch's DistributedSampler:
// a permutation (seeded by seed + epoch, the same on every rank) when shuffle is set, padded by
// repeating its start to a multiple of the world size, of which rank r takes positions
// r, r + world, r + 2 world, ... So every rank gets ceil(n / world) indices, and batch b of
// every rank together is batch b of the one-process order.
class DistributedSampler {
 public:
  // The world size and rank of tg::dist (init() first).
  DistributedSampler(int64_t n, bool shuffle = true, uint64_t seed = 0);
  // An explicit world: for tests and for planning shares outside MPI.
  DistributedSampler(int64_t n, bool shuffle, uint64_t seed, int num_replicas, int rank);
  void set_epoch(int64_t epoch) { epoch_ = epoch; }
  std::vector<int64_t> indices() const;
  int64_t size() const;  // indices().size()

 private:
  int64_t n_;
  bool shuffle_;
  uint64_t seed_;
  int replicas_, rank_;
  int64_t epoch_ = 0;
};

}  // namespace tg::dist
