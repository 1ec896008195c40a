// torch_load: PyTorch's torch.save files (the zip format of PyTorch >= 1.6) as a StateDict.
//
// The archive (read with libzip) holds, under one top folder (the file's stem, or "archive"):
//   data.pkl      the pickled object: a dict of tensors, perhaps nested, perhaps with numbers
//   data/<key>    each storage's raw bytes, as many elements as its persistent id says
//   byteorder     "little" or "big" (PyTorch >= 2.1; absent means little)
//   version, .data/...   not needed here
// A tensor pickles as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...) where
// storage is a persistent id ("storage", torch.FloatStorage, key, location, numel). The restricted
// unpickler (pickle.hpp) builds those and dicts, lists and numbers, and nothing else.
//
// The file is not trusted: every size comes from the pickle or the zip directory and is checked
// against the entry that holds the bytes before anything is allocated; entries are read in chunks,
// so a size the data does not back never becomes one big allocation.
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <new>
#include <unordered_map>

#include "base/regular_file.hpp"
#include "nn/pickle.hpp"
#include "tg/nn.hpp"

namespace tg::nn::state {
namespace {

using detail::pickle::Hooks;
using detail::pickle::Ref;
using detail::pickle::Value;
using Kind = Value::Kind;

constexpr uint64_t kMaxPickle = uint64_t{1} << 30;    // data.pkl: a state dict's is ~150 bytes a tensor
constexpr uint64_t kChunk = uint64_t{64} << 20;       // entries are read 64 MiB at a time
constexpr uint64_t kMaxExpand = uint64_t{256} << 20;  // bytes a view may repeat a smaller storage to
constexpr size_t kMaxDims = 64;

constexpr int kStorageTag = 1, kTensorTag = 2;

// torch.<Name>Storage -> dtype. UntypedStorage counts bytes.
const std::pair<const char*, DType> kStorages[] = {
    {"FloatStorage", DType::float32},     {"DoubleStorage", DType::float64}, {"HalfStorage", DType::float16},
    {"BFloat16Storage", DType::bfloat16}, {"LongStorage", DType::int64},     {"IntStorage", DType::int32},
    {"ShortStorage", DType::int16},       {"CharStorage", DType::int8},      {"ByteStorage", DType::uint8},
    {"BoolStorage", DType::bool_},        {"UntypedStorage", DType::uint8},
};

struct Storage {
  std::string key;
  DType dtype;
  uint64_t numel;
  std::vector<uint8_t> bytes;
};

struct TensorData {
  DType dtype;
  std::vector<int64_t> shape;
  // A row-major view (most tensors) reads its storage in place from byte `at`; any other has
  // its elements copied out row-major into bytes.
  std::shared_ptr<const Storage> storage;
  uint64_t at = 0;
  std::vector<uint8_t> bytes;
  const uint8_t* data() const { return storage ? storage->bytes.data() + at : bytes.data(); }
};

std::string shape_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); i++) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// ---- the zip archive ----------------------------------------------------------------------

class Archive {
 public:
  Archive(zip_t* z, std::string file) : z_(z), file_(std::move(file)) {}
  ~Archive() { zip_discard(z_); }
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  [[noreturn]] void bad(const std::string& problem) const { throw Error("torch_load: " + file_ + ": " + problem); }
  const std::string& file() const { return file_; }

  // The top folder every entry sits in (PyTorch's reader takes the first entry's), with "/".
  std::string prefix() const {
    const zip_int64_t n = zip_get_num_entries(z_, 0);
    if (n <= 0)
      bad("the zip archive has no entries (an empty file?); torch.save writes data.pkl and the tensors' data");
    const char* first = zip_get_name(z_, 0, 0);
    const std::string name = first ? first : "";
    const size_t slash = name.find('/');
    if (slash == std::string::npos)
      bad("its first entry \"" + name.substr(0, 100) + "\" is not in a folder; not a torch.save archive");
    return name.substr(0, slash + 1);
  }

  // The index of entry name, or -1.
  zip_int64_t find(const std::string& name) const { return zip_name_locate(z_, name.c_str(), 0); }

