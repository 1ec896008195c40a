// tg-dist-bench: what tg::dist adds to MPI. Run it under mpirun:
//   mpirun -n 2 tg-dist-bench [MB] [--repeat N]
// all_reduce (sum) of MB megabytes of float32 (default 100) through tg::dist::all_reduce, against
// a bare MPI_Allreduce of the same size between two host arrays, and a bare MPI_Iallreduce +
// MPI_Wait (the call tg::dist makes; Open MPI runs the two with different algorithms), taking
// turns run by run (a shared machine drifts: all three see the same drift). The bare calls' arrays
// are allocated as the onednn plugin allocates a large buffer (2 MiB-aligned, MADV_HUGEPAGE):
// with plain malloc'd arrays MPI's copies through shared memory ran ~1.7x slower here (TLB
// misses), which would flatter tg. Each run starts after a barrier; rank 0
// prints the best and the median of each, and tg's share of MPI's bandwidth.
#include <mpi.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <tg/dist.hpp>
#include <tg/tg.hpp>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// n floats, 2 MiB-aligned, huge pages advised, touched (as plugins/onednn's HostBuffer).
float* huge_page_floats(int64_t n) {
  const size_t huge = size_t{2} << 20, len = (static_cast<size_t>(n) * 4 + huge - 1) / huge * huge;
  void* p = std::aligned_alloc(huge, len);
  if (!p) throw tg::Error("tg-dist-bench: out of memory");
  madvise(p, len, MADV_HUGEPAGE);
  std::fill(static_cast<float*>(p), static_cast<float*>(p) + n, 1.0f);
  return static_cast<float*>(p);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  tg::dist::init(argc, argv);
  double mb = 100;
  int repeat = 10;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = std::atoi(argv[++i]);
    else mb = std::atof(argv[i]);
  }
  if (mb <= 0 || repeat <= 0) {
    std::fprintf(stderr, "usage: mpirun -n N tg-dist-bench [MB] [--repeat N]\n");
    return 2;
  }
  try {
    const int64_t n = static_cast<int64_t>(mb * 1e6 / 4);
    const bool root = tg::dist::rank() == 0;
    tg::Tensor t = tg::Tensor::ones({n}).realize();
    std::unique_ptr<float, decltype(&std::free)> send(huge_page_floats(n), &std::free), recv(huge_page_floats(n), &std::free);
    auto run_tg = [&] {
      tg::dist::all_reduce(t);
      t.realize();
    };
    auto run_mpi = [&] {
      if (MPI_Allreduce(send.get(), recv.get(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
        throw tg::Error("MPI_Allreduce failed");
    };
    auto run_impi = [&] {
      MPI_Request req;
      if (MPI_Iallreduce(send.get(), recv.get(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &req) !=
              MPI_SUCCESS ||
          MPI_Wait(&req, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        throw tg::Error("MPI_Iallreduce failed");
    };
    run_tg();  // warm-up: buffers allocated, pages touched
    run_mpi();
    run_impi();
    std::vector<double> tg_s, mpi_s, impi_s;
    for (int r = 0; r < repeat; ++r) {
      for (int k = 0; k < 3; ++k) {
        const int which = (k + r) % 3;  // each goes first in turn
        tg::dist::barrier();
        auto t0 = std::chrono::steady_clock::now();
        if (which == 0) {
          run_tg();
          tg_s.push_back(seconds_since(t0));
        } else if (which == 1) {
          run_mpi();
          mpi_s.push_back(seconds_since(t0));
        } else {
          run_impi();
          impi_s.push_back(seconds_since(t0));
        }
      }
    }
    if (root) {
      const double bytes = static_cast<double>(n) * 4;
      auto line = [&](const char* what, const std::vector<double>& s) {
        const double best = *std::min_element(s.begin(), s.end());
        std::printf("%-28s best %8.2f ms (%6.2f GB/s)  median %8.2f ms (%6.2f GB/s)\n", what, best * 1e3,
                    bytes / best / 1e9, median(s) * 1e3, bytes / median(s) / 1e9);
      };
      std::printf("all_reduce sum of %.0f MB float32 on %d ranks, %s, %d runs each, alternating\n", bytes / 1e6,
                  tg::dist::world_size(), tg::Device::default_device().c_str(), repeat);
      line("tg::dist::all_reduce", tg_s);
      line("MPI_Allreduce (bare)", mpi_s);
      line("MPI_Iallreduce+Wait (bare)", impi_s);
      const double best_tg = *std::min_element(tg_s.begin(), tg_s.end()),
                   best_mpi = *std::min_element(mpi_s.begin(), mpi_s.end());
      const double best_impi = *std::min_element(impi_s.begin(), impi_s.end());
      std::printf("tg achieves %.0f%% of MPI_Allreduce's bandwidth (best), %.0f%% (median); %.0f%% of MPI_Iallreduce's "
                  "(best), %.0f%% (median)\n",
                  100 * best_mpi / best_tg, 100 * median(mpi_s) / median(tg_s), 100 * best_impi / best_tg,
                  100 * median(impi_s) / median(tg_s));
    }
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "tg-dist-bench: %s\n", e.what());
    return 1;
  }
  tg::dist::finalize();
  return 0;
}
