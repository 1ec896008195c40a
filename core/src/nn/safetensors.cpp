// safe_save / safe_load: the safetensors format (https://github.com/huggingface/safetensors):
//   8 bytes   N, the header length, unsigned little-endian
//   N bytes   JSON: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//             "__metadata__": {"key": "value"}}; offsets are relative to the data section
//   the rest  the data section: each tensor's bytes, row-major, little-endian, tiled without gaps
// Reading checks everything against the file before touching the data, as the reference
// implementation does: no read ever goes past the bytes that are there.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/regular_file.hpp"
#include "graph/node.hpp"
#include "runtime/runtime.hpp"
#include "schedule/schedule.hpp"
#include "tg/nn.hpp"

namespace tg::nn::state {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeader = 100'000'000;  // the reference implementation's limit
// How deep the header's JSON may nest. A valid header nests 3 deep (the header, a tensor's entry,
// its shape); nlohmann's parser is iterative, but dump() and copies recurse, and 80,000 levels of
// brackets (a 160 KB file) overflowed the stack when an error message showed the value.
constexpr int kMaxHeaderDepth = 64;

const std::pair<const char*, DType> kDtypes[] = {
    {"BOOL", DType::bool_},   {"U8", DType::uint8},      {"I8", DType::int8},       {"I16", DType::int16},
    {"I32", DType::int32},    {"I64", DType::int64},     {"F16", DType::float16},   {"BF16", DType::bfloat16},
    {"F32", DType::float32},  {"F64", DType::float64},
};

const char* dtype_tag(DType d) {
  for (const auto& [tag, dt] : kDtypes)
    if (dt == d) return tag;
  throw Error(std::string("safe_save: no safetensors dtype for ") + dtype_name(d));
}

[[noreturn]] void bad(const std::string& file, const std::string& problem) {
  throw Error("safe_load: " + file + " is not a valid safetensors file: " + problem);
}

// A name or string from the file, in a message: at most 120 characters.
std::string clip(const std::string& s) { return s.size() <= 120 ? s : s.substr(0, 120) + "..."; }

// A JSON value from the file, shown in a message: at most 3 levels deep and about 120
// characters; deeper or longer parts are elided ("[...]", "..."). The file is not trusted.
void show_into(const json& v, int depth, std::string& out) {
  constexpr size_t kMaxChars = 120;
  if (out.size() > kMaxChars) return;
  if (v.is_array() || v.is_object()) {
    const bool array = v.is_array();
    if (depth >= 3 && !v.empty()) {
      out += array ? "[...]" : "{...}";
      return;
    }
    out += array ? "[" : "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (out.size() > kMaxChars) {
        out += ", ...";
        break;
      }
      if (!first) out += ", ";
      first = false;
      if (!array) out += json(clip(it.key())).dump() + ": ";
      show_into(*it, depth + 1, out);
    }
    out += array ? "]" : "}";
    return;
  }
  std::string s = v.dump();
  if (s.size() > kMaxChars) s = s.substr(0, kMaxChars) + "...";
  out += s;
}

std::string show(const json& v) {
  std::string out;
  show_into(v, 0, out);
  return out;
}

uint64_t as_u64(const json& v, const std::string& file, const std::string& what) {
  if (!v.is_number_unsigned()) bad(file, what + " must be a non-negative integer, got " + show(v));
  return v.get<uint64_t>();
}

// The realized bytes of t, row-major, in its own dtype.
std::vector<uint8_t> tensor_bytes(const Tensor& t) {
  auto n = t.node();
  tg::detail::realize(n);
  std::vector<uint8_t> out(static_cast<size_t>(n->numel() * dtype_size(n->dtype)));
  if (!out.empty()) n->device->read(*n->buffer, out.data(), out.size());
  return out;
}

struct Entry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

}  // namespace

std::vector<uint8_t> safe_save_bytes(const StateDict& dict) {
  json header = json::object();  // keys come out sorted; data follows insertion order
  std::vector<std::vector<uint8_t>> blobs;
  uint64_t at = 0;
  for (const auto& [name, t] : dict) {
    if (name == "__metadata__") throw Error("safe_save: \"__metadata__\" is reserved and cannot name a tensor");
    if (!t.defined()) throw Error("safe_save: the tensor \"" + name + "\" is empty (default-constructed)");
    blobs.push_back(tensor_bytes(t));
    json shape = json::array();
    for (int64_t d : t.shape()) shape.push_back(d);
    header[name] = {{"dtype", dtype_tag(t.dtype())}, {"shape", shape}, {"data_offsets", {at, at + blobs.back().size()}}};
    at += blobs.back().size();
  }
  if (!dict.metadata.empty()) header["__metadata__"] = dict.metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned
  const uint64_t n = text.size();
  std::vector<uint8_t> out(8 + n + at);
  for (size_t i = 0; i < 8; i++) out[i] = static_cast<uint8_t>(n >> (8 * i));
  std::memcpy(out.data() + 8, text.data(), n);
  size_t pos = 8 + n;
  for (auto& b : blobs) {
    if (!b.empty()) std::memcpy(out.data() + pos, b.data(), b.size());
    pos += b.size();
  }
  return out;
}

void safe_save(const StateDict& dict, const std::string& path) {
  std::vector<uint8_t> bytes = safe_save_bytes(dict);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error("safe_save: cannot open " + path + " for writing: " + std::strerror(errno));
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) throw Error("safe_save: writing " + path + " failed: " + std::strerror(errno));
}

