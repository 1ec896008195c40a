// Hostile sizes and depths: shapes past 2^62 elements, graphs deeper than any stack, files that
// nest, inflate or block. Each one is a clear tg::Error (or just works), never a crash, a hang
// or a silent wrong answer. Every input file is generated here.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include <tg/tg.hpp>

using tg::Error;
using tg::Shape;
using tg::Tensor;
namespace state = tg::nn::state;
namespace ds = tg::nn::datasets;

namespace {

constexpr int64_t k2_32 = int64_t{1} << 32;
constexpr int64_t k2_62 = int64_t{1} << 62;

// The message of the tg::Error f throws ("" and a failure when it throws nothing or another type).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a tg::Error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error";
  return "";
}

#define EXPECT_ERROR_HAS(expr, phrase)                                                         \
  do {                                                                                         \
    std::string msg_ = error_of([&] { (void)(expr); });                                        \
    EXPECT_NE(msg_.find(phrase), std::string::npos) << "want \"" << (phrase) << "\" in: " << msg_; \
  } while (0)

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "tg_limits_" + name; }

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::remove(path.c_str());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file whose header is `json` (padded to 8 bytes) and whose data section has n bytes.
std::vector<uint8_t> safetensors(std::string json, size_t data_bytes = 0) {
  json.append((8 - json.size() % 8) % 8, ' ');
  std::vector<uint8_t> out(8);
  for (int i = 0; i < 8; i++) out[static_cast<size_t>(i)] = static_cast<uint8_t>(json.size() >> (8 * i));
  out.insert(out.end(), json.begin(), json.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

std::string nested(int depth, const std::string& inner) {
  return std::string(static_cast<size_t>(depth), '[') + inner + std::string(static_cast<size_t>(depth), ']');
}

std::vector<uint8_t> idx_header(std::vector<uint32_t> dims) {
  std::vector<uint8_t> out{0, 0, 8, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(d >> s));
  return out;
}

}  // namespace

// ---- shapes past 2^62 elements --------------------------------------------------------------

TEST(ShapeLimits, ZerosOfTwoTo64ElementsIsAnError) {
  // 2^32 * 2^32 wrapped to 0: `zeros({2^32, 2^32}) + 1` read back 0 values.
  EXPECT_ERROR_HAS(Tensor::zeros({k2_32, k2_32}), "shape (4294967296, 4294967296) has more than 2^62 elements");
  EXPECT_ERROR_HAS(Tensor::full({k2_32, k2_32, 4}, 1.0f), "has more than 2^62 elements");
  EXPECT_ERROR_HAS(Tensor::empty({k2_32, k2_32}), "has more than 2^62 elements");
  EXPECT_ERROR_HAS(Tensor::rand({k2_62, 2}), "has more than 2^62 elements");
  // 2^62 itself is allowed (a lazy constant: nothing is allocated until it is realized).
  EXPECT_EQ(Tensor::zeros({k2_62}).shape(), Shape({k2_62}));
}

TEST(ShapeLimits, ShapeItselfIsChecked) {
  EXPECT_ERROR_HAS(Shape({k2_32, k2_32}), "has more than 2^62 elements");
  EXPECT_ERROR_HAS(Shape(std::vector<int64_t>{3, k2_62}), "has more than 2^62 elements");
  // A shape with a 0 dim has no elements, but its strides still come from the other dims.
  EXPECT_ERROR_HAS(Shape({0, k2_62, k2_62}), "2^62");
  EXPECT_NO_THROW(Shape({0, k2_32, 4}));
  EXPECT_NO_THROW(Shape({-1, 5}));  // (-1: reshape's inferred dim, checked there)
}

TEST(ShapeLimits, ReshapeCannotWrapTheElementCount) {
  // 7 * 7905747460161236407 wraps to 1: a 1-element tensor reshaped to it.
  Tensor t = Tensor::ones({1});
  EXPECT_ERROR_HAS(t.reshape({7, 7905747460161236407}), "has more than 2^62 elements");
  EXPECT_ERROR_HAS(Tensor::ones({0}).reshape({0, k2_62, 8}), "2^62");
}

TEST(ShapeLimits, ExpandRepeatCatPadAreChecked) {
  Tensor big = Tensor::zeros({k2_32, 1});
  EXPECT_ERROR_HAS(big.expand({k2_32, k2_32}), "has more than 2^62 elements");
  EXPECT_ERROR_HAS(big.expand({-1, k2_32}), "has more than 2^62 elements");
  EXPECT_ERROR_HAS(Tensor::zeros({k2_32}).repeat({k2_32}), "repeat");
  EXPECT_ERROR_HAS(Tensor::zeros({3}).repeat({INT64_MAX / 2}), "repeat");
  Tensor half = Tensor::zeros({k2_62 / 2 + 1});
  EXPECT_ERROR_HAS(tg::cat({half, half}), "cat");
  EXPECT_ERROR_HAS(Tensor::zeros({3}).pad({{INT64_MAX, 0}}), "pad");
  EXPECT_ERROR_HAS(Tensor::zeros({3}).pad({{k2_62, k2_62}}), "pad");
}

TEST(ShapeLimits, ConvAndPoolArithmeticDoesNotOverflow) {
  Tensor x = Tensor::ones({1, 1, 8, 8});
  Tensor w = Tensor::ones({1, 1, 3, 3});
  // dilation * (kernel - 1) + 1 wrapped negative and passed the size check
  EXPECT_ERROR_HAS(x.conv2d(w, std::nullopt, {1, 1}, {0, 0}, {INT64_MAX / 2 + 1, 1}), "larger than the padded input");
  EXPECT_ERROR_HAS(x.max_pool2d({3, 3}, std::nullopt, {0, 0}, {INT64_MAX / 2 + 1, 1}), "larger than the");
  EXPECT_ERROR_HAS(x.conv2d(w, std::nullopt, {1, 1}, {INT64_MAX, 0}), "pad");
  EXPECT_ERROR_HAS(x.conv2d(Tensor::ones({2, 1, 3, 3}), std::nullopt, {1, 1}, {0, 0}, {1, 1}, INT64_MAX / 2 + 1),
                   "do not fit");
  // A stride past the input: one window, as PyTorch gives.
  Tensor y = x.max_pool2d({2, 2}, tg::IntPair{INT64_MAX, INT64_MAX});
  EXPECT_EQ(y.shape(), Shape({1, 1, 1, 1}));
  EXPECT_EQ(y.item<float>(), 1.0f);
}

TEST(ShapeLimits, EyeOfHugeNIsAnErrorNotAnOverflow) {
  // n * n overflowed: eye(2^62 + 2) wrote past a 16-byte buffer, eye(2^32) segfaulted.
  EXPECT_ERROR_HAS(Tensor::eye(k2_62 + 2), "eye");
  EXPECT_ERROR_HAS(Tensor::eye(k2_32), "eye");
  EXPECT_ERROR_HAS(Tensor::eye(INT64_MAX), "eye");
  Tensor e = Tensor::eye(4);
  EXPECT_EQ(e.shape(), Shape({4, 4}));
  std::vector<float> v = e.to_vector<float>();
  for (int i = 0; i < 16; i++) EXPECT_EQ(v[static_cast<size_t>(i)], i % 5 == 0 ? 1.0f : 0.0f) << i;
  EXPECT_EQ(Tensor::eye(0).shape(), Shape({0, 0}));
  EXPECT_EQ(Tensor::eye(300).sum().item<float>(), 300.0f);
  EXPECT_EQ(Tensor::eye(3, tg::TensorOptions{tg::DType::int32}).to_vector<int>(), (std::vector<int>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
}

// ---- graphs deeper than the stack -------------------------------------------------------------

namespace {

// Runs f on a thread whose stack is `kib` KiB: a program's other threads can have stacks this
// small, and the main thread's 8 MB would hide a recursion that grows with the graph for a while.
void on_small_stack(size_t kib, const std::function<void()>& f) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, kib << 10), 0);
  pthread_t thread;
  auto run = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, const_cast<std::function<void()>*>(&f)), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

size_t stack_kib() {
  const char* v = std::getenv("TG_TEST_STACK_KIB");
#if defined(__SANITIZE_ADDRESS__)
  const size_t fallback = 4096;  // AddressSanitizer's Debug frames are several times larger
#else
  const size_t fallback = 512;
#endif
  return v ? std::strtoul(v, nullptr, 10) : fallback;
}

}  // namespace

