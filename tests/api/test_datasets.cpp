// tg::nn::datasets::mnist on small IDX files written here (plain and gzipped), and corrupt ones.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>

#include "nn_test_util.hpp"

using namespace nntest;
namespace ds = tg::nn::datasets;

namespace {

std::vector<uint8_t> idx(uint8_t ndim, std::vector<uint32_t> dims, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out{0, 0, 8, ndim};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(d >> s));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void write(const std::string& path, const std::vector<uint8_t>& bytes, bool gz) {
  if (gz) {
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
}

// A directory with n_train / n_test images of 28x28 (pixel value (i + p) % 256) and labels i % 10.
std::string make_dir(const std::string& name, int n_train, int n_test, bool gz) {
  std::string dir = ::testing::TempDir() + "tg_mnist_" + name;
  ::mkdir(dir.c_str(), 0755);
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    std::remove((dir + "/" + f).c_str());
    std::remove((dir + "/" + f + ".gz").c_str());
  }
  auto put = [&](const std::string& prefix, int n) {
    std::vector<uint8_t> img, lab;
    for (int i = 0; i < n; ++i) {
      for (int p = 0; p < 784; ++p) img.push_back(static_cast<uint8_t>((i + p) % 256));
      lab.push_back(static_cast<uint8_t>(i % 10));
    }
    std::string ext = gz ? ".gz" : "";
    write(dir + "/" + prefix + "-images-idx3-ubyte" + ext, idx(3, {static_cast<uint32_t>(n), 28, 28}, img), gz);
    write(dir + "/" + prefix + "-labels-idx1-ubyte" + ext, idx(1, {static_cast<uint32_t>(n)}, lab), gz);
  };
  put("train", n_train);
  put("t10k", n_test);
  return dir;
}

std::string error_of(const std::string& dir) {
  try {
    ds::mnist(dir);
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Mnist, PlainAndGzipped) {
  for (bool gz : {false, true}) {
    auto [X_train, Y_train, X_test, Y_test] = ds::mnist(make_dir(gz ? "gz" : "plain", 12, 3, gz));
    EXPECT_EQ(X_train.shape().dims(), (Dims{12, 1, 28, 28}));
    EXPECT_EQ(Y_train.shape().dims(), (Dims{12}));
    EXPECT_EQ(X_test.shape().dims(), (Dims{3, 1, 28, 28}));
    EXPECT_EQ(Y_test.shape().dims(), (Dims{3}));
    EXPECT_EQ(X_train.dtype(), DType::uint8);
    EXPECT_EQ(Y_train.dtype(), DType::uint8);
    std::vector<int> x = X_train.to_vector<int>(), y = Y_train.to_vector<int>();
    EXPECT_EQ(x[784 * 5 + 300], (5 + 300) % 256);
    EXPECT_EQ(y[11], 1);
    EXPECT_EQ(X_test.to_vector<int>()[784 * 2 + 1], 3);
  }
}

TEST(Mnist, MissingFileIsNamed) {
  std::string dir = make_dir("missing", 2, 2, false);
  std::remove((dir + "/t10k-labels-idx1-ubyte").c_str());
  std::string msg = error_of(dir);
  EXPECT_NE(msg.find(dir + "/t10k-labels-idx1-ubyte"), std::string::npos) << msg;
  EXPECT_NE(msg.find(".gz"), std::string::npos) << msg;
  EXPECT_NE(error_of(dir + "/nope").find("missing file"), std::string::npos);
}

TEST(Mnist, CorruptFiles) {
  struct Case {
    std::string file;
    std::vector<uint8_t> bytes;
    std::string phrase;
  };
  std::vector<uint8_t> lab5{1, 2, 3, 4, 5};
  std::vector<Case> cases = {
      {"train-labels-idx1-ubyte", {0, 0, 8}, "only 3 bytes"},
      {"train-labels-idx1-ubyte", {1, 0, 8, 1, 0, 0, 0, 2, 1, 2}, "magic number"},
      {"train-labels-idx1-ubyte", {0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "element type is 0x0d"},
      {"train-labels-idx1-ubyte", {0, 0, 8, 1, 0, 0}, "truncated inside the header"},
      {"train-labels-idx1-ubyte", idx(1, {9}, lab5), "need 9 bytes of data but the file has 5 (truncated)"},
      {"train-labels-idx1-ubyte", idx(1, {4}, lab5), "(trailing bytes)"},
      {"train-labels-idx1-ubyte", idx(1, {2}, {1, 12}), "label 12 at index 1"},
      {"train-labels-idx1-ubyte", idx(1, {3}, {1, 2, 3}), "has 2 images but"},
      {"train-images-idx3-ubyte", idx(1, {2}, {1, 2}), "should hold images"},
  };
  for (const Case& c : cases) {
    std::string dir = make_dir("corrupt", 2, 2, false);
    write(dir + "/" + c.file, c.bytes, false);
    std::string msg = error_of(dir);
    EXPECT_NE(msg.find(dir + "/" + c.file), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.phrase), std::string::npos) << "want \"" << c.phrase << "\" in: " << msg;
  }
}

TEST(Mnist, CorruptGzip) {
  std::string dir = make_dir("badgz", 2, 2, true);
  // a gzip header followed by garbage
  std::vector<uint8_t> bad{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02};
  write(dir + "/train-images-idx3-ubyte.gz", bad, false);
  std::string msg = error_of(dir);
  EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("corrupt"), std::string::npos) << msg;
  // a gzip stream cut short
  std::string dir2 = make_dir("shortgz", 2, 2, true);
  std::ifstream in(dir2 + "/train-images-idx3-ubyte.gz", std::ios::binary);
  std::vector<uint8_t> all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  all.resize(all.size() / 2);
  write(dir2 + "/train-images-idx3-ubyte.gz", all, false);
  msg = error_of(dir2);
  EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;
}

TEST(Mnist, FashionMnistPackageIfInstalled) {
  struct stat st {};
  if (::stat((std::string(ds::kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz").c_str(), &st) != 0)
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  ds::IdxFile labels = ds::read_idx(std::string(ds::kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(labels.dims, (std::vector<int64_t>{10000}));
  std::vector<int> count(10, 0);
  for (uint8_t l : labels.data) count[l]++;
  for (int c : count) EXPECT_EQ(c, 1000);  // Fashion-MNIST's test set is balanced
}
