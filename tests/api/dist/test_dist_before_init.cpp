// tg::dist outside MPI: every collective before init() and after finalize() is a tg::Error that
// says what to do. Runs as a plain process (no mpirun); the tests run in this order.
#include <gtest/gtest.h>

#include <string>

#include <tg/dist.hpp>
#include <tg/tg.hpp>

#include "tg_test_util.hpp"

namespace {

namespace dist = tg::dist;
using tg::Tensor;
using tgtest::error_of;

TEST(BeforeInit, EveryCallSaysToInitFirst) {
  EXPECT_FALSE(dist::is_initialized());
  Tensor t = Tensor::ones({2});
  tg::nn::Linear layer(2, 2);
  for (const std::string& e : {error_of([&] { dist::all_reduce(t); }), error_of([&] { dist::broadcast(t, 0); }),
                               error_of([&] { dist::all_gather(t); }), error_of([] { dist::barrier(); }),
                               error_of([] { dist::rank(); }), error_of([] { dist::world_size(); }),
                               error_of([] { dist::local_batch_size(64); }),
                               error_of([&] { dist::DistributedDataParallel ddp(layer); }),
                               error_of([] { dist::DistributedSampler s(10); })})
    EXPECT_NE(e.find("call tg::dist::init(argc, argv) first"), std::string::npos) << e;
  dist::finalize();  // nothing to end: no error
}

TEST(AfterFinalize, CollectivesAndASecondInitFail) {
  dist::init();  // a world of one (no mpirun)
  EXPECT_EQ(dist::world_size(), 1);
  Tensor t = Tensor::ones({2});
  dist::all_reduce(t, dist::ReduceOp::mean);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 1}));
  dist::finalize();
  EXPECT_NE(error_of([&] { dist::all_reduce(t); }).find("finalize() was already called"), std::string::npos);
  EXPECT_NE(error_of([] { dist::init(); }).find("MPI starts only once per process"), std::string::npos);
}

}  // namespace