TEST(DeepGraphs, RealizingAFifteenThousandOpChain) {
  on_small_stack(stack_kib(), [] {
    Tensor x = Tensor::ones({4});
    for (int i = 0; i < 15000; i++) x = x + 1.0f;
    EXPECT_EQ(x.to_vector<float>(), std::vector<float>(4, 15001.0f));
  });
}

TEST(DeepGraphs, RunningSumOverAnEpoch) {
  on_small_stack(stack_kib(), [] {
    // `total = total + loss` over many steps, never realized until the end.
    Tensor total = Tensor::zeros({});
    for (int i = 0; i < 30000; i++) total = total + Tensor::full({}, 0.5f);
    EXPECT_EQ(total.item<float>(), 15000.0f);
  });
}

TEST(DeepGraphs, BackwardOverAHundredThousandOps) {
  on_small_stack(stack_kib(), [] {
    Tensor w = Tensor::full({2}, 1.0f, tg::TensorOptions{std::nullopt, std::nullopt, true});
    Tensor y = w;
    for (int i = 0; i < 100000; i++) y = y + w;  // y = 100001 w
    y.sum().backward();
    ASSERT_TRUE(w.grad().has_value());
    EXPECT_EQ(w.grad()->to_vector<float>(), std::vector<float>(2, 100001.0f));
  });
}

