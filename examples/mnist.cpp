// Trains an MLP or a CNN on Fashion-MNIST (or any MNIST-format directory) and reports the test
// accuracy. The recipe: Adam 1e-3, batch 128, pixels / 255, sparse categorical cross entropy.
//
//   mnist [--model mlp|cnn] [--epochs N] [--steps N] [--data DIR] [--batch N] [--lr X]
//         [--seed N] [--save FILE.safetensors] [--load FILE.safetensors] [--test-limit N]
//         [--min-accuracy X] [--distributed] [--amp bf16|f16]
//
// --amp bf16 (or f16): mixed precision. The forward pass runs in a tg::nn::amp::autocast scope
// (convolutions and matmuls in bfloat16 / float16, the loss in float32) while the parameters
// and the optimizer stay float32; f16 also scales the loss with a tg::nn::amp::GradScaler
// (float16's range is small; bfloat16 has float32's, so it needs none, as in PyTorch).
// --distributed (tg built with -DTG_WITH_MPI=ON): data-parallel training under
// `mpirun -n N mnist --distributed`. --batch stays the global batch: each rank trains on its
// 1/N of every batch (tg::dist::DistributedSampler), gradients are averaged across ranks
// (tg::dist::DistributedDataParallel), each rank tests its 1/N of the test set, and rank 0
// prints the progress and the test accuracy.
// --steps stops after N training steps in all (for quick runs); --load then --epochs 0 only
// evaluates; --min-accuracy makes the exit status fail below X (for tests).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <string>

#include <tg/tg.hpp>
#ifdef TG_MNIST_DIST
#include <tg/dist.hpp>
#endif

using tg::Tensor;
namespace nn = tg::nn;

namespace {

struct Options {
  std::string model = "mlp", data, save, load;
  int epochs = 1, batch = 128, seed = 0;
  long steps = -1, test_limit = -1;
  float lr = 1e-3f, min_accuracy = -1;
  bool distributed = false;
  std::string amp;  // "", "bf16" or "f16"
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "mnist: %s\nusage: mnist [--model mlp|cnn] [--epochs N] [--steps N] [--data DIR] [--batch N]\n"
               "             [--lr X] [--seed N] [--save FILE] [--load FILE] [--test-limit N] [--min-accuracy X]\n"
               "             [--distributed] [--amp bf16|f16]\n", why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") usage("trains a classifier on Fashion-MNIST");
    if (a == "--distributed") {
#ifndef TG_MNIST_DIST
      usage("--distributed needs tg built with MPI (configure with -DTG_WITH_MPI=ON)");
#endif
      o.distributed = true;
      continue;
    }
    if (i + 1 >= argc) usage(("missing value after " + a).c_str());
    std::string v = argv[++i];
    try {
      if (a == "--model") o.model = v;
      else if (a == "--data") o.data = v;
      else if (a == "--save") o.save = v;
      else if (a == "--load") o.load = v;
      else if (a == "--epochs") o.epochs = std::stoi(v);
      else if (a == "--batch") o.batch = std::stoi(v);
      else if (a == "--seed") o.seed = std::stoi(v);
      else if (a == "--steps") o.steps = std::stol(v);
      else if (a == "--test-limit") o.test_limit = std::stol(v);
      else if (a == "--lr") o.lr = std::stof(v);
      else if (a == "--min-accuracy") o.min_accuracy = std::stof(v);
      else if (a == "--amp") o.amp = v;
      else usage(("unknown option " + a).c_str());
    } catch (const std::logic_error&) {
      usage(("bad value for " + a + ": " + v).c_str());
    }
  }
  if (o.model != "mlp" && o.model != "cnn") usage("--model must be mlp or cnn");
  if (!o.amp.empty() && o.amp != "bf16" && o.amp != "f16") usage("--amp must be bf16 or f16");
  if (o.batch <= 0 || o.epochs < 0) usage("--batch must be positive and --epochs >= 0");
  return o;
}

std::unique_ptr<nn::Sequential> make_model(const std::string& kind) {
  auto relu = [](const Tensor& x) { return x.relu(); };
  if (kind == "mlp")
    return std::make_unique<nn::Sequential>(std::initializer_list<nn::Sequential::Layer>{
        [](const Tensor& x) { return x.flatten(1); }, std::make_shared<nn::Linear>(784, 128), relu,
        std::make_shared<nn::Linear>(128, 10)});
  auto pool = [](const Tensor& x) { return x.max_pool2d(2); };
  return std::make_unique<nn::Sequential>(std::initializer_list<nn::Sequential::Layer>{
      std::make_shared<nn::Conv2d>(1, 32, 3), relu, pool, std::make_shared<nn::Conv2d>(32, 64, 3), relu, pool,
      [](const Tensor& x) { return x.flatten(1); }, std::make_shared<nn::Linear>(1600, 10)});
}