  uint64_t size(zip_int64_t index, const std::string& name) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z_, static_cast<zip_uint64_t>(index), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      bad("cannot read the size of entry " + name + ": " + zip_strerror(z_));
    return st.size;
  }

  // The entry's bytes, which the zip directory says number `size` (checked by the caller against
  // what it needs). Read in chunks: a directory that claims more than the data holds ends in an
  // error, not in an allocation of the claimed size. libzip checks the CRC when the end is read.
  std::vector<uint8_t> read(zip_int64_t index, uint64_t size, const std::string& name) const {
    zip_file_t* f = zip_fopen_index(z_, static_cast<zip_uint64_t>(index), 0);
    if (!f) bad("cannot open entry " + name + ": " + zip_strerror(z_));
    std::vector<uint8_t> out;
    try {
      while (out.size() < size) {
        const uint64_t want = std::min<uint64_t>(kChunk, size - out.size());
        const size_t at = out.size();
        out.resize(at + static_cast<size_t>(want));
        const zip_int64_t got = zip_fread(f, out.data() + at, want);
        if (got < 0) bad("reading entry " + name + " failed: " + zip_file_strerror(f));
        if (static_cast<uint64_t>(got) < want)
          bad("entry " + name + " ends after " + std::to_string(at + static_cast<uint64_t>(got)) + " of the " +
              std::to_string(size) + " bytes the zip directory gives it (truncated or corrupt file)");
      }
      char extra;
      if (zip_fread(f, &extra, 1) < 0)
        bad("reading entry " + name + " failed: " + zip_file_strerror(f));  // the CRC check
    } catch (const std::bad_alloc&) {
      zip_fclose(f);
      bad("entry " + name + " (" + std::to_string(size) + " bytes) does not fit in memory");
    } catch (...) {
      zip_fclose(f);
      throw;
    }
    zip_fclose(f);
    return out;
  }

 private:
  zip_t* z_;
  std::string file_;
};

// ---- the hooks: what the pickle may build -------------------------------------------------

class TorchHooks : public Hooks {
 public:
  TorchHooks(const Archive& zip, std::string prefix, bool big_endian)
      : zip_(zip), prefix_(std::move(prefix)), big_endian_(big_endian) {}

  Ref find_class(const std::string& module, const std::string& name) override {
    const std::string full = module + "." + name;
    bool ok = full == "collections.OrderedDict" || full == "torch._utils._rebuild_tensor_v2" ||
              full == "torch._utils._rebuild_parameter";
    if (module == "torch" && name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0) {
      ok = std::any_of(std::begin(kStorages), std::end(kStorages), [&](const auto& s) { return name == s.first; });
      if (!ok)
        throw Error("the storage type " + full +
                    " has a dtype tg does not have (tg reads float16, bfloat16, float32, float64, int8, int16, int32, "
                    "int64, uint8 and bool tensors)");
    }
    if (!ok) {
      std::string hint;
      if (module.rfind("torch.nn", 0) == 0 || module.rfind("__main__", 0) == 0)
        hint = "; the file holds a whole object, not a state dict: save model.state_dict() instead";
      else if (module.rfind("__torch__", 0) == 0)
        hint = "; it is a TorchScript archive (torch.jit.save), not a torch.save file";
      throw Error("the pickle refers to the global " + full.substr(0, 200) +
                  ", which torch_load does not allow: it builds only tensors, dicts, lists, tuples, numbers and "
                  "strings, and never runs code from a file" +
                  hint);
    }
    auto v = std::make_shared<Value>();
    v->kind = Kind::global;
    v->text = full;
    return v;
  }

  Ref persistent_load(const Ref& pid) override {
    const auto& t = pid->items;
    if (!pid->is(Kind::tuple) || t.size() != 5 || !t[0]->is(Kind::string) || t[0]->text != "storage")
      throw Error("a persistent id must be ('storage', type, key, location, numel), got " + describe(*pid));
    if (!t[1]->is(Kind::global))
      throw Error("a storage's type must be a torch.*Storage global, got " + describe(*t[1]));
    if (!t[2]->is(Kind::string)) throw Error("a storage's key must be a str, got " + describe(*t[2]));
    if (!t[4]->is(Kind::integer) || t[4]->integer < 0)
      throw Error("storage '" + t[2]->text.substr(0, 60) + "': its size must be a non-negative int, got " +
                  describe(*t[4]));
    DType dtype = DType::uint8;
    bool found = false;
    for (const auto& [name, dt] : kStorages)
      if (t[1]->text == std::string("torch.") + name) dtype = dt, found = true;
    if (!found) throw Error("a storage's type must be a torch.*Storage global, got " + describe(*t[1]));
    auto storage = load_storage(t[2]->text, dtype, static_cast<uint64_t>(t[4]->integer));
    auto v = std::make_shared<Value>();
    v->kind = Kind::object;
    v->tag = kStorageTag;
    v->object = storage;
    return v;
  }

