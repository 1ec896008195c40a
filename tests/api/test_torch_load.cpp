// tg::nn::state::torch_load: files PyTorch itself wrote (the ctest fixture TorchLoad.checkpoints
// runs tests/api/torch_checkpoints.py, which saves them and what they hold), and hostile or corrupt
// archives built here byte by byte with libzip (these need no PyTorch).
#include <gtest/gtest.h>
#include <zip.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "nn_test_util.hpp"

using namespace nntest;
using namespace std::string_literals;
namespace nn = tg::nn;
namespace st = tg::nn::state;

namespace {

// ---- the PyTorch-written files and expected.txt -------------------------------------------

std::string checkpoint_dir() {
  if (const char* d = std::getenv("TG_TORCH_CHECKPOINTS")) return d;
  return TG_TORCH_CHECKPOINTS_DIR;
}

struct Expected {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

struct Checkpoints {
  std::string skip;  // why the PyTorch-written files are absent, if they are
  std::string error;
  std::map<std::string, std::map<std::string, Expected>> tensors;  // file -> key -> tensor
  std::map<std::string, std::map<std::string, std::string>> meta;  // file -> key -> text
  std::map<std::string, size_t> count;
};

std::vector<uint8_t> unhex(const std::string& h) {
  std::vector<uint8_t> out;
  if (h == "-") return out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

const Checkpoints& checkpoints() {
  static const Checkpoints c = [] {
    Checkpoints c;
    const std::string dir = checkpoint_dir();
    std::ifstream no_torch(dir + "/no_torch");
    if (no_torch) {
      std::getline(no_torch, c.skip);
      return c;
    }
    std::ifstream f(dir + "/expected.txt");
    if (!f) {
      c.error =
          "no " + dir + "/expected.txt: ctest's fixture TorchLoad.checkpoints writes it (tests/api/torch_checkpoints.py)";
      return c;
    }
    std::string line;
    while (std::getline(f, line)) {
      std::istringstream in(line);
      std::string kind, file, key;
      in >> kind >> file >> key;
      if (kind == "tensor") {
        Expected e;
        size_t nd = 0;
        in >> e.dtype >> nd;
        e.shape.resize(nd);
        for (auto& d : e.shape) in >> d;
        std::string hex;
        in >> hex;
        e.bytes = unhex(hex);
        c.tensors[file][key] = e;
      } else if (kind == "meta") {
        std::string rest;
        std::getline(in, rest);
        c.meta[file][key] = rest.empty() ? rest : rest.substr(1);
      } else if (kind == "count") {
        c.count[file] = std::stoul(key);
      }
    }
    return c;
  }();
  return c;
}

#define NEED_CHECKPOINTS()                         \
  do {                                             \
    const Checkpoints& c_ = checkpoints();         \
    if (!c_.skip.empty()) GTEST_SKIP() << c_.skip; \
    ASSERT_TRUE(c_.error.empty()) << c_.error;     \
  } while (0)

// A tensor's row-major bytes in its own dtype: the data section of a safetensors file holding it.
std::vector<uint8_t> raw_bytes(const Tensor& t) {
  st::StateDict d;
  d.set("t", t);
  const std::vector<uint8_t> file = st::safe_save_bytes(d);
  uint64_t n = 0;
  for (int i = 0; i < 8; i++) n |= static_cast<uint64_t>(file[static_cast<size_t>(i)]) << (8 * i);
  return {file.begin() + static_cast<std::ptrdiff_t>(8 + n), file.end()};
}

std::string path_of(const std::string& file) { return checkpoint_dir() + "/" + file; }

// Every tensor and number in `file` as PyTorch saved it (keys, dtypes, shapes, bytes).
void expect_as_saved(const st::StateDict& d, const std::string& file) {
  const Checkpoints& c = checkpoints();
  ASSERT_TRUE(c.count.count(file)) << file << " is not in expected.txt";
  EXPECT_EQ(d.size(), c.count.at(file)) << file;
  for (const auto& [key, e] : c.tensors.at(file)) {
    SCOPED_TRACE(file + " " + key);
    ASSERT_TRUE(d.contains(key));
    const Tensor& t = d.at(key);
    EXPECT_EQ(tg::dtype_name(t.dtype()), e.dtype);
    EXPECT_EQ(t.shape(), tg::Shape(e.shape));
    EXPECT_EQ(raw_bytes(t), e.bytes);
  }
  if (c.meta.count(file))
    for (const auto& [key, text] : c.meta.at(file)) {
      ASSERT_TRUE(d.metadata.count(key)) << file << " " << key;
      if (key == "lr")
        EXPECT_DOUBLE_EQ(std::stod(d.metadata.at(key)), std::stod(text));
      else
        EXPECT_EQ(d.metadata.at(key), text) << file << " " << key;
    }
}

Tensor expected_tensor(const std::string& file, const std::string& key) {
  const Expected& e = checkpoints().tensors.at(file).at(key);
  EXPECT_EQ(e.dtype, "float32");
  return Tensor::from_blob(e.bytes.data(), tg::Shape(e.shape), DType::float32);
}

// ---- hostile archives, built here ---------------------------------------------------------

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "tg_torch_load_" + name; }

// A zip with the given entries (stored, as torch.save writes them) at path.
void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  std::remove(path.c_str());
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr) << "zip_open " << err;
  for (const auto& [name, data] : entries) {
    zip_source_t* s = zip_source_buffer(z, data.data(), data.size(), 0);
    ASSERT_NE(s, nullptr);
    const zip_int64_t i = zip_file_add(z, name.c_str(), s, ZIP_FL_OVERWRITE);
    ASSERT_GE(i, 0) << zip_strerror(z);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(i), ZIP_CM_STORE, 0);
  }
  ASSERT_EQ(zip_close(z), 0);
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Pickle opcodes, protocol 2, as torch.save writes them.
std::string le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; i++) s += static_cast<char>(v >> (8 * i));
  return s;
}
std::string str(const std::string& s) { return "X" + le(s.size(), 4) + s; }
std::string global(const std::string& m, const std::string& n) { return "c" + m + "\n" + n + "\n"; }
std::string integer(int64_t v) {
  if (v >= 0 && v < (int64_t{1} << 31)) return "J" + le(static_cast<uint64_t>(v), 4);
  return "\x8a\x08" + le(static_cast<uint64_t>(v), 8);
}
std::string ints(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (int64_t x : v) s += integer(x);
  return s + "t";
}
// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
std::string tensor(const std::string& type, const std::string& key, int64_t numel, int64_t offset,
                   const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
  return global("torch._utils", "_rebuild_tensor_v2") + "((" + str("storage") + global("torch", type) + str(key) +
         str("cpu") + integer(numel) + "tQ" + integer(offset) + ints(size) + ints(stride) + "\x89" +
         global("collections", "OrderedDict") + ")Rt" + "R";
}
// {name: value, ...} as a whole pickle.
std::string dict_pickle(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string s = "\x80\x02}(";
  for (const auto& [k, v] : items) s += str(k) + v;
  return s + "u.";
}
std::string floats(std::initializer_list<float> v) {
  std::string s;
  for (float f : v) s.append(reinterpret_cast<const char*>(&f), sizeof f);
  return s;
}