// Rows `idx` of an (N, ...) uint8 host array as a tensor of shape (idx.size(), rest...).
Tensor gather_rows(const std::vector<uint8_t>& all, const std::vector<int64_t>& rest, const int64_t* idx, size_t n) {
  int64_t row = 1;
  for (int64_t d : rest) row *= d;
  std::vector<uint8_t> out(n * static_cast<size_t>(row));
  for (size_t i = 0; i < n; ++i)
    std::memcpy(out.data() + i * static_cast<size_t>(row), all.data() + idx[i] * row, static_cast<size_t>(row));
  std::vector<int64_t> shape{static_cast<int64_t>(n)};
  shape.insert(shape.end(), rest.begin(), rest.end());
  return Tensor(std::move(out), tg::Shape(shape));
}

std::vector<uint8_t> host(const Tensor& t) {
  std::vector<int> v = t.to_vector<int>();
  return std::vector<uint8_t>(v.begin(), v.end());
}

// One line on stderr: a bar, loss, steps/s and ETA; redrawn in place on a terminal.
class Progress {
 public:
  Progress(long total, std::string label) : total_(total), label_(std::move(label)), tty_(isatty(2) != 0) {}
  // loss() is only called when the bar is drawn: reading the loss waits for the device.
  template <typename LossFn>
  void update(long done, LossFn loss) {
    auto now = std::chrono::steady_clock::now();
    double since_draw = std::chrono::duration<double>(now - last_draw_).count();
    bool last = done == total_;
    if (!last && (tty_ ? since_draw < 0.1 : done % std::max(1L, total_ / 10) != 0)) return;
    last_draw_ = now;
    double elapsed = std::chrono::duration<double>(now - start_).count();
    double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    long eta = rate > 0 ? static_cast<long>(static_cast<double>(total_ - done) / rate) : 0;
    const int width = 30;
    int fill = total_ > 0 ? static_cast<int>(width * done / total_) : width;
    std::string bar(static_cast<size_t>(fill), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "%s%s [%s] %ld/%ld  loss %.4f  %.2f steps/s  ETA %ld:%02ld%s", tty_ ? "\r" : "", label_.c_str(),
                 bar.c_str(), done, total_, static_cast<double>(loss()), rate, eta / 60, eta % 60, tty_ && !last ? "" : "\n");
    std::fflush(stderr);
  }

 private:
  long total_;
  std::string label_;
  bool tty_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_draw_{};
};

}  // namespace

