// tg::nn::state: state dicts, load_state_dict's checks, and safetensors files built byte by
// byte from the format's specification, including every kind of malformed file.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "nn_test_util.hpp"

using namespace nntest;
using tgtest::all_close;
namespace nn = tg::nn;
namespace st = tg::nn::state;

namespace {

// 8-byte little-endian length, the header text, then the data bytes.
std::vector<uint8_t> file_bytes(const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

template <typename T>
std::vector<uint8_t> le_bytes(std::initializer_list<T> values) {
  std::vector<uint8_t> out;
  for (T v : values) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
  }
  return out;
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    st::safe_load_bytes(bytes, "bad.safetensors");
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_LOAD_ERROR(bytes, phrase)                                              \
  do {                                                                                \
    std::string msg = error_of(bytes);                                                \
    EXPECT_NE(msg.find("bad.safetensors"), std::string::npos) << msg;                 \
    EXPECT_NE(msg.find(phrase), std::string::npos) << "want \"" << phrase << "\" in: " << msg; \
  } while (0)

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "tg_state_" + name; }

}  // namespace

TEST(StateDict, InsertionOrderAtAndIndex) {
  st::StateDict d;
  d["b"] = Tensor({1.f});
  d.set("a", Tensor({2.f}));
  d["c"] = Tensor({3.f});
  d["b"] = Tensor({4.f});  // replaces in place
  EXPECT_EQ(d.size(), 3u);
  std::vector<std::string> keys;
  for (const auto& [k, v] : d) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(d.at("b").item<float>(), 4.f);
  EXPECT_TRUE(d.contains("a"));
  try {
    d.at("zz");
    FAIL();
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"zz\""), std::string::npos);
  }
}

TEST(StateDict, GetAndLoad) {
  nn::Sequential a{std::make_shared<nn::Linear>(3, 2), std::make_shared<nn::BatchNorm2d>(2)};
  nn::Sequential b{std::make_shared<nn::Linear>(3, 2), std::make_shared<nn::BatchNorm2d>(2)};
  st::StateDict sa = st::get_state_dict(a);
  std::vector<std::string> keys;
  for (const auto& [k, v] : sa) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                            "1.running_var", "1.num_batches_tracked"}));
  st::load_state_dict(b, sa);
  for (const auto& [k, v] : st::get_state_dict(b)) EXPECT_EQ(v.to_vector<double>(), sa.at(k).to_vector<double>()) << k;
  // values are assigned: the module's own handles change, and later changes to a do not reach b
  a.parameters()[0].assign(Tensor::zeros({2, 3}));
  EXPECT_NE(st::get_state_dict(b).at("0.weight").abs().sum().item<float>(), 0.f);
}

TEST(StateDict, LoadErrorsNameTheKeys) {
  nn::Linear m(3, 2);
  st::StateDict d;
  d["weight"] = Tensor::zeros({3, 2});
  d["extra"] = Tensor::zeros({1});
  try {
    st::load_state_dict(m, d);
    FAIL();
  } catch (const tg::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("weight (model (2, 3), dict (3, 2))"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing keys: bias"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected keys: extra"), std::string::npos) << msg;
  }
  st::StateDict ok;
  ok["weight"] = Tensor::ones({2, 3}, TensorOptions{DType::float64});  // cast to the module's float32
  ok["extra"] = Tensor::zeros({1});
  EXPECT_THROW(st::load_state_dict(m, ok), tg::Error);
  st::load_state_dict(m, ok, /*strict=*/false);
  EXPECT_EQ(m.weight.dtype(), DType::float32);
  EXPECT_TRUE(all_close(m.weight, std::vector<double>(6, 1.0)));
}

TEST(Safetensors, ReadsBytesBuiltFromTheSpec) {
  std::string header =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"I64","shape":[2],"data_offsets":[8,24]},)"
      R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"s":{"dtype":"U8","shape":[],"data_offsets":[24,25]}})";
  std::vector<uint8_t> data = le_bytes<float>({1.5f, -2.f});
  auto i64 = le_bytes<int64_t>({7, -9});
  data.insert(data.end(), i64.begin(), i64.end());
  data.push_back(200);
  st::StateDict d = st::safe_load_bytes(file_bytes(header, data));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.begin()->first, "a");  // in file order
  EXPECT_EQ(d.at("a").to_vector<float>(), (std::vector<float>{1.5f, -2.f}));
  EXPECT_EQ(d.at("b").dtype(), DType::int64);
  EXPECT_EQ(d.at("b").to_vector<int64_t>(), (std::vector<int64_t>{7, -9}));
  EXPECT_EQ(d.at("s").ndim(), 0);
  EXPECT_EQ(d.at("s").item<int>(), 200);
  EXPECT_EQ(d.metadata.at("format"), "pt");
}