TEST(DeepGraphs, DroppingAnUnrealizedChainOfAHundredTwentyThousandOps) {
  on_small_stack(stack_kib(), [] {
    {
      Tensor x = Tensor::ones({3});
      for (int i = 0; i < 120000; i++) x = x * 1.5f;
    }  // ~Node used to recurse once per op here
    {
      Tensor a = Tensor::ones({2}), b = Tensor::ones({2});
      for (int i = 0; i < 120000; i++) (i % 2 ? a : b) = a + b;  // a chain that branches
    }
    SUCCEED();
  });
}

// ---- backward on an int tensor ----------------------------------------------------------------

TEST(Backward, OfAnIntTensorIsAnError) {
  Tensor t = Tensor::ones({1}, tg::TensorOptions{tg::DType::int32});
  EXPECT_ERROR_HAS(t.backward(), "only floating tensors have gradients");
  EXPECT_ERROR_HAS(Tensor::ones({}, tg::TensorOptions{tg::DType::bool_}).backward(), "bool");
}

// ---- safetensors: nesting, overflow, non-files ------------------------------------------------

TEST(SafeLoad, EightyThousandLevelsOfNestingAreAnError) {
  const int deep = 80000;
  const std::vector<std::string> headers = {
      R"({"a":{"dtype":"F32","shape":)" + nested(deep, "1") + R"(,"data_offsets":[0,4]}})",
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,)" + nested(deep, "4") + "]}}",
      R"({"__metadata__":{"k":)" + nested(deep, "\"v\"") + "}}",
      R"({"__metadata__":{"k":)" + std::string(deep, '{') + std::string(deep, '}') + "}}",  // (invalid JSON, deep)
  };
  for (const std::string& h : headers) {
    const std::string path = temp_path("deep.safetensors");
    write_file(path, safetensors(h, 4));
    std::string msg = error_of([&] { state::safe_load(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg.substr(0, 300);
    EXPECT_LT(msg.size(), 400u) << msg.substr(0, 300);
  }
}

TEST(SafeLoad, HostileValuesAreShownShort) {
  // 40 levels (under the nesting limit) and 100,000 elements: the message shows a bounded part.
  std::string dims = "[" + std::string(200000, '1') + "]";
  for (size_t i = 2; i < dims.size() - 1; i += 2) dims[i] = ',';
  for (const std::string& shape : {nested(40, "1"), "[" + nested(3, "[]") + "]", dims.substr(0, dims.size() - 2) + ",[[[[1]]]]]"}) {
    std::string msg =
        error_of([&] { state::safe_load_bytes(safetensors(R"({"a":{"dtype":"F32","shape":[)" + shape + R"(],"data_offsets":[0,4]}})", 4)); });
    EXPECT_NE(msg.find("shape dim"), std::string::npos) << msg.substr(0, 300);
    EXPECT_LT(msg.size(), 400u) << msg.substr(0, 300);
  }
  std::string msg = error_of([&] { state::safe_load_bytes(safetensors(R"({"__metadata__":{"k":)" + nested(30, "1") + "}}")); });
  EXPECT_NE(msg.find("[[[...]]]"), std::string::npos) << msg;
  // Names and strings from the file are cut too.
  const std::string name(100000, 'n');
  for (const std::string& h : {R"({")" + name + R"(":{"dtype":"X","shape":[],"data_offsets":[0,0]}})",
                               R"({"a":{"dtype":")" + name + R"(","shape":[],"data_offsets":[0,0]}})",
                               R"({"__metadata__":{")" + name + R"(":1}})"}) {
    msg = error_of([&] { state::safe_load_bytes(safetensors(h)); });
    EXPECT_NE(msg.find("nnn..."), std::string::npos) << msg.substr(0, 300);
    EXPECT_LT(msg.size(), 400u) << msg.substr(0, 300);
  }
}

TEST(SafeLoad, ShapesPastTwoTo62AreRejected) {
  // [0, 2^62, 2^62] has 0 elements and 0 bytes, and was accepted.
  const std::string h = R"({"a":{"dtype":"F32","shape":[0,4611686018427387904,4611686018427387904],"data_offsets":[0,0]}})";
  EXPECT_ERROR_HAS(state::safe_load_bytes(safetensors(h)), "2^62");
  const std::string h2 = R"({"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}})";
  EXPECT_ERROR_HAS(state::safe_load_bytes(safetensors(h2)), "needs more than 2^64 bytes");
  const std::string h3 = R"({"a":{"dtype":"U8","shape":[9223372036854775807],"data_offsets":[0,0]}})";
  EXPECT_ERROR_HAS(state::safe_load_bytes(safetensors(h3)), "2^62");
}