// The ranks of a --distributed run (tg::dist); one rank of a world of one otherwise.
struct World {
  int rank = 0, size = 1;
  bool root() const { return rank == 0; }
};

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  World world;
  try {
    int64_t local = o.batch;  // this rank's part of each global batch of o.batch
#ifdef TG_MNIST_DIST
    if (o.distributed) {
      tg::dist::init(argc, argv);
      world = {tg::dist::rank(), tg::dist::world_size()};
      local = tg::dist::local_batch_size(o.batch);  // before loading data: a bad split fails at once
    }
#endif
    // The same seed on every rank: the same model (DistributedDataParallel checks it and copies
    // rank 0's values anyway) and the same shuffles (the sampler splits them).
    Tensor::manual_seed(static_cast<uint64_t>(o.seed));
    auto [X_train, Y_train, X_test, Y_test] = nn::datasets::mnist(o.data);
    std::vector<int64_t> img = {1, X_train.shape()[2], X_train.shape()[3]};
    std::vector<uint8_t> xtr = host(X_train), ytr = host(Y_train), xte = host(X_test), yte = host(Y_test);
    const int64_t n_train = Y_train.shape()[0];
    int64_t n_test = Y_test.shape()[0];
    if (o.test_limit >= 0) n_test = std::min<int64_t>(n_test, o.test_limit);
    if (world.root())
      std::fprintf(stderr, "data: %lld train, %lld test images of %lldx%lld on %s%s\n", static_cast<long long>(n_train),
                   static_cast<long long>(n_test), static_cast<long long>(img[1]), static_cast<long long>(img[2]),
                   tg::Device::default_device().c_str(),
                   world.size > 1 ? (", " + std::to_string(world.size) + " ranks").c_str() : "");

    auto model = make_model(o.model);
    if (!o.load.empty()) {
      nn::state::load_state_dict(*model, nn::state::safe_load(o.load));
      if (world.root()) std::fprintf(stderr, "loaded %s\n", o.load.c_str());
    }
    nn::optim::Adam opt(model->parameters(), o.lr);
    // Mixed precision: the forward pass (and so the backward) in half precision, parameters float32.
    const bool amp = !o.amp.empty();
    const tg::DType half = o.amp == "f16" ? tg::DType::float16 : tg::DType::bfloat16;
    nn::amp::GradScaler scaler(65536.0f, 2.0f, 0.5f, 2000, o.amp == "f16");
    auto forward = [&](const Tensor& x) {
      nn::amp::autocast scope(half, amp);
      return (*model)(x);
    };
    auto batch_x = [&](const std::vector<uint8_t>& all, const int64_t* idx, size_t n) {
      return gather_rows(all, img, idx, n).cast(tg::DType::float32) / 255.0f;
    };

    // Each rank's share of each epoch's order.
    std::function<void()> sync_gradients = [] {};
    std::function<std::vector<int64_t>(int)> epoch_order;
    std::mt19937_64 rng(static_cast<uint64_t>(o.seed));
    std::vector<int64_t> order(static_cast<size_t>(n_train));
#ifdef TG_MNIST_DIST
    std::unique_ptr<tg::dist::DistributedDataParallel> ddp;
    std::unique_ptr<tg::dist::DistributedSampler> sampler;
    if (o.distributed) {
      ddp = std::make_unique<tg::dist::DistributedDataParallel>(*model);
      sampler = std::make_unique<tg::dist::DistributedSampler>(n_train, true, static_cast<uint64_t>(o.seed));
      sync_gradients = [&] { ddp->sync_gradients(); };
      epoch_order = [&](int epoch) {
        sampler->set_epoch(epoch);
        return sampler->indices();
      };
    }
#endif
    if (!epoch_order)
      epoch_order = [&](int) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        return order;
      };

    const long per_epoch = static_cast<long>(n_train / o.batch);  // full batches only, as tinygrad
    long total = per_epoch * o.epochs;
    if (o.steps >= 0) total = std::min(total, o.steps);
    long step = 0;
    const auto train_start = std::chrono::steady_clock::now();
    for (int epoch = 0; epoch < o.epochs && step < total; ++epoch) {
      Tensor::training = true;
      const std::vector<int64_t> mine = epoch_order(epoch);
      long steps_here = std::min(per_epoch, total - step);
      Progress bar(steps_here, "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(o.epochs));
      for (long s = 0; s < steps_here; ++s, ++step) {
        const int64_t* idx = mine.data() + s * local;
        Tensor x = batch_x(xtr, idx, static_cast<size_t>(local));
        Tensor y = gather_rows(ytr, {}, idx, static_cast<size_t>(local));
        Tensor loss = forward(x).sparse_categorical_crossentropy(y);
        opt.zero_grad();
        scaler.scale(loss).backward();
        sync_gradients();  // the average over the ranks' shares: the gradient of the global batch
        scaler.step(opt, {loss});  // opt.step({loss}) unless f16's scaler skips it
        scaler.update();
        if (world.root()) bar.update(s + 1, [&] { return loss.item<float>(); });
      }
    }

    tg::synchronize();
    const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();
    if (step > 0 && world.root())
      std::printf("%s%s: trained %ld steps in %.2f s (%.1f steps/s)\n", o.model.c_str(),
                  amp ? (" " + o.amp).c_str() : "", step, train_s, static_cast<double>(step) / train_s);
    // Each rank tests its contiguous 1/N of the test set; the counts are summed.
    Tensor::training = false;
    tg::NoGrad no_grad;
    const int64_t test_from = n_test * world.rank / world.size, test_to = n_test * (world.rank + 1) / world.size;
    int64_t correct = 0;
    std::vector<int64_t> all_idx(static_cast<size_t>(n_test));
    std::iota(all_idx.begin(), all_idx.end(), 0);
    for (int64_t at = test_from; at < test_to; at += 1000) {
      size_t n = static_cast<size_t>(std::min<int64_t>(1000, test_to - at));
      std::vector<int> pred = forward(batch_x(xte, all_idx.data() + at, n)).argmax(1).to_vector<int>();
      for (size_t i = 0; i < n; ++i) correct += pred[i] == yte[static_cast<size_t>(at) + i];
    }
#ifdef TG_MNIST_DIST
    if (o.distributed) {
      Tensor counted(std::vector<int64_t>{correct}, {1});
      tg::dist::all_reduce(counted);
      correct = counted.to_vector<int64_t>()[0];
    }
#endif
    double acc = n_test > 0 ? 100.0 * static_cast<double>(correct) / static_cast<double>(n_test) : 0;
    if (world.root())
      std::printf("%s%s: %ld steps, test accuracy %.2f%% (%lld/%lld)\n", o.model.c_str(),
                  amp ? (" " + o.amp).c_str() : "", step, acc,
                  static_cast<long long>(correct), static_cast<long long>(n_test));
    if (!o.save.empty() && world.root()) {
      nn::state::safe_save(nn::state::get_state_dict(*model), o.save);
      std::fprintf(stderr, "saved %s\n", o.save.c_str());
    }
#ifdef TG_MNIST_DIST
    if (o.distributed) tg::dist::finalize();
#endif
    if (o.min_accuracy >= 0 && acc < o.min_accuracy) {
      if (world.root()) std::fprintf(stderr, "mnist: accuracy %.2f%% is below --min-accuracy %.2f%%\n", acc, o.min_accuracy);
      return 1;
    }
  } catch (const tg::Error& e) {
    // A failing rank ends with an error status without finalize(): mpirun then ends the others.
    std::fprintf(stderr, "mnist%s: %s\n", world.size > 1 ? (" (rank " + std::to_string(world.rank) + ")").c_str() : "",
                 e.what());
    return 1;
  }
  return 0;
}
