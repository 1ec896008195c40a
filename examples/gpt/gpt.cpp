// A character-level GPT: trains on a text file, saves and loads safetensors checkpoints and
// generates text (temperature and top-k sampling, with a key/value cache).
//
//   gpt [--data FILE] [--steps N] [--batch N] [--layers N] [--heads N] [--dim N] [--context N]
//       [--lr X] [--min-lr X] [--warmup N] [--weight-decay X] [--clip X] [--dropout X] [--seed N]
//       [--save FILE.safetensors] [--load FILE.safetensors]
//       [--generate N] [--prompt TEXT] [--temperature X] [--top-k N] [--check] [--distributed]
//
// The recipe: AdamW (betas 0.9, 0.95) with a linear warm-up then cosine annealing to --min-lr,
// gradients clipped to norm --clip, random windows of the text. The default text is the fortunes
// of Debian's fortunes-min. A checkpoint holds the weights, the shape of the model and its
// vocabulary, so `gpt --load FILE --generate 200` needs no data. --check (for tests) fails unless
// the loss fell, no step after the second compiled a kernel although the rate changes every
// step, the cached generation gives the full forward pass's logits, and no generated token after
// the first compiled a kernel.
//
// --distributed (tg built with -DTG_WITH_MPI=ON): data-parallel training under
// `mpirun -n N gpt --distributed`. --batch stays the global batch: each rank draws its 1/N of
// the windows of every step from a stream of its own, gradients are averaged across ranks
// (tg::dist::DistributedDataParallel, before clipping, so every rank clips and steps alike), and
// rank 0 alone prints the progress, saves and generates.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <tg/tg.hpp>
#ifdef TG_GPT_DIST
#include <tg/dist.hpp>
#endif

#include "gpt_model.hpp"

using tg::Tensor;
namespace nn = tg::nn;
namespace sched = tg::nn::optim::lr_scheduler;

namespace {

const char* kDefaultData = "/usr/share/games/fortunes/fortunes";  // Debian's fortunes-min

struct Options {
  std::string data = kDefaultData, save, load, prompt;
  gpt::Config model;
  long steps = -1, generate = 0;
  int batch = 16, warmup = 100, top_k = 10, seed = 0;
  float lr = 1e-3f, min_lr = 1e-4f, weight_decay = 0.1f, clip = 1.0f, temperature = 0.8f;
  bool check = false, distributed = false;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "gpt: %s\nusage: gpt [--data FILE] [--steps N] [--batch N] [--layers N] [--heads N] [--dim N] [--context N]\n"
               "           [--lr X] [--min-lr X] [--warmup N] [--weight-decay X] [--clip X] [--dropout X] [--seed N]\n"
               "           [--save FILE] [--load FILE] [--generate N] [--prompt TEXT] [--temperature X] [--top-k N] [--check]\n"
               "           [--distributed]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") usage("trains a character-level GPT on a text file and generates text");
    if (a == "--check") {
      o.check = true;
      continue;
    }
    if (a == "--distributed") {
#ifndef TG_GPT_DIST
      usage("--distributed needs tg built with MPI (configure with -DTG_WITH_MPI=ON)");
#endif
      o.distributed = true;
      continue;
    }
    if (i + 1 >= argc) usage(("missing value after " + a).c_str());
    std::string v = argv[++i];
    try {
      if (a == "--data") o.data = v;
      else if (a == "--save") o.save = v;
      else if (a == "--load") o.load = v;
      else if (a == "--prompt") o.prompt = v;
      else if (a == "--steps") o.steps = std::stol(v);
      else if (a == "--generate") o.generate = std::stol(v);
      else if (a == "--batch") o.batch = std::stoi(v);
      else if (a == "--layers") o.model.n_layer = std::stol(v);
      else if (a == "--heads") o.model.n_head = std::stol(v);
      else if (a == "--dim") o.model.d_model = std::stol(v);
      else if (a == "--context") o.model.context = std::stol(v);
      else if (a == "--dropout") o.model.dropout = std::stof(v);
      else if (a == "--lr") o.lr = std::stof(v);
      else if (a == "--min-lr") o.min_lr = std::stof(v);
      else if (a == "--warmup") o.warmup = std::stoi(v);
      else if (a == "--weight-decay") o.weight_decay = std::stof(v);
      else if (a == "--clip") o.clip = std::stof(v);
      else if (a == "--temperature") o.temperature = std::stof(v);
      else if (a == "--top-k") o.top_k = std::stoi(v);
      else if (a == "--seed") o.seed = std::stoi(v);
      else usage(("unknown option " + a).c_str());
    } catch (const std::logic_error&) {
      usage(("bad value for " + a + ": " + v).c_str());
    }
  }
  if (o.steps < 0) o.steps = o.load.empty() ? 1000 : 0;
  if (o.batch <= 0 || o.warmup < 0 || o.generate < 0 || o.top_k < 0 || o.temperature < 0 || o.clip <= 0)
    usage("--batch and --clip must be positive; --warmup, --generate, --top-k and --temperature >= 0");
  if (o.model.dropout < 0 || o.model.dropout >= 1) usage("--dropout must be in [0, 1)");
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw tg::Error("cannot read " + path +
                    (path == kDefaultData ? " (install Debian's fortunes-min, or pass --data FILE)" : std::string()));
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Bytes <-> token ids. The vocabulary is the sorted set of bytes in the training text (or the
// checkpoint's); it travels in a checkpoint's metadata as "10,32,33,...".
struct Vocab {
  std::vector<uint8_t> chars;
  int16_t id[256];

  explicit Vocab(std::vector<uint8_t> c) : chars(std::move(c)) {
    std::fill(std::begin(id), std::end(id), int16_t{-1});
    for (size_t i = 0; i < chars.size(); ++i) id[chars[i]] = static_cast<int16_t>(i);
  }
  static Vocab of_text(const std::string& text) {
    bool seen[256] = {};
    for (unsigned char ch : text) seen[ch] = true;
    std::vector<uint8_t> c;
    for (int i = 0; i < 256; ++i)
      if (seen[i]) c.push_back(static_cast<uint8_t>(i));
    return Vocab(c);
  }
  static Vocab parse(const std::string& s) {
    std::vector<uint8_t> c;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ',')) {
      int v = std::stoi(item);
      if (v < 0 || v > 255) throw tg::Error("checkpoint: vocabulary entry " + item + " is not a byte");
      c.push_back(static_cast<uint8_t>(v));
    }
    return Vocab(c);
  }
  std::string str() const {
    std::string s;
    for (uint8_t ch : chars) s += (s.empty() ? "" : ",") + std::to_string(ch);
    return s;
  }
  std::vector<int32_t> encode(const std::string& text, const std::string& what) const {
    std::vector<int32_t> out;
    out.reserve(text.size());
    for (unsigned char ch : text) {
      if (id[ch] < 0)
        throw tg::Error(what + " has the byte " + std::to_string(ch) + ", which is not in the model's vocabulary of " +
                        std::to_string(chars.size()) + " characters");
      out.push_back(id[ch]);
    }
    return out;
  }
};