StateDict safe_load_bytes(const std::vector<uint8_t>& bytes, const std::string& file, std::optional<std::string> device) {
  if (bytes.size() < 8) bad(file, "it has " + std::to_string(bytes.size()) + " bytes, fewer than the 8-byte header length");
  uint64_t n = 0;
  for (int i = 0; i < 8; i++) n |= static_cast<uint64_t>(bytes[static_cast<size_t>(i)]) << (8 * i);
  if (n > bytes.size() - 8)
    bad(file, "the header length " + std::to_string(n) + " is longer than the " + std::to_string(bytes.size() - 8) +
                  " bytes after it (truncated file?)");
  if (n > kMaxHeader) bad(file, "the header length " + std::to_string(n) + " exceeds the limit of 100 MB");
  json header;
  try {
    // The depth is checked as the parser goes (a callback per value), before any deep value is built.
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n),
                         [&](int depth, json::parse_event_t, json&) {
                           if (depth > kMaxHeaderDepth)
                             bad(file, "the header's JSON nests deeper than " + std::to_string(kMaxHeaderDepth) +
                                           " levels (a valid header nests 3)");
                           return true;
                         });
  } catch (const json::exception& e) {
    bad(file, std::string("the header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) bad(file, "the header must be a JSON object, got " + std::string(header.type_name()));
  const uint64_t data_size = bytes.size() - 8 - n;
  StateDict dict;
  std::vector<Entry> entries;
  for (auto& [name, v] : header.items()) {
    if (name == "__metadata__") {
      if (!v.is_object()) bad(file, "\"__metadata__\" must be an object of strings");
      for (auto& [k, s] : v.items()) {
        if (!s.is_string()) bad(file, "\"__metadata__\" value of \"" + clip(k) + "\" must be a string, got " + show(s));
        dict.metadata[k] = s.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor \"" + clip(name) + "\"";
    if (!v.is_object()) bad(file, where + ": its entry must be an object");
    for (const char* key : {"dtype", "shape", "data_offsets"})
      if (!v.contains(key)) bad(file, where + " has no \"" + key + "\"");
    Entry e{name, DType::bool_, {}, 0, 0};
    const json& dt = v["dtype"];
    if (!dt.is_string()) bad(file, where + ": \"dtype\" must be a string");
    auto found = std::find_if(std::begin(kDtypes), std::end(kDtypes), [&](auto& p) { return dt.get<std::string>() == p.first; });
    if (found == std::end(kDtypes))
      bad(file, where + " has dtype \"" + clip(dt.get<std::string>()) +
                    "\", which tg does not support (known: BOOL U8 I8 I16 I32 I64 F16 BF16 F32 F64)");
    e.dtype = found->second;
    const json& shape = v["shape"];
    if (!shape.is_array()) bad(file, where + ": \"shape\" must be an array");
    for (const json& d : shape) {
      uint64_t s = as_u64(d, file, where + ": every shape dim");
      if (s > static_cast<uint64_t>(kMaxElements)) bad(file, where + ": shape " + show(shape) + " is too large: a dim is over 2^62");
      e.shape.push_back(static_cast<int64_t>(s));
    }
    try {
      tg::detail::check_shape_size(e.shape.data(), e.shape.size());  // [0, 2^62, 2^62] too: its strides overflow
    } catch (const Error& err) {
      bad(file, where + ": too large: " + err.what());
    }
    uint64_t numel = 1;
    for (int64_t d : e.shape) numel *= static_cast<uint64_t>(d);  // <= 2^62: no overflow
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2) bad(file, where + ": \"data_offsets\" must be [begin, end]");
    e.begin = as_u64(off[0], file, where + ": data_offsets begin");
    e.end = as_u64(off[1], file, where + ": data_offsets end");
    if (e.begin > e.end) bad(file, where + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] end before they begin");
    if (e.end > data_size)
      bad(file, where + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                    "] go past the end of the data section (" + std::to_string(data_size) + " bytes)");
    uint64_t want = 0;
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dtype_size(e.dtype)), &want))
      bad(file, where + ": shape " + show(shape) + " of " + dt.get<std::string>() + " is too large: it needs more than 2^64 bytes");
    if (e.end - e.begin != want)
      bad(file, where + ": shape " + show(shape) + " of " + dt.get<std::string>() + " needs " + std::to_string(want) +
                    " bytes but data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] hold " +
                    std::to_string(e.end - e.begin));
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t at = 0;
  for (size_t i = 0; i < entries.size(); i++) {
    const Entry& e = entries[i];
    if (e.begin < at)
      bad(file, "tensors \"" + clip(entries[i - 1].name) + "\" and \"" + clip(e.name) + "\" overlap in the data section");
    if (e.begin > at)
      bad(file, "the data section has a gap of " + std::to_string(e.begin - at) + " bytes before tensor \"" + clip(e.name) + "\"");
    at = e.end;
  }
  if (at != data_size)
    bad(file, "the data section has " + std::to_string(data_size - at) + " bytes after the last tensor that no tensor uses");
  TensorOptions opts{std::nullopt, std::move(device), std::nullopt};
  const uint8_t* data = bytes.data() + 8 + n;
  for (const Entry& e : entries) dict.set(e.name, Tensor::from_blob(data + e.begin, Shape(e.shape), e.dtype, opts));
  return dict;
}

StateDict safe_load(const std::string& path, std::optional<std::string> device) {
  return safe_load_bytes(tg::detail::read_regular_file(path, "safe_load"), path, std::move(device));
}

}  // namespace tg::nn::state
