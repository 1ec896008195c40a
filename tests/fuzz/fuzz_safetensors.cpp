// libFuzzer target: tg::nn::state::safe_load_bytes on arbitrary bytes.
// A malformed file must end in a tg::Error; anything else (a crash, a sanitizer report, another
// exception, an allocation past -rss_limit_mb, a hang past -timeout) is a finding. A file that
// loads must load exactly what it holds, checked by a round trip: safe_save_bytes of what was
// loaded has the same data section byte for byte (the tensors come back in data-offset order
// and tile it), the same metadata, and loads again.
// With TG_FUZZ_VERBOSE set it says what each input did (fuzz_safetensors FILE... runs files).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tg/nn.hpp"

namespace {

namespace st = tg::nn::state;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz_safetensors: %s\n", what.c_str());
  std::abort();
}

bool verbose() {
  static const bool on = std::getenv("TG_FUZZ_VERBOSE") != nullptr;
  return on;
}

// The data section: what follows the 8-byte length and the header.
std::vector<uint8_t> data_section(const std::vector<uint8_t>& file) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(file[static_cast<size_t>(i)]) << (8 * i);
  return {file.begin() + static_cast<std::ptrdiff_t>(8 + n), file.end()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  st::StateDict dict;
  try {
    dict = st::safe_load_bytes(bytes, "<fuzz input>", std::string("ref"));
  } catch (const tg::Error& e) {
    if (verbose()) std::fprintf(stderr, "refused: %s\n", e.what());
    return 0;  // rejected with tg's error: the expected outcome for nearly every input
  }
  std::vector<uint8_t> saved;
  st::StateDict again;
  try {
    saved = st::safe_save_bytes(dict);
    again = st::safe_load_bytes(saved, "<saved again>", std::string("ref"));
  } catch (const tg::Error& e) {
    finding(std::string("a loaded file does not save and load again: ") + e.what());
  }
  if (data_section(saved) != data_section(bytes))
    finding("the " + std::to_string(dict.size()) + " tensors loaded hold other bytes than the file's data section");
  if (again.size() != dict.size() || again.metadata != dict.metadata)
    finding("saving and loading again changed the tensors or the metadata");
  if (verbose()) std::fprintf(stderr, "loaded %zu tensors\n", dict.size());
  return 0;
}
