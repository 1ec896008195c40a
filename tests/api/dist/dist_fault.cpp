// A two-rank job where rank 1 fails (dist_fault_test.cmake runs it under mpirun):
//   dist_fault die    rank 1 is killed (SIGKILL) while rank 0 waits in all_reduce
//   dist_fault stall  rank 1 sleeps instead of calling all_reduce (a hang or a forgotten call)
// Rank 0 must not wait forever: mpirun ends it when a rank dies, and TG_DIST_TIMEOUT ends a
// wait for a rank that is alive but absent with a tg::Error, which this program reports.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <tg/dist.hpp>
#include <tg/tg.hpp>

int main(int argc, char** argv) {
  const bool die = argc > 1 && std::strcmp(argv[1], "die") == 0;
  tg::dist::init(argc, argv);
  try {
    tg::dist::barrier();
    if (tg::dist::rank() == 1) {
      if (die) raise(SIGKILL);
      sleep(120);
      tg::dist::finalize();
      return 0;
    }
    tg::Tensor t = tg::Tensor::ones({1000});
    for (int i = 0; i < 3; ++i) tg::dist::all_reduce(t);
    std::printf("rank 0: all_reduce returned although rank 1 is gone\n");
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "rank %d: %s\n", tg::dist::rank(), e.what());
    return 1;
  }
  tg::dist::finalize();
  return 0;
}
