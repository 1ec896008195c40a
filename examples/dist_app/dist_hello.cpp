// Every rank contributes rank + 1; each checks the sum, the gather and one averaged gradient.
// Exits non-zero on any rank if a result is wrong. Run: mpirun -n N dist_hello
#include <cstdio>

#include <tg/dist.hpp>
#include <tg/tg.hpp>

int main(int argc, char** argv) {
  tg::dist::init(argc, argv);
  const int rank = tg::dist::rank(), n = tg::dist::world_size();
  int wrong = 0;
  try {
    tg::Tensor t = tg::Tensor::full({3}, float(rank + 1));
    tg::dist::all_reduce(t);
    for (float v : t.to_vector<float>()) wrong += v != n * (n + 1) / 2.0f;
    tg::Tensor ranks = tg::dist::all_gather(tg::Tensor(std::vector<int32_t>{rank}, {1}));
    for (int r = 0; r < n; ++r) wrong += ranks.to_vector<int>()[size_t(r)] != r;

    tg::nn::Linear layer(2, 1);
    tg::dist::DistributedDataParallel ddp(layer);
    layer(tg::Tensor::full({1, 2}, float(rank))).sum().backward();  // d/dweight = the input
    ddp.sync_gradients();
    for (float g : layer.weight.grad()->to_vector<float>()) wrong += g != (n - 1) / 2.0f;  // mean of 0 .. n-1
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "rank %d: %s\n", rank, e.what());
    return 1;
  }
  if (rank == 0) std::printf("dist_hello: %d ranks, %s\n", n, wrong ? "WRONG" : "ok");
  tg::dist::finalize();
  return wrong ? 1 : 0;
}