// The archive torch.save would write for this pickle and these storages.
std::string write_pt(const std::string& name, const std::string& pickle,
                     const std::vector<std::pair<std::string, std::string>>& storages = {}) {
  std::vector<std::pair<std::string, std::string>> entries{{"archive/data.pkl", pickle}};
  for (const auto& [key, data] : storages) entries.push_back({"archive/data/" + key, data});
  entries.push_back({"archive/version", "3\n"});
  const std::string path = temp_path(name);
  write_zip(path, entries);
  return path;
}

std::string load_error(const std::string& path) {
  try {
    st::torch_load(path);
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_TORCH_LOAD_ERROR(path, phrase)                                                    \
  do {                                                                                           \
    const std::string p_ = (path);                                                               \
    const std::string msg_ = load_error(p_);                                                     \
    EXPECT_NE(msg_.find(p_), std::string::npos) << "the message names no file: " << msg_;        \
    EXPECT_NE(msg_.find(phrase), std::string::npos) << "want \"" << phrase << "\" in: " << msg_; \
  } while (0)

}  // namespace

// ---- files PyTorch wrote ------------------------------------------------------------------

TEST(TorchLoad, EveryDtype) {
  NEED_CHECKPOINTS();
  expect_as_saved(st::torch_load(path_of("dtypes.pt")), "dtypes.pt");
}

TEST(TorchLoad, BigEndianArchive) {
  NEED_CHECKPOINTS();
  expect_as_saved(st::torch_load(path_of("dtypes_big.pt")), "dtypes_big.pt");
}

TEST(TorchLoad, ViewsOfOneStorageMaterialize) {
  NEED_CHECKPOINTS();
  st::StateDict d = st::torch_load(path_of("views.pt"));
  expect_as_saved(d, "views.pt");
  // The views are independent tensors now: changing one leaves the others.
  d.at("row").assign(Tensor::zeros(d.at("row").shape()));
  EXPECT_EQ(d.at("base").to_vector<float>()[40], 40.f);
}

TEST(TorchLoad, DeflatedEntries) {
  NEED_CHECKPOINTS();
  expect_as_saved(st::torch_load(path_of("views_deflated.pt")), "views_deflated.pt");
}

TEST(TorchLoad, PickleProtocol4) {
  NEED_CHECKPOINTS();
  expect_as_saved(st::torch_load(path_of("protocol4.pt")), "protocol4.pt");
}

TEST(TorchLoad, NestedDictsListsAndNumbers) {
  NEED_CHECKPOINTS();
  st::StateDict d = st::torch_load(path_of("nested.pt"));
  expect_as_saved(d, "nested.pt");
  EXPECT_EQ(d.metadata.at("epoch"), "7");
  EXPECT_EQ(d.metadata.at("name"), "run1");
  EXPECT_EQ(d.metadata.at("note"), "None");
}

TEST(TorchLoad, Parameter) {
  NEED_CHECKPOINTS();
  expect_as_saved(st::torch_load(path_of("parameter.pt")), "parameter.pt");
}

TEST(TorchLoad, FromBytesAndOnADevice) {
  NEED_CHECKPOINTS();
  st::StateDict d = st::torch_load_bytes(read_all(path_of("views.pt")), "views.pt", std::string("ref"));
  expect_as_saved(d, "views.pt");
  EXPECT_EQ(d.at("base").device().rfind("ref", 0), 0u) << d.at("base").device();
}

// The equivalent tg model computes what PyTorch's computed, from the weights torch.save wrote.
TEST(TorchLoad, ModelStateDictForwardMatchesPyTorch) {
  NEED_CHECKPOINTS();
  TrainingScope eval(false);
  nn::Sequential model{std::make_shared<nn::Conv2d>(3, 4, 3, 1, 1), std::make_shared<nn::BatchNorm2d>(4),
                       [](const Tensor& x) { return x.relu(); }, [](const Tensor& x) { return x.flatten(1); },
                       std::make_shared<nn::Linear>(4 * 6 * 6, 5)};
  st::StateDict d = st::torch_load(path_of("model.pt"));
  expect_as_saved(d, "model.pt");
  st::load_state_dict(model, d);
  EXPECT_EQ(model.module(1).named_tensors().size(), 5u);
  EXPECT_EQ(d.at("1.num_batches_tracked").to_vector<int64_t>()[0], 3);
  Tensor y = model(expected_tensor("model_io", "x"));
  std::vector<float> want = expected_tensor("model_io", "y").to_vector<float>();
  EXPECT_TRUE(tgtest::all_close(y, std::vector<double>(want.begin(), want.end()), 1e-4, 1e-5));
}

// load_state_dict of a model that does not fit names every missing, unexpected and misshapen key.
TEST(TorchLoad, MismatchedModelNamesEveryKey) {
  NEED_CHECKPOINTS();
  nn::Sequential model{std::make_shared<nn::Conv2d>(3, 4, 3, 1, 1), std::make_shared<nn::BatchNorm2d>(4),
                       [](const Tensor& x) { return x.relu(); },    [](const Tensor& x) { return x.flatten(1); },
                       std::make_shared<nn::Linear>(4 * 6 * 6, 7),  std::make_shared<nn::Linear>(7, 2)};
  st::StateDict d = st::torch_load(path_of("model.pt"));
  d.set("head.weight", Tensor::zeros({2}));
  try {
    st::load_state_dict(model, d);
    FAIL() << "a mismatched model loaded";
  } catch (const tg::Error& e) {
    const std::string msg = e.what();
    for (const char* want : {"shape mismatch", "4.weight (model (7, 144), dict (5, 144))", "4.bias", "missing keys",
                             "5.weight", "5.bias", "unexpected keys", "head.weight"})
      EXPECT_NE(msg.find(want), std::string::npos) << "want \"" << want << "\" in: " << msg;
  }
}

// A checkpoint that wraps the state dict ({"model": state_dict, "epoch": 3}) flattens to
// "model.0.weight", ...: the error says so, and the entries under the prefix load.
TEST(TorchLoad, WrappedCheckpointNamesItsPrefix) {
  NEED_CHECKPOINTS();
  nn::Sequential model{std::make_shared<nn::Conv2d>(3, 4, 3, 1, 1), std::make_shared<nn::BatchNorm2d>(4),
                       [](const Tensor& x) { return x.relu(); }, [](const Tensor& x) { return x.flatten(1); },
                       std::make_shared<nn::Linear>(4 * 6 * 6, 5)};
  st::StateDict wrapped;
  for (const auto& [k, v] : st::torch_load(path_of("model.pt"))) wrapped.set("model." + k, v);
  try {
    st::load_state_dict(model, wrapped);
    FAIL() << "a wrapped checkpoint loaded";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("every missing key is in the dict under the prefix \"model.\""),
              std::string::npos)
        << e.what();
  }
  st::StateDict inner;
  for (const auto& [k, v] : wrapped) inner.set(k.substr(6), v);
  st::load_state_dict(model, inner);
}