  Ref call(const Ref& callable, const Ref& args) override {
    const std::string& f = callable->text;
    const auto& a = args->items;
    if (f == "collections.OrderedDict") {
      if (!a.empty()) throw Error("collections.OrderedDict is called with arguments; torch.save calls it with none");
      auto v = std::make_shared<Value>();
      v->kind = Kind::dict;
      return v;
    }
    if (f == "torch._utils._rebuild_parameter") {
      if (a.size() != 3 || !a[0]->is(Kind::object) || a[0]->tag != kTensorTag)
        throw Error("torch._utils._rebuild_parameter needs (tensor, requires_grad, hooks), got " + describe(*args));
      return a[0];
    }
    if (f == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(a);
    throw Error("the global " + f + " cannot be called");
  }

  void build(const Ref& obj, const Ref& state) override {
    // An OrderedDict's attributes: a module's state_dict() carries _metadata (layer versions).
    if (obj->is(Kind::dict)) return;
    throw Error("BUILD (setting an object's state) on " + describe(*obj) + " with " + describe(*state) +
                " is not supported");
  }

 private:
  std::shared_ptr<Storage> load_storage(const std::string& key, DType dtype, uint64_t numel) {
    const std::string where = "storage '" + key.substr(0, 60) + "'";
    auto it = storages_.find(key);
    if (it != storages_.end()) {
      if (it->second->dtype != dtype || it->second->numel != numel)
        throw Error(where + " appears twice with different types or sizes (" + dtype_name(it->second->dtype) + " x " +
                    std::to_string(it->second->numel) + ", then " + dtype_name(dtype) + " x " + std::to_string(numel) +
                    ")");
      return it->second;
    }
    if (key.find('\0') != std::string::npos) throw Error(where + ": a storage key holds a NUL byte");
    const std::string entry = prefix_ + "data/" + key;
    const zip_int64_t index = zip_.find(entry);
    if (index < 0) throw Error(where + " has no entry " + entry.substr(0, 120) + " in the archive");
    const uint64_t isz = static_cast<uint64_t>(dtype_size(dtype));
    uint64_t need = 0;
    const uint64_t have = zip_.size(index, entry);
    if (__builtin_mul_overflow(numel, isz, &need) || need != have)
      throw Error(where + " claims " + std::to_string(numel) + " elements of " + dtype_name(dtype) + " (" +
                  (need / isz == numel ? std::to_string(need) + " bytes" : std::string("more than 2^64 bytes")) +
                  ") but its entry " + entry.substr(0, 120) + " holds " + std::to_string(have) + " bytes");
    auto s = std::make_shared<Storage>();
    s->key = key;
    s->dtype = dtype;
    s->numel = numel;
    s->bytes = zip_.read(index, have, entry);
    if (big_endian_ && isz > 1)
      for (size_t i = 0; i < s->bytes.size(); i += isz) std::reverse(s->bytes.begin() + i, s->bytes.begin() + i + isz);
    if (dtype == DType::bool_)  // tg's kernels assume 0 or 1
      for (auto& b : s->bytes) b = b != 0;
    storages_.emplace(key, s);
    return s;
  }

  static std::vector<int64_t> ints(const Ref& v, const char* what) {
    if (!v->is(Kind::tuple))
      throw Error(std::string("_rebuild_tensor_v2's ") + what + " must be a tuple, got " + describe(*v));
    if (v->items.size() > kMaxDims)
      throw Error(std::string("_rebuild_tensor_v2's ") + what + " has " + std::to_string(v->items.size()) +
                  " dims, more than " + std::to_string(kMaxDims));
    std::vector<int64_t> out;
    for (const Ref& d : v->items) {
      if (!d->is(Kind::integer) || d->integer < 0)
        throw Error(std::string("_rebuild_tensor_v2's ") + what + " must hold non-negative ints, got " + describe(*d));
      out.push_back(d->integer);
    }
    return out;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]):
  // the strided view, materialized row-major.
  Ref rebuild_tensor(const std::vector<Ref>& a) {
    if (a.size() != 6 && a.size() != 7)
      throw Error("torch._utils._rebuild_tensor_v2 needs 6 or 7 arguments, got " + std::to_string(a.size()));
    if (!a[0]->is(Kind::object) || a[0]->tag != kStorageTag)
      throw Error("_rebuild_tensor_v2's first argument must be a storage, got " + describe(*a[0]));
    const Storage& s = *std::static_pointer_cast<Storage>(a[0]->object);
    if (!a[1]->is(Kind::integer) || a[1]->integer < 0)
      throw Error("_rebuild_tensor_v2's storage offset must be a non-negative int, got " + describe(*a[1]));
    const uint64_t offset = static_cast<uint64_t>(a[1]->integer);
    std::vector<int64_t> size = ints(a[2], "size"), stride = ints(a[3], "stride");
    if (size.size() != stride.size())
      throw Error("_rebuild_tensor_v2's size " + shape_text(size) + " and stride " + shape_text(stride) +
                  " differ in length");
    const std::string view = "a tensor of size " + shape_text(size) + ", stride " + shape_text(stride) + ", offset " +
                             std::to_string(offset) + " on storage '" + s.key.substr(0, 60) + "'";
    try {
      detail::check_shape_size(size.data(), size.size());
    } catch (const Error& e) {
      throw Error(view + " is too large: " + e.what());
    }
    uint64_t numel = 1;
    for (int64_t d : size) numel *= static_cast<uint64_t>(d);
    if (numel > 0) {
      uint64_t last = offset;  // the largest element index the view reads
      for (size_t i = 0; i < size.size(); i++) {
        uint64_t step = 0;
        if (__builtin_mul_overflow(static_cast<uint64_t>(size[i] - 1), static_cast<uint64_t>(stride[i]), &step) ||
            __builtin_add_overflow(last, step, &last))
          throw Error(view + " reaches past 2^64 elements");
      }
      if (last >= s.numel)
        throw Error(view + " reads element " + std::to_string(last) + ", but the storage has " +
                    std::to_string(s.numel) + " elements (" + dtype_name(s.dtype) + ")");
    }
    // A view with overlapping strides (stride 0) may hold more elements than its storage; its
    // copy is bounded. (numel <= 2^62 elements of up to 8 bytes: the product may pass 2^64.)
    const uint64_t isz = static_cast<uint64_t>(dtype_size(s.dtype));
    uint64_t out_bytes = 0;
    if (numel > s.numel && (__builtin_mul_overflow(numel, isz, &out_bytes) || out_bytes > kMaxExpand))
      throw Error(view + " repeats its storage's " + std::to_string(s.numel) + " elements as " + std::to_string(numel) +
                  " (overlapping strides); torch_load expands at most 256 MiB from a smaller storage");
    auto t = std::make_shared<TensorData>();
    t->dtype = s.dtype;
    t->shape = size;
    bool row_major = true;  // strides of the dims that count (size > 1) as a row-major layout has them
    uint64_t expect = 1;
    for (size_t i = size.size(); i-- > 0;) {
      if (size[i] > 1 && static_cast<uint64_t>(stride[i]) != expect) row_major = false;
      expect *= static_cast<uint64_t>(size[i]);
    }
    if (row_major && numel > 0) {
      t->storage = std::static_pointer_cast<const Storage>(a[0]->object);
      t->at = offset * isz;  // offset + numel <= s.numel, checked above: no overflow
    } else {
      try {
        t->bytes.resize(static_cast<size_t>(numel * isz));
      } catch (const std::bad_alloc&) {
        throw Error(view + " (" + std::to_string(numel * isz) + " bytes) does not fit in memory");
      }
      materialize(s, offset, size, stride, isz, t->bytes.data());
    }
    auto v = std::make_shared<Value>();
    v->kind = Kind::object;
    v->tag = kTensorTag;
    v->object = t;
    return v;
  }