TEST(SafeLoad, ADirectoryOrAFifoIsANamedError) {
  const std::string dir = temp_path("a_directory.safetensors");
  ::mkdir(dir.c_str(), 0755);
  std::string msg = error_of([&] { state::safe_load(dir); });
  EXPECT_NE(msg.find(dir), std::string::npos) << msg;
  EXPECT_NE(msg.find("directory"), std::string::npos) << msg;
  const std::string fifo = temp_path("fifo.safetensors");
  std::remove(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto pending = std::async(std::launch::async, [&] { return error_of([&] { state::safe_load(fifo); }); });
  if (pending.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "safe_load blocked on a FIFO";
    ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));  // a writer that goes away: the reader sees EOF
  }
  msg = pending.get();
  EXPECT_NE(msg.find("FIFO"), std::string::npos) << msg;
}

// ---- IDX: bounded reads --------------------------------------------------------------------------

namespace {

// A gzip file of `header` followed by `zeros` zero bytes, made without compressing them all: a
// raw deflate block of 1 MiB of zeros after a full flush does not depend on what came before,
// so it is compressed once and repeated.
void write_gzip_bomb(const std::string& path, const std::vector<uint8_t>& header, uint64_t mib_of_zeros) {
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<uint8_t> out(1 << 22), zeros(1 << 20, 0);
  auto deflate_some = [&](const uint8_t* in, size_t n, int flush) {
    z.next_in = const_cast<Bytef*>(in);
    z.avail_in = static_cast<uInt>(n);
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_NE(deflate(&z, flush), Z_STREAM_ERROR);
    EXPECT_EQ(z.avail_in, 0u);
    return std::vector<uint8_t>(out.data(), z.next_out);
  };
  std::vector<uint8_t> body = deflate_some(header.data(), header.size(), Z_FULL_FLUSH);
  std::vector<uint8_t> first = deflate_some(zeros.data(), zeros.size(), Z_FULL_FLUSH);
  std::vector<uint8_t> block = deflate_some(zeros.data(), zeros.size(), Z_FULL_FLUSH);
  std::vector<uint8_t> again = deflate_some(zeros.data(), zeros.size(), Z_FULL_FLUSH);
  ASSERT_EQ(block, again) << "zlib's full-flushed blocks differ: the bomb cannot be built by repetition";
  std::vector<uint8_t> tail = deflate_some(nullptr, 0, Z_FINISH);
  deflateEnd(&z);
  uLong crc = crc32(0, header.data(), static_cast<uInt>(header.size()));
  const uLong crc_mib = crc32(0, zeros.data(), static_cast<uInt>(zeros.size()));
  for (uint64_t i = 0; i < mib_of_zeros; i++) crc = crc32_combine(crc, crc_mib, 1 << 20);
  const uint64_t size = header.size() + (mib_of_zeros << 20);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const uint8_t gz_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  std::fwrite(gz_header, 1, sizeof gz_header, f);
  std::fwrite(body.data(), 1, body.size(), f);
  std::fwrite(first.data(), 1, first.size(), f);
  for (uint64_t i = 1; i < mib_of_zeros; i++) std::fwrite(block.data(), 1, block.size(), f);
  std::fwrite(tail.data(), 1, tail.size(), f);
  for (uint64_t v : {static_cast<uint64_t>(crc), size})
    for (int b = 0; b < 4; b++) std::fputc(static_cast<int>((v >> (8 * b)) & 0xff), f);
  std::fclose(f);
}

}  // namespace

