// libFuzzer target: tg::nn::state::torch_load_bytes on PyTorch checkpoints built from the input.
// The first byte picks how the rest reaches the loader: even, the rest is a pickle, packed here
// (with libzip) into an archive beside fixed storages, so every mutation of the pickle reaches
// the unpickler through a well-formed zip (a mutated zip mostly fails its CRC); odd, the rest is
// the whole file as it is.
// A bad file must end in a tg::Error; anything else (a crash, a sanitizer report, another
// exception, an allocation past -malloc_limit_mb, a hang past -timeout) is a finding. A file that
// loads must give tensors that save and load again as safetensors.
// With TG_FUZZ_VERBOSE set it says what each input did (fuzz_torch_load FILE... runs files).
#include <zip.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tg/nn.hpp"

namespace {

namespace st = tg::nn::state;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz_torch_load: %s\n", what.c_str());
  std::abort();
}

bool verbose() {
  static const bool on = std::getenv("TG_FUZZ_VERBOSE") != nullptr;
  return on;
}

// The storages every packed pickle can name: keys "0" to "3" of 64, 8, 0 and 3 bytes (a float32
// storage of 16, an int64 of 1, an empty one, and one whose size no wide dtype divides), and "4"
// to "10" of 64 bytes each (PyTorch gives each storage one dtype: one key per seed dtype).
const std::vector<std::pair<std::string, std::string>>& storages() {
  static const std::vector<std::pair<std::string, std::string>> s = [] {
    std::vector<std::pair<std::string, std::string>> out;
    std::string a;
    for (int i = 0; i < 64; i++) a += static_cast<char>(i * 7);
    out.push_back({"archive/data/0", a});
    out.push_back({"archive/data/1", std::string("\x05\x00\x00\x00\x00\x00\x00\x80", 8)});
    out.push_back({"archive/data/2", ""});
    out.push_back({"archive/data/3", "\x01\x02\x03"});
    for (int key = 4; key <= 10; key++) out.push_back({"archive/data/" + std::to_string(key), a});
    out.push_back({"archive/version", "3\n"});
    return out;
  }();
  return s;
}

// An archive as torch.save writes it (entries stored, not deflated) with `pickle` as data.pkl.
std::vector<uint8_t> pack(const uint8_t* pickle, size_t size) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (!buffer) finding("zip_source_buffer_create failed");
  zip_source_keep(buffer);
  zip_t* z = zip_open_from_source(buffer, ZIP_TRUNCATE, &err);
  if (!z) finding("zip_open_from_source failed");
  auto add = [&](const std::string& name, const void* data, size_t n) {
    zip_source_t* s = zip_source_buffer(z, data, n, 0);
    const zip_int64_t i = s ? zip_file_add(z, name.c_str(), s, 0) : -1;
    if (i < 0) finding("zip_file_add failed: " + std::string(zip_strerror(z)));
    zip_set_file_compression(z, static_cast<zip_uint64_t>(i), ZIP_CM_STORE, 0);
  };
  add("archive/data.pkl", pickle, size);
  for (const auto& [name, data] : storages()) add(name, data.data(), data.size());
  if (zip_close(z) != 0) finding("zip_close failed");
  std::vector<uint8_t> out;
  if (zip_source_open(buffer) != 0 || zip_source_seek(buffer, 0, SEEK_END) != 0) finding("reading the archive failed");
  const zip_int64_t n = zip_source_tell(buffer);
  zip_source_seek(buffer, 0, SEEK_SET);
  out.resize(static_cast<size_t>(n));
  if (zip_source_read(buffer, out.data(), static_cast<zip_uint64_t>(n)) != n) finding("reading the archive failed");
  zip_source_close(buffer);
  zip_source_free(buffer);
  zip_error_fini(&err);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::vector<uint8_t> file =
      (data[0] & 1) ? std::vector<uint8_t>(data + 1, data + size) : pack(data + 1, size - 1);
  st::StateDict dict;
  try {
    dict = st::torch_load_bytes(file, "<fuzz input>", std::string("ref"));
  } catch (const tg::Error& e) {
    if (verbose()) std::fprintf(stderr, "refused: %s\n", e.what());
    return 0;  // rejected with tg's error: the expected outcome for most inputs
  }
  if (dict.contains("__metadata__")) return 0;  // a legal key that safetensors reserves
  try {
    st::StateDict again = st::safe_load_bytes(st::safe_save_bytes(dict), "<saved again>", std::string("ref"));
    if (again.size() != dict.size()) finding("a loaded dict saved and loaded again has other tensors");
  } catch (const tg::Error& e) {
    finding(std::string("a loaded dict does not save and load again as safetensors: ") + e.what());
  }
  if (verbose()) std::fprintf(stderr, "loaded %zu tensors, %zu metadata entries\n", dict.size(), dict.metadata.size());
  return 0;
}