  // Copies the strided view (bounds checked by the caller) row-major into out: an odometer over
  // every dim but the last, whose run is one memcpy when its stride is 1.
  static void materialize(const Storage& s, uint64_t offset, const std::vector<int64_t>& size,
                          const std::vector<int64_t>& stride, uint64_t isz, uint8_t* out) {
    for (int64_t d : size)
      if (d == 0) return;
    const uint8_t* src = s.bytes.data();
    if (size.empty()) {
      std::memcpy(out, src + offset * isz, isz);
      return;
    }
    const size_t nd = size.size();
    const uint64_t inner = static_cast<uint64_t>(size[nd - 1]), inner_stride = static_cast<uint64_t>(stride[nd - 1]);
    std::vector<int64_t> idx(nd - 1, 0);  // the position in every dim but the last
    uint64_t base = offset;               // the element index of the run at idx
    while (true) {
      if (inner_stride == 1) {
        std::memcpy(out, src + base * isz, inner * isz);
        out += inner * isz;
      } else {
        for (uint64_t j = 0; j < inner; j++, out += isz) std::memcpy(out, src + (base + j * inner_stride) * isz, isz);
      }
      bool advanced = false;
      for (size_t d = nd - 1; d-- > 0 && !advanced;) {
        if (++idx[d] < size[d]) {
          base += static_cast<uint64_t>(stride[d]);
          advanced = true;
        } else {
          base -= static_cast<uint64_t>(stride[d]) * static_cast<uint64_t>(size[d] - 1);
          idx[d] = 0;
        }
      }
      if (!advanced) return;  // every dim wrapped: done
    }
  }

