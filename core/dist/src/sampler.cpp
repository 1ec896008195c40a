// DistributedSampler: PyTorch's split of an epoch's (shuffled) indices among the ranks.
#include <algorithm>
#include <numeric>
#include <random>
#include <string>

#include "tg/dist.hpp"
#include "tg/error.hpp"

namespace tg::dist {

DistributedSampler::DistributedSampler(int64_t n, bool shuffle, uint64_t seed)
    : DistributedSampler(n, shuffle, seed, world_size(), rank()) {}

DistributedSampler::DistributedSampler(int64_t n, bool shuffle, uint64_t seed, int num_replicas, int rank)
    : n_(n), shuffle_(shuffle), seed_(seed), replicas_(num_replicas), rank_(rank) {
  if (n < 0) throw Error("tg::dist::DistributedSampler: n must be >= 0, got " + std::to_string(n));
  if (num_replicas <= 0)
    throw Error("tg::dist::DistributedSampler: num_replicas must be positive, got " + std::to_string(num_replicas));
  if (rank < 0 || rank >= num_replicas)
    throw Error("tg::dist::DistributedSampler: rank " + std::to_string(rank) + " is not in 0 .. " +
                std::to_string(num_replicas - 1));
}

int64_t DistributedSampler::size() const { return (n_ + replicas_ - 1) / replicas_; }

std::vector<int64_t> DistributedSampler::indices() const {
  std::vector<int64_t> order(static_cast<size_t>(n_));
  std::iota(order.begin(), order.end(), 0);
  if (shuffle_) {
    // Written out (not std::shuffle, whose steps the standard leaves to the library) so that
    // every rank, whatever it was built with, draws the same permutation.
    std::mt19937_64 rng(seed_ + static_cast<uint64_t>(epoch_));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[static_cast<size_t>(rng() % i)]);
  }
  const int64_t per_rank = size();
  std::vector<int64_t> mine;
  mine.reserve(static_cast<size_t>(per_rank));
  // Padded to per_rank * replicas by wrapping around to the start (when n is not a multiple).
  for (int64_t k = 0; k < per_rank && n_ > 0; ++k)
    mine.push_back(order[static_cast<size_t>((rank_ + k * replicas_) % n_)]);
  return mine;
}

}  // namespace tg::dist