// One line on stderr: a bar, loss, learning rate, tokens/s and ETA; redrawn in place on a terminal.
class Progress {
 public:
  Progress(long total, long tokens_per_step) : total_(total), tokens_(tokens_per_step), tty_(isatty(2) != 0) {}
  // loss() is only called when the bar is drawn: reading the loss waits for the device.
  template <typename LossFn>
  void update(long done, float lr, LossFn loss) {
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
    std::fprintf(stderr, "%strain [%s] %ld/%ld  loss %.4f  lr %.2e  %.0f tokens/s  ETA %ld:%02ld%s", tty_ ? "\r" : "",
                 bar.c_str(), done, total_, static_cast<double>(loss()), static_cast<double>(lr),
                 rate * static_cast<double>(tokens_), eta / 60, eta % 60, tty_ && !last ? "" : "\n");
    std::fflush(stderr);
  }

 private:
  long total_, tokens_;
  bool tty_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_draw_{};
};

// The next token from logits: temperature 0 takes the most likely; otherwise the top_k most
// likely (all with 0) are sampled in proportion to exp(logit / temperature).
int32_t sample(const std::vector<float>& logits, float temperature, int top_k, std::mt19937_64& rng) {
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  auto by_logit = [&](int32_t a, int32_t b) { return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)]; };
  if (temperature == 0) return *std::min_element(order.begin(), order.end(), by_logit);
  size_t k = top_k > 0 ? std::min(order.size(), static_cast<size_t>(top_k)) : order.size();
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), by_logit);
  std::vector<double> w(k);
  const double top = logits[static_cast<size_t>(order[0])];
  for (size_t i = 0; i < k; ++i) w[i] = std::exp((logits[static_cast<size_t>(order[i])] - top) / temperature);
  std::discrete_distribution<size_t> pick(w.begin(), w.end());
  return order[pick(rng)];
}

uint64_t kernels_compiled() { return tg::runtime_stats().kernels_compiled; }