  const Archive& zip_;
  std::string prefix_;
  bool big_endian_;
  std::unordered_map<std::string, std::shared_ptr<Storage>> storages_;
};

// ---- from the pickled object to a StateDict ----------------------------------------------

std::string number_text(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

// Walks the object with an explicit stack: dicts and lists/tuples become dotted names (a list's
// items are named by index), tensors go into the dict, numbers, strings, booleans and None into
// its metadata as text. Two values under one name are an error (never a silent overwrite).
StateDict flatten(const Ref& root, const Archive& zip, const std::optional<std::string>& device) {
  StateDict dict;
  TensorOptions opts{std::nullopt, device, std::nullopt};
  struct Item {
    std::string name;
    Ref value;
  };
  std::vector<Item> todo{{"", root}};
  auto join = [](const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; };
  auto claim = [&](const std::string& name) {
    if (dict.contains(name) || dict.metadata.count(name))
      zip.bad("two values in the file flatten to the name \"" + name.substr(0, 200) + "\"");
  };
  while (!todo.empty()) {
    Item it = std::move(todo.back());
    todo.pop_back();
    const Value& v = *it.value;
    switch (v.kind) {
      case Kind::dict:
        for (size_t i = v.entries.size(); i-- > 0;) {
          const Value& k = *v.entries[i].first;
          std::string key;
          if (k.is(Kind::string))
            key = k.text;
          else if (k.is(Kind::integer))
            key = std::to_string(k.integer);
          else
            zip.bad("a dict key at \"" + it.name.substr(0, 200) + "\" is " + describe(k) +
                    "; torch_load reads str and int keys");
          todo.push_back({join(it.name, key), v.entries[i].second});
        }
        break;
      case Kind::list:
      case Kind::tuple:
        for (size_t i = v.items.size(); i-- > 0;) todo.push_back({join(it.name, std::to_string(i)), v.items[i]});
        break;
      case Kind::object: {
        if (v.tag != kTensorTag)
          zip.bad("\"" + it.name.substr(0, 200) + "\" is a bare storage, not a tensor; torch_load reads tensors");
        claim(it.name);
        const auto& t = *std::static_pointer_cast<TensorData>(v.object);
        dict.set(it.name, Tensor::from_blob(t.data(), Shape(t.shape), t.dtype, opts));
        break;
      }
      case Kind::none: claim(it.name), dict.metadata[it.name] = "None"; break;
      case Kind::boolean: claim(it.name), dict.metadata[it.name] = v.boolean ? "True" : "False"; break;
      case Kind::integer: claim(it.name), dict.metadata[it.name] = std::to_string(v.integer); break;
      case Kind::real: claim(it.name), dict.metadata[it.name] = number_text(v.real); break;
      case Kind::string: claim(it.name), dict.metadata[it.name] = v.text; break;
      case Kind::bytes:
      case Kind::global:
        zip.bad("\"" + it.name.substr(0, 200) + "\" is " + describe(v) +
                "; torch_load reads tensors, dicts, lists, tuples, numbers and strings");
    }
  }
  return dict;
}

StateDict load_archive(zip_t* z, const std::string& file, const std::optional<std::string>& device) {
  Archive zip(z, file);
  const std::string prefix = zip.prefix();
  bool big_endian = false;
  const std::string order_name = prefix + "byteorder";
  if (zip_int64_t i = zip.find(order_name); i >= 0) {
    const uint64_t n = zip.size(i, order_name);
    if (n > 16) zip.bad("its byteorder entry has " + std::to_string(n) + " bytes; it holds \"little\" or \"big\"");
    auto b = zip.read(i, n, order_name);
    const std::string order(b.begin(), b.end());
    if (order == "big")
      big_endian = true;
    else if (order != "little")
      zip.bad("its byteorder entry says \"" + order + "\", not \"little\" or \"big\"");
  }
  const std::string pkl_name = prefix + "data.pkl";
  const zip_int64_t pkl = zip.find(pkl_name);
  if (pkl < 0) zip.bad("it has no " + pkl_name + " entry; not a torch.save archive");
  const uint64_t pkl_size = zip.size(pkl, pkl_name);
  if (pkl_size > kMaxPickle) zip.bad(pkl_name + " has " + std::to_string(pkl_size) + " bytes, over the limit of 1 GiB");
  const std::vector<uint8_t> pickle = zip.read(pkl, pkl_size, pkl_name);
  TorchHooks hooks(zip, prefix, big_endian);
  Ref root = detail::pickle::unpickle(pickle.data(), pickle.size(), hooks, "torch_load: " + file);
  return flatten(root, zip, device);
}

// The error for an archive libzip could not open; a file that starts as a pickle (protocol 2,
// then PyTorch's magic number as a LONG1) is PyTorch's legacy format.
[[noreturn]] void not_a_zip(const std::string& file, int code, const uint8_t* head, size_t n) {
  zip_error_t err;
  zip_error_init_with_code(&err, code);
  std::string why = zip_error_strerror(&err);
  zip_error_fini(&err);
  if (n >= 3 && head[0] == 0x80 && head[1] == 0x02 && head[2] == 0x8a)
    throw Error("torch_load: " + file +
                " is in PyTorch's legacy format (torch.save before 1.6, or _use_new_zipfile_serialization=False); "
                "load it with PyTorch and save it again with torch.save to get the zip format");
  throw Error("torch_load: " + file + " is not a zip archive, or a truncated or corrupt one (torch.save writes zip " +
              "archives since PyTorch 1.6): " + why);
}

}  // namespace

StateDict torch_load_bytes(const std::vector<uint8_t>& bytes, const std::string& name,
                           std::optional<std::string> device) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (!src) {
    zip_error_fini(&err);
    throw Error("torch_load: " + name + ": cannot read it from memory");
  }
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!z) {
    zip_source_free(src);
    const int code = zip_error_code_zip(&err);
    zip_error_fini(&err);
    not_a_zip(name, code, bytes.data(), bytes.size());
  }
  zip_error_fini(&err);
  return load_archive(z, name, device);
}

StateDict torch_load(const std::string& path, std::optional<std::string> device) {
  const int fd = detail::open_regular_file(path, "torch_load");
  uint8_t head[3] = {0, 0, 0};
  const ssize_t got = ::pread(fd, head, sizeof head, 0);
  int code = 0;
  zip_t* z = zip_fdopen(fd, ZIP_CHECKCONS, &code);  // owns fd from here on success
  if (!z) {
    ::close(fd);
    not_a_zip(path, code, head, got > 0 ? static_cast<size_t>(got) : 0);
  }
  return load_archive(z, path, device);
}

}  // namespace tg::nn::state