// ---- archives built here: what torch_load reads and what it refuses -----------------------

TEST(TorchLoadArchive, HandBuiltTensorViews) {
  // A 2x3 row-major storage read as its transpose with an offset, and as a 0-d element.
  const std::string path = write_pt("views.pt",
                                    dict_pickle({{"t", tensor("FloatStorage", "0", 7, 1, {3, 2}, {1, 3})},
                                                 {"e", tensor("FloatStorage", "0", 7, 6, {}, {})}}),
                                    {{"0", floats({9, 0, 1, 2, 3, 4, 5})}});
  st::StateDict d = st::torch_load(path);
  EXPECT_EQ(d.at("t").shape(), tg::Shape({3, 2}));
  EXPECT_EQ(d.at("t").to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(d.at("e").item<float>(), 5.f);
}

// PyTorch 2's layout: archive/byteorder, archive/.data/serialization_id, and _rebuild_tensor_v2
// with a 7th argument (the tensor's metadata dict).
TEST(TorchLoadArchive, PyTorch2Layout) {
  std::string t = tensor("FloatStorage", "0", 2, 0, {2}, {1});
  t.insert(t.size() - 2, "}");  // "...OrderedDict()R" then metadata {}, before the closing "tR"
  const std::string path = temp_path("torch2.pt");
  write_zip(path, {{"archive/data.pkl", dict_pickle({{"w", t}})},
                   {"archive/byteorder", "little"},
                   {"archive/data/0", floats({3, 4})},
                   {"archive/version", "3\n"},
                   {"archive/.data/serialization_id", "1234567890"}});
  EXPECT_EQ(st::torch_load(path).at("w").to_vector<float>(), (std::vector<float>{3, 4}));
  write_zip(path, {{"archive/data.pkl", dict_pickle({{"w", t}})},
                   {"archive/byteorder", "middle"},
                   {"archive/data/0", floats({3, 4})}});
  EXPECT_TORCH_LOAD_ERROR(path, "its byteorder entry says \"middle\"");
}

TEST(TorchLoadArchive, RefusesOsSystem) {
  const std::string marker = temp_path("pwned");
  std::remove(marker.c_str());
  // os.system("touch <marker>"): GLOBAL then REDUCE, as a hostile pickle does.
  const std::string path =
      write_pt("os_system.pt", "\x80\x02" + global("os", "system") + "(" + str("touch " + marker) + "tR.");
  EXPECT_TORCH_LOAD_ERROR(path, "the global os.system");
  EXPECT_TORCH_LOAD_ERROR(path, "never runs code");
  EXPECT_FALSE(std::ifstream(marker).good()) << "the pickle's command ran";
  // The same inside a dict, under a tensor's key, and through other names.
  EXPECT_TORCH_LOAD_ERROR(
      write_pt("nested_system.pt", dict_pickle({{"w", global("posix", "system") + "(" + str("true") + "tR"}})),
      "the global posix.system");
  EXPECT_TORCH_LOAD_ERROR(write_pt("eval.pt",
                                   "\x80\x04\x8c\x08"
                                   "builtins"
                                   "\x8c\x04"
                                   "eval"
                                   "\x93(" +
                                       str("1") + "tR."),
                          "the global builtins.eval");
  EXPECT_TORCH_LOAD_ERROR(write_pt("module.pt", "\x80\x02" + global("torch.nn.modules.linear", "Linear") + ")\x81."),
                          "save model.state_dict() instead");
}

TEST(TorchLoadArchive, RefusesCorruptZips) {
  const std::string good =
      write_pt("good.pt", dict_pickle({{"w", tensor("FloatStorage", "0", 2, 0, {2}, {1})}}), {{"0", floats({1, 2})}});
  ASSERT_EQ(st::torch_load(good).at("w").to_vector<float>(), (std::vector<float>{1, 2}));
  std::vector<uint8_t> bytes = read_all(good);
  for (size_t keep : {bytes.size() - 1, bytes.size() / 2, size_t{30}}) {
    const std::string cut = temp_path("cut.pt");
    std::ofstream(cut, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(keep));
    EXPECT_TORCH_LOAD_ERROR(cut, "not a zip archive, or a truncated or corrupt one");
  }
  const std::string empty = temp_path("empty.pt");
  std::ofstream(empty, std::ios::binary).flush();
  EXPECT_TORCH_LOAD_ERROR(empty, "not a zip archive");
  // A flipped data byte: libzip's CRC check.
  std::vector<uint8_t> flipped = bytes;
  const std::string one_text = floats({1});
  const std::vector<uint8_t> one(one_text.begin(), one_text.end());
  auto at = std::search(flipped.begin(), flipped.end(), one.begin(), one.end());
  ASSERT_NE(at, flipped.end());
  *at ^= 0xff;
  try {
    st::torch_load_bytes(flipped, "flipped.pt");
    FAIL() << "a corrupt entry loaded";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("flipped.pt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("CRC"), std::string::npos) << e.what();
  }
  // Not a file, no file.
  EXPECT_TORCH_LOAD_ERROR(::testing::TempDir(), "is a directory");
  EXPECT_TORCH_LOAD_ERROR(temp_path("no_such.pt"), "cannot open");
  // Not a torch archive, and PyTorch's legacy format.
  const std::string plain = temp_path("plain.zip");
  write_zip(plain, {{"readme.txt", "hi"}});
  EXPECT_TORCH_LOAD_ERROR(plain, "not in a folder");
  const std::string legacy = temp_path("legacy.pt");
  std::ofstream(legacy, std::ios::binary) << "\x80\x02\x8a\x0a" << std::string(20, '\0');
  EXPECT_TORCH_LOAD_ERROR(legacy, "legacy format");
  EXPECT_TORCH_LOAD_ERROR(write_pt("nodata.pt", dict_pickle({{"w", tensor("FloatStorage", "7", 2, 0, {2}, {1})}})),
                          "has no entry archive/data/7");
}

TEST(TorchLoadArchive, RefusesStoragesThatDoNotFit) {
  // Strides that read past the storage's end.
  EXPECT_TORCH_LOAD_ERROR(write_pt("short.pt", dict_pickle({{"w", tensor("FloatStorage", "0", 6, 0, {3, 4}, {4, 1})}}),
                                   {{"0", floats({0, 1, 2, 3, 4, 5})}}),
                          "reads element 11, but the storage has 6 elements");
  EXPECT_TORCH_LOAD_ERROR(
      write_pt("offset.pt", dict_pickle({{"w", tensor("FloatStorage", "0", 2, 2, {1}, {1})}}), {{"0", floats({0, 1})}}),
      "reads element 2, but the storage has 2 elements");
  // A storage that claims more (or fewer) elements than its entry holds; 2^60 elements.
  EXPECT_TORCH_LOAD_ERROR(
      write_pt("huge.pt", dict_pickle({{"w", tensor("FloatStorage", "0", int64_t{1} << 60, 0, {2}, {1})}}),
               {{"0", floats({0, 1})}}),
      "claims 1152921504606846976 elements of float32 (4611686018427387904 bytes) but its entry archive/data/0 holds 8 "
      "bytes");
  EXPECT_TORCH_LOAD_ERROR(
      write_pt("huger.pt", dict_pickle({{"w", tensor("DoubleStorage", "0", int64_t{1} << 62, 0, {2}, {1})}}),
               {{"0", floats({0, 1})}}),
      "(more than 2^64 bytes)");
  // Sizes past tg's limit, and a stride-0 view that would expand one element to 2^40.
  EXPECT_TORCH_LOAD_ERROR(
      write_pt("big_shape.pt",
               dict_pickle({{"w", tensor("FloatStorage", "0", 1, 0, {int64_t{1} << 40, int64_t{1} << 40}, {0, 0})}}),
               {{"0", floats({0})}}),
      "too large");
  EXPECT_TORCH_LOAD_ERROR(
      write_pt("expand.pt",
               dict_pickle({{"w", tensor("FloatStorage", "0", 1, 0, {int64_t{1} << 20, int64_t{1} << 20}, {0, 0})}}),
               {{"0", floats({0})}}),
      "expands at most 256 MiB");
  // 2^62 float64 elements from one: 2^65 bytes, which wraps to 0 in 64 bits.
  EXPECT_TORCH_LOAD_ERROR(
      write_pt("expand_wrap.pt",
               dict_pickle({{"w", tensor("DoubleStorage", "0", 1, 0, {int64_t{1} << 31, int64_t{1} << 31}, {0, 0})}}),
               {{"0", floats({0, 1})}}),
      "expands at most 256 MiB");
  // Two tensors that disagree about one storage's type.
  EXPECT_TORCH_LOAD_ERROR(write_pt("retyped.pt",
                                   dict_pickle({{"a", tensor("FloatStorage", "0", 2, 0, {2}, {1})},
                                                {"b", tensor("IntStorage", "0", 2, 0, {2}, {1})}}),
                                   {{"0", floats({0, 1})}}),
                          "appears twice with different types");
  // Dtypes tg does not have.
  EXPECT_TORCH_LOAD_ERROR(
      write_pt("complex.pt", dict_pickle({{"w", tensor("ComplexFloatStorage", "0", 1, 0, {1}, {1})}}),
               {{"0", floats({0, 1})}}),
      "torch.ComplexFloatStorage has a dtype tg does not have");
  EXPECT_TORCH_LOAD_ERROR(
      write_pt("qint.pt", dict_pickle({{"w", tensor("QInt8Storage", "0", 1, 0, {1}, {1})}}), {{"0", "x"}}),
      "torch.QInt8Storage has a dtype tg does not have");
}

TEST(TorchLoadArchive, RefusesHostilePickles) {
  auto pt = [](const std::string& name, const std::string& pickle) { return write_pt(name, pickle); };
  // Lengths far past the data: nothing is allocated for them.
  EXPECT_TORCH_LOAD_ERROR(pt("str8.pt", "\x80\x04\x8d" + le(uint64_t{1} << 62, 8) + "ab."), "the pickle ends early");
  EXPECT_TORCH_LOAD_ERROR(pt("str4.pt", "\x80\x02X" + le(0xffffffffu, 4) + "ab."), "the pickle ends early");
  EXPECT_TORCH_LOAD_ERROR(pt("bytes8.pt", "\x80\x04\x8e" + le(uint64_t{1} << 60, 8) + "."), "the pickle ends early");
  EXPECT_TORCH_LOAD_ERROR(pt("long4.pt", "\x80\x02\x8b" + le(0x7fffffffu, 4) + "."), "does not fit in 64 bits");
  EXPECT_TORCH_LOAD_ERROR(pt("frame.pt", "\x80\x04\x95" + le(uint64_t{1} << 60, 8) + "N."), "FRAME claims more bytes");
  EXPECT_TORCH_LOAD_ERROR(pt("truncated.pkl.pt", dict_pickle({{"a", integer(1)}}).substr(0, 12)),
                          "the pickle ends early");
  EXPECT_TORCH_LOAD_ERROR(pt("nostop.pt", "\x80\x02N"), "the pickle ends early");
  // Structures: a list inside itself, deep nesting, too many marks, a memo hole, stack underflow.
  EXPECT_TORCH_LOAD_ERROR(pt("cycle.pt",
                             "\x80\x02]q\x00h\x00"
                             "a."s),
                          "contains itself");
  EXPECT_TORCH_LOAD_ERROR(pt("cycle2.pt",
                             "\x80\x02]q\x00]q\x01h\x00"
                             "a0h\x01"
                             "a."s),
                          "already sits inside another value");
  EXPECT_TORCH_LOAD_ERROR(pt("deep.pt", "\x80\x02" + std::string(1000, ']') + std::string(999, 'a') + "."),
                          "nest more than 100 levels");
  EXPECT_TORCH_LOAD_ERROR(pt("marks.pt", "\x80\x02" + std::string(100000, '(')), "MARKs open at once");
  EXPECT_TORCH_LOAD_ERROR(pt("memo.pt", "\x80\x02j" + le(123456789, 4) + "."), "the memo has no entry 123456789");
  EXPECT_TORCH_LOAD_ERROR(pt("underflow.pt", "\x80\x02(s."), "empty stack");
  EXPECT_TORCH_LOAD_ERROR(pt("protocol9.pt", "\x80\x09N."), "pickle protocol 9");
  EXPECT_TORCH_LOAD_ERROR(pt("ext.pt", "\x80\x02\x82\x01."), "EXT1 (0x82) is not supported");
  EXPECT_TORCH_LOAD_ERROR(pt("junk.pt", "\x80\x02\xff."), "unknown opcode 0xff");
  EXPECT_TORCH_LOAD_ERROR(pt("two.pt", "\x80\x02NN."), "2 values on the stack");
  // Values a state dict cannot hold, and two values under one dotted name.
  EXPECT_TORCH_LOAD_ERROR(pt("bytes.pt", dict_pickle({{"b", "C\x02hi"}})), "\"b\" is bytes of length 2");
  EXPECT_TORCH_LOAD_ERROR(pt("clash.pt", dict_pickle({{"a.b", integer(1)}, {"a", "}" + str("b") + integer(2) + "s"}})),
                          "flatten to the name \"a.b\"");
  EXPECT_TORCH_LOAD_ERROR(pt("utf8.pt", "\x80\x02X" + le(2, 4) + "\xc3\x28."), "not valid UTF-8");
  EXPECT_TORCH_LOAD_ERROR(pt("pid.pt", "\x80\x02" + str("x") + "Q."), "a persistent id must be");
}
