// libFuzzer target: tg::nn::datasets::read_idx on an arbitrary file, plain or gzipped.
// The first byte picks how the rest reaches the reader: even, the rest is the file as it is (a
// plain IDX file or a gzip stream the fuzzer mutates directly); odd, the rest is gzipped here
// first, so every IDX mutation also goes through a well-formed gzip stream.
// A bad file must end in a tg::Error. A file that loads must hold exactly what its header says:
// 1 to 4 dims whose product (computed without wrapping) is the number of data bytes.
// With TG_FUZZ_VERBOSE set it says what each input did (fuzz_idx FILE... runs files).
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tg/nn.hpp"

namespace {

bool verbose() {
  static const bool on = std::getenv("TG_FUZZ_VERBOSE") != nullptr;
  return on;
}

// The file read_idx opens: an in-memory file (memfd), rewritten for each input, reached through
// /proc/self/fd. A file on disk would cost a write-back per input (about 5 ms here, 30x slower).
struct Scratch {
  int fd = -1;
  std::string path;
};

const Scratch& scratch() {
  static const Scratch s = [] {
    Scratch made;
    made.fd = memfd_create("tg-fuzz-idx", MFD_CLOEXEC);
    if (made.fd < 0) {
      std::perror("fuzz_idx: memfd_create");
      std::abort();
    }
    made.path = "/proc/self/fd/" + std::to_string(made.fd);
    return made;
  }();
  return s;
}

std::vector<uint8_t> gzip(const uint8_t* data, size_t size) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::vector<uint8_t> out(deflateBound(&z, static_cast<uLong>(size)));
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void write_file(const Scratch& f, const uint8_t* data, size_t size) {
  if (ftruncate(f.fd, 0) != 0 || (size && pwrite(f.fd, data, size, 0) != static_cast<ssize_t>(size))) {
    std::perror("fuzz_idx: writing the scratch file");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Scratch& file = scratch();
  if (data[0] & 1) {
    const std::vector<uint8_t> gz = gzip(data + 1, size - 1);
    write_file(file, gz.data(), gz.size());
  } else {
    write_file(file, data + 1, size - 1);
  }
  tg::nn::datasets::IdxFile idx;
  try {
    idx = tg::nn::datasets::read_idx(file.path);
  } catch (const tg::Error& e) {
    if (verbose()) std::fprintf(stderr, "refused: %s\n", e.what());
    return 0;
  }
  if (idx.dims.empty() || idx.dims.size() > 4) {
    std::fprintf(stderr, "read_idx returned %zu dims\n", idx.dims.size());
    std::abort();
  }
  uint64_t numel = 1;
  bool wrapped = false;
  for (int64_t d : idx.dims) {
    if (d < 0 || d > UINT32_MAX) {
      std::fprintf(stderr, "read_idx returned the dim %lld, outside an IDX header's uint32\n", static_cast<long long>(d));
      std::abort();
    }
    wrapped = wrapped || __builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel);
  }
  if (wrapped || numel != idx.data.size()) {
    std::string dims;
    for (int64_t d : idx.dims) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    std::fprintf(stderr, "read_idx accepted dims (%s)%s with %zu data bytes\n", dims.c_str(),
                 wrapped ? ", whose product overflows 64 bits," : "", idx.data.size());
    std::abort();
  }
  if (verbose()) std::fprintf(stderr, "loaded %zu dims, %zu bytes\n", idx.dims.size(), idx.data.size());
  return 0;
}