TEST(Safetensors, RoundTripEveryDtypeThroughAFile) {
  st::StateDict d;
  const DType all[] = {DType::bool_, DType::uint8, DType::int8, DType::int16, DType::int32,
                       DType::int64, DType::float16, DType::bfloat16, DType::float32, DType::float64};
  for (DType dt : all)
    d[std::string("t_") + tg::dtype_name(dt)] = Tensor({{1.f, 0.f, -3.f}, {2.5f, 1.f, 0.f}}).cast(dt);
  d["empty"] = Tensor::zeros({0, 3});
  d.metadata["note"] = "hello";
  std::string path = temp_path("all.safetensors");
  st::safe_save(d, path);
  st::StateDict back = st::safe_load(path);
  ASSERT_EQ(back.size(), d.size());
  for (const auto& [k, v] : d) {
    EXPECT_EQ(back.at(k).dtype(), v.dtype()) << k;
    EXPECT_EQ(back.at(k).shape(), v.shape()) << k;
    EXPECT_EQ(back.at(k).to_vector<double>(), v.to_vector<double>()) << k;
  }
  EXPECT_EQ(back.metadata.at("note"), "hello");
  // the header is 8-byte aligned and the data section starts right after it
  std::vector<uint8_t> bytes = st::safe_save_bytes(d);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(bytes[static_cast<size_t>(i)]) << (8 * i);
  EXPECT_EQ(n % 8, 0u);
  std::remove(path.c_str());
}

TEST(Safetensors, ModelCheckpointRoundTrip) {
  nn::Sequential a{std::make_shared<nn::Conv2d>(1, 2, 3), std::make_shared<nn::BatchNorm2d>(2)};
  nn::Sequential b{std::make_shared<nn::Conv2d>(1, 2, 3), std::make_shared<nn::BatchNorm2d>(2)};
  std::string path = temp_path("model.safetensors");
  st::safe_save(st::get_state_dict(a), path);
  st::load_state_dict(b, st::safe_load(path));
  Tensor x = Tensor::rand({1, 1, 5, 5});
  EXPECT_EQ(a(x).to_vector<float>(), b(x).to_vector<float>());
  std::remove(path.c_str());
}

TEST(Safetensors, MalformedFiles) {
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::vector<uint8_t> data(8, 0);
  ASSERT_NO_THROW(st::safe_load_bytes(file_bytes(ok, data)));

  EXPECT_LOAD_ERROR(std::vector<uint8_t>(5, 0), "fewer than the 8-byte header length");
  std::vector<uint8_t> truncated = file_bytes(ok, data);
  truncated.resize(20);
  EXPECT_LOAD_ERROR(truncated, "longer than the");
  std::vector<uint8_t> huge = file_bytes(ok, data);
  huge[7] = 0x7f;  // header length near 2^63
  EXPECT_LOAD_ERROR(huge, "longer than the");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32",)", data), "not valid JSON");
  EXPECT_LOAD_ERROR(file_bytes("[1, 2]", {}), "must be a JSON object");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", {0, 0}),
                    "dtype \"F8_E4M3\"");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"U16","shape":[2],"data_offsets":[0,4]}})", {0, 0, 0, 0}), "U16");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", {0, 0, 0, 0}),
                    "past the end of the data section");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", data), "past the end");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data),
                    "overlap");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data), "needs 12 bytes");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data), "gap");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", data), "after the last tensor");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data), "non-negative integer");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data), "end before they begin");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[2]}})", data), "no \"data_offsets\"");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", data), "[begin, end]");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", data),
                    "too large");
  EXPECT_LOAD_ERROR(file_bytes(R"({"__metadata__":{"k":1}})", {}), "must be a string");
  EXPECT_LOAD_ERROR(file_bytes(R"({"a":5})", {}), "must be an object");
}

TEST(Safetensors, FileErrors) {
  try {
    st::safe_load(temp_path("does_not_exist.safetensors"));
    FAIL();
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("does_not_exist.safetensors"), std::string::npos) << e.what();
  }
  std::string path = temp_path("short.safetensors");
  std::ofstream(path, std::ios::binary) << "abc";
  try {
    st::safe_load(path);
    FAIL();
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
  st::StateDict bad;
  bad["x"] = Tensor();
  EXPECT_THROW(st::safe_save_bytes(bad), tg::Error);
}