TEST(ReadIdx, AGzipBombIsRejectedAfterWhatTheHeaderAsksFor) {
  // The header asks for 60000 x 28 x 28 bytes (47 MB); the stream inflates to 4 GiB of them.
  const std::string path = temp_path("bomb-idx3-ubyte.gz");
  write_gzip_bomb(path, idx_header({60000, 28, 28}), 4096);
  const auto t0 = std::chrono::steady_clock::now();
  std::string msg = error_of([&] { ds::read_idx(path); });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(msg.find("trailing bytes"), std::string::npos) << msg;
  EXPECT_LT(s, 3.0) << "inflating all 4 GiB before rejecting them took 50 s and over 4 GB";
  // The same file with exactly the data the header asks for loads.
  const std::string ok = temp_path("ok-idx1-ubyte.gz");
  write_gzip_bomb(ok, idx_header({4, 1024, 256}), 1);
  ds::IdxFile f = ds::read_idx(ok);
  EXPECT_EQ(f.dims, (std::vector<int64_t>{4, 1024, 256}));
  EXPECT_EQ(f.data.size(), size_t{1} << 20);
}

TEST(ReadIdx, DimsWhoseProductWrapsAreAnError) {
  // (0, 2^32-1, 2^32-1, 2^32-1) multiplied to 0 and loaded as an empty tensor of absurd shape.
  const std::string path = temp_path("wrap-idx4-ubyte");
  write_file(path, idx_header({0, 0xffffffffu, 0xffffffffu, 0xffffffffu}));
  EXPECT_ERROR_HAS(ds::read_idx(path), "2^62");
  write_file(path, idx_header({0x10000u, 0x10000u, 0x10000u, 0x10000u}));
  EXPECT_ERROR_HAS(ds::read_idx(path), "2^62");
}

TEST(ReadIdx, OnlyRegularFiles) {
  const std::string fifo = temp_path("fifo-idx1-ubyte");
  std::remove(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto pending = std::async(std::launch::async, [&] { return error_of([&] { ds::read_idx(fifo); }); });
  if (pending.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "read_idx blocked on a FIFO";
    ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));
  }
  std::string msg = pending.get();
  EXPECT_NE(msg.find(fifo), std::string::npos) << msg;
  EXPECT_NE(msg.find("FIFO"), std::string::npos) << msg;
  const std::string dir = temp_path("dir-idx1-ubyte");
  ::mkdir(dir.c_str(), 0755);
  EXPECT_ERROR_HAS(ds::read_idx(dir), "is a directory");
}