// The largest difference between the cached generation's logits and the full forward pass's,
// over the first positions of `tokens`.
float cache_vs_full(const gpt::GPT& model, const std::vector<int32_t>& tokens) {
  const int64_t T = std::min<int64_t>(model.config.context, static_cast<int64_t>(tokens.size()));
  tg::NoGrad no_grad;
  std::vector<float> full =
      model(Tensor(std::vector<int32_t>(tokens.begin(), tokens.begin() + T), tg::Shape{1, T})).to_vector<float>();
  gpt::KVCache cache(model);
  float worst = 0;
  for (int64_t t = 0; t < T; ++t) {
    std::vector<float> step = cache.step(tokens[static_cast<size_t>(t)], t).to_vector<float>();
    for (size_t v = 0; v < step.size(); ++v)
      worst = std::max(worst, std::fabs(step[v] - full[static_cast<size_t>(t) * step.size() + v]));
  }
  return worst;
}

// Greedy generation (temperature 0) from `start` through the cache and through a full forward
// pass per token (the tokens so far padded to the context, so every pass is the same graph:
// causal attention keeps the padding out of the positions before it): the positions where the
// two choose differently, or -1 when they agree on all of the context.
int64_t greedy_cache_vs_full(const gpt::GPT& model, int32_t start) {
  const int64_t C = model.config.context, V = model.config.vocab;
  tg::NoGrad no_grad;
  std::vector<int32_t> with_cache{start}, without{start};
  std::mt19937_64 unused;  // temperature 0 draws nothing
  gpt::KVCache cache(model);
  for (int64_t t = 0; t + 1 < C; ++t) {
    with_cache.push_back(sample(cache.step(with_cache.back(), t).to_vector<float>(), 0, 0, unused));
    std::vector<int32_t> padded = without;
    padded.resize(static_cast<size_t>(C), 0);
    std::vector<float> logits = model(Tensor(padded, tg::Shape{1, C})).to_vector<float>();
    without.push_back(sample(std::vector<float>(logits.begin() + t * V, logits.begin() + (t + 1) * V), 0, 0,
                             unused));
    if (with_cache.back() != without.back()) return t + 1;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  bool ok = true;
  int rank = 0;
  int64_t local_batch = o.batch;  // this rank's part of each step's global batch
  try {
#ifdef TG_GPT_DIST
    if (o.distributed) {
      tg::dist::init(argc, argv);
      rank = tg::dist::rank();
      local_batch = tg::dist::local_batch_size(o.batch);  // a bad split fails before anything loads
    }
#endif
    const bool root = rank == 0;
    // The same seed for the weights on every rank (DistributedDataParallel copies rank 0's anyway);
    // each rank's own stream for its windows of the text and, on rank 0, for sampling.
    Tensor::manual_seed(static_cast<uint64_t>(o.seed));
    std::mt19937_64 rng(static_cast<uint64_t>(o.seed) + static_cast<uint64_t>(rank));
    // The model's shape and vocabulary: the checkpoint's, or the flags' and the text's.
    std::unique_ptr<Vocab> vocab;
    nn::state::StateDict loaded;
    if (!o.load.empty()) {
      loaded = nn::state::safe_load(o.load);
      auto meta = [&](const std::string& key) {
        auto it = loaded.metadata.find(key);
        if (it == loaded.metadata.end())
          throw tg::Error(o.load + ": no \"" + key + "\" in the metadata: not a checkpoint of examples/gpt");
        return it->second;
      };
      vocab = std::make_unique<Vocab>(Vocab::parse(meta("vocab")));
      o.model.n_layer = std::stol(meta("n_layer"));
      o.model.n_head = std::stol(meta("n_head"));
      o.model.d_model = std::stol(meta("d_model"));
      o.model.context = std::stol(meta("context"));
      // The shape the metadata claims must be the tensors' (so a wrong or hostile header cannot
      // make the model allocate more than the file holds).
      const tg::Shape wpe = loaded.at("wpe.weight").shape(), wte = loaded.at("wte.weight").shape();
      if (wpe != tg::Shape{o.model.context, o.model.d_model} ||
          wte != tg::Shape{static_cast<int64_t>(vocab->chars.size()), o.model.d_model} || o.model.n_layer <= 0 ||
          o.model.n_layer > static_cast<int64_t>(loaded.size()) ||
          !loaded.contains("h." + std::to_string(o.model.n_layer - 1) + ".ln_1.weight"))
        throw tg::Error(o.load + ": the metadata's model shape (context, d_model, vocabulary, n_layer) does not match its tensors");
    }
    std::vector<int32_t> tokens;
    if (o.steps > 0 || o.check) {
      std::string text = read_file(o.data);
      if (!vocab) vocab = std::make_unique<Vocab>(Vocab::of_text(text));
      tokens = vocab->encode(text, o.data);
      if (static_cast<int64_t>(tokens.size()) <= o.model.context)
        throw tg::Error(o.data + " has " + std::to_string(tokens.size()) + " characters; training needs more than the context (" +
                        std::to_string(o.model.context) + ")");
    }
    if (!vocab) throw tg::Error("nothing to do: give --steps N with --data FILE, or --load FILE");
    o.model.vocab = static_cast<int64_t>(vocab->chars.size());

    gpt::GPT model(o.model);
    if (!o.load.empty()) {
      nn::state::load_state_dict(model, loaded);
      if (root) std::fprintf(stderr, "loaded %s\n", o.load.c_str());
    }
    std::function<void()> sync_gradients = [] {};
#ifdef TG_GPT_DIST
    std::unique_ptr<tg::dist::DistributedDataParallel> ddp;
    if (o.distributed) {
      ddp = std::make_unique<tg::dist::DistributedDataParallel>(model);
      sync_gradients = [&] { ddp->sync_gradients(); };
    }
#endif
    int64_t n_params = 0;
    for (const Tensor& p : model.parameters()) n_params += p.numel();
    if (root)
      std::fprintf(stderr, "model: %lld layers, %lld heads, d %lld, context %lld, vocabulary %lld, %lld parameters on %s\n",
                 static_cast<long long>(o.model.n_layer), static_cast<long long>(o.model.n_head),
                 static_cast<long long>(o.model.d_model), static_cast<long long>(o.model.context),
                 static_cast<long long>(o.model.vocab), static_cast<long long>(n_params),
                 tg::Device::default_device().c_str());

    if (o.steps > 0) {
      const int64_t B = local_batch, T = o.model.context;
      std::vector<Tensor> params = model.parameters();
      nn::optim::AdamW opt(params, o.lr, 0.9f, 0.95f, 1e-8f, o.weight_decay);
      // A linear warm-up to --lr, then a cosine decay to --min-lr, made when the warm-up ends
      // (its base is the rate then: the full one).
      const int warm = static_cast<int>(std::min<long>(o.warmup, o.steps));
      std::unique_ptr<sched::LinearWarmup> warmup;
      std::unique_ptr<sched::CosineAnnealingLR> cosine;
      auto start_cosine = [&] {
        cosine = std::make_unique<sched::CosineAnnealingLR>(opt, std::max<long>(1, o.steps - warm), o.min_lr);
      };
      if (warm > 0) warmup = std::make_unique<sched::LinearWarmup>(opt, 1.0f / static_cast<float>(warm + 1), warm);
      else start_cosine();
      std::uniform_int_distribution<size_t> start(0, tokens.size() - static_cast<size_t>(T) - 1);
      std::vector<int32_t> xs(static_cast<size_t>(B * T)), ys(xs.size());
      Progress bar(o.steps, o.batch * T);  // tokens/s of all ranks together
      float first_loss = 0, last_loss = 0;
      uint64_t compiled_after_warmup = 0;
      const auto t0 = std::chrono::steady_clock::now();
      tg::Training training(true);
      model.train();
      for (long s = 0; s < o.steps; ++s) {
        for (int64_t b = 0; b < B; ++b) {
          size_t at = start(rng);
          std::copy_n(tokens.begin() + static_cast<std::ptrdiff_t>(at), T, xs.begin() + b * T);
          std::copy_n(tokens.begin() + static_cast<std::ptrdiff_t>(at) + 1, T, ys.begin() + b * T);
        }
        const uint64_t compiled_before = kernels_compiled();
        Tensor x(xs, tg::Shape{B, T}), y(ys, tg::Shape{B, T});
        Tensor loss = model(x).sparse_categorical_crossentropy(y);
        opt.zero_grad();
        loss.backward();
        sync_gradients();
        nn::utils::clip_grad_norm_(params, o.clip);
        opt.step({loss});
        if (cosine) {
          cosine->step();
        } else {
          warmup->step();
          if (warmup->last_epoch() == warm) start_cosine();
        }
        if (s >= 2) compiled_after_warmup += kernels_compiled() - compiled_before;
        if (s == 0) first_loss = loss.item<float>();
        if (s == o.steps - 1) last_loss = loss.item<float>();
        if (root) bar.update(s + 1, opt.get_lr(), [&] { return loss.item<float>(); });
      }
      tg::synchronize();
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (root)
        std::printf("trained %ld steps in %.2f s: %.2f steps/s, %.0f tokens/s; loss %.4f -> %.4f; kernels compiled after step 2: %llu\n",
                  o.steps, secs, static_cast<double>(o.steps) / secs, static_cast<double>(o.steps * B * T) / secs,
                  static_cast<double>(first_loss), static_cast<double>(last_loss),
                  static_cast<unsigned long long>(compiled_after_warmup));
      if (o.check && !(last_loss < first_loss)) {
        std::fprintf(stderr, "gpt: --check: the loss did not fall (%.4f -> %.4f)\n", static_cast<double>(first_loss),
                     static_cast<double>(last_loss));
        ok = false;
      }
      if (o.check && o.steps > 2 && compiled_after_warmup != 0) {
        std::fprintf(stderr, "gpt: --check: steps after the second compiled %llu kernels (want 0)\n",
                     static_cast<unsigned long long>(compiled_after_warmup));
        ok = false;
      }
    }
    model.eval();
    tg::Training not_training(false);

    if (!o.save.empty() && root) {
      nn::state::StateDict dict = nn::state::get_state_dict(model);
      dict.metadata = {{"vocab", vocab->str()},
                       {"n_layer", std::to_string(o.model.n_layer)},
                       {"n_head", std::to_string(o.model.n_head)},
                       {"d_model", std::to_string(o.model.d_model)},
                       {"context", std::to_string(o.model.context)}};
      nn::state::safe_save(dict, o.save);
      std::fprintf(stderr, "saved %s\n", o.save.c_str());
    }

    if (o.check) {
      float diff = cache_vs_full(model, tokens);
      std::printf("cached generation vs full forward: max |logit difference| %.2g\n", static_cast<double>(diff));
      if (!(diff < 1e-3f)) {
        std::fprintf(stderr, "gpt: --check: the cached logits differ from the full forward pass by %g\n",
                     static_cast<double>(diff));
        ok = false;
      }
      const int64_t differs = greedy_cache_vs_full(model, tokens.empty() ? 0 : tokens[0]);
      std::printf("greedy generation, cached vs full forward: %s\n",
                  differs < 0 ? "the same tokens" : ("differs at position " + std::to_string(differs)).c_str());
      if (differs >= 0) ok = false;
    }

    if (o.generate > 0 && root) {
      std::vector<int32_t> context;
      if (!o.prompt.empty()) context = vocab->encode(o.prompt, "--prompt");
      else context.push_back(vocab->id['\n'] >= 0 ? vocab->id['\n'] : 0);
      gpt::KVCache cache(model);
      const int64_t C = o.model.context;
      int64_t pos = 0;
      Tensor logits;
      // Feeds context[from...] into the cache from position 0: the prompt, and, when the
      // context is full, its last half again (each token through the same kernels).
      auto refill = [&](size_t from) {
        pos = 0;
        for (size_t i = from; i < context.size(); ++i) logits = cache.step(context[i], pos++);
      };
      if (static_cast<int64_t>(context.size()) > C) context.erase(context.begin(), context.end() - C);
      std::fputs(o.prompt.c_str(), stdout);
      const auto t0 = std::chrono::steady_clock::now();
      refill(0);
      uint64_t compiled_after_first = 0;
      for (long i = 0; i < o.generate; ++i) {
        int32_t next = sample(logits.to_vector<float>(), o.temperature, o.top_k, rng);
        std::fputc(vocab->chars[static_cast<size_t>(next)], stdout);
        std::fflush(stdout);
        context.push_back(next);
        if (i == o.generate - 1) break;
        const uint64_t before = kernels_compiled();
        if (pos == C) refill(context.size() - static_cast<size_t>(C / 2));
        else logits = cache.step(next, pos++);
        compiled_after_first += kernels_compiled() - before;
      }
      std::fputc('\n', stdout);
      std::fflush(stdout);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "generated %ld characters in %.2f s (%.2f ms each); kernels compiled after the first token: %llu\n",
                   o.generate, secs, secs * 1e3 / static_cast<double>(o.generate),
                   static_cast<unsigned long long>(compiled_after_first));
      if (o.check && compiled_after_first != 0) {
        std::fprintf(stderr, "gpt: --check: generation compiled kernels after its first token\n");
        ok = false;
      }
    }
#ifdef TG_GPT_DIST
    if (o.distributed) tg::dist::finalize();
#endif
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "gpt: %s\n", e.what());
    return 1;
  } catch (const std::logic_error& e) {  // a number in a checkpoint's metadata that is not one
    std::fprintf(stderr, "gpt: %s: bad checkpoint metadata (%s)\n", o.load.c_str(), e.what());
    return 1;
  }
  return ok ? 0 : 1;
}
