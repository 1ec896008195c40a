// IDX files (plain or gzipped) and the MNIST / Fashion-MNIST loader.
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "base/regular_file.hpp"
#include "runtime/env.hpp"
#include "tg/nn.hpp"

namespace tg::nn::datasets {
namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// path itself, else path + ".gz"; the error names both.
std::string locate(const std::string& dir, const std::string& name) {
  std::string plain = dir + "/" + name;
  if (exists(plain)) return plain;
  if (exists(plain + ".gz")) return plain + ".gz";
  throw Error("mnist: missing file: neither " + plain + " nor " + plain +
              ".gz exists (install Debian's dataset-fashion-mnist, or pass a directory with the four MNIST IDX files)");
}

}  // namespace

// Reads the header first, then exactly the bytes its dims call for (and one more, to see that
// nothing trails them): a gzip bomb (2 MB inflating to 2 GiB) is rejected after inflating what
// the header promised, not after 25 s and 4 GB. Only regular files are read (a FIFO blocked).
IdxFile read_idx(const std::string& path) {
  const int fd = detail::open_regular_file(path, "mnist");
  struct stat st {};
  ::fstat(fd, &st);
  gzFile f = gzdopen(fd, "rb");  // (reads plain files unchanged; owns fd from here)
  if (!f) {
    ::close(fd);
    throw Error("mnist: cannot open " + path + ": out of memory");
  }
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(f, gzclose);
  // Up to n bytes into out (appended); how many came. A read error is a corrupt file.
  auto read = [&](uint8_t* out, uint64_t n) -> uint64_t {
    uint64_t at = 0;
    while (at < n) {
      const unsigned want = static_cast<unsigned>(std::min<uint64_t>(n - at, 1 << 20));
      const int got = gzread(f, out + at, want);
      if (got < 0) {
        int code = 0;
        const char* msg = gzerror(f, &code);
        throw Error("mnist: " + path + " is corrupt: " + (msg ? msg : "decompression failed"));
      }
      if (got == 0) break;
      at += static_cast<uint64_t>(got);
    }
    return at;
  };
  auto corrupt = [&](const std::string& why) -> Error { return Error("mnist: " + path + " is not a valid IDX file: " + why); };
  uint8_t head[4 + 4 * 4];
  const uint64_t got = read(head, 4);
  if (got < 4) throw corrupt("it has only " + std::to_string(got) + " bytes");
  if (head[0] != 0 || head[1] != 0) throw corrupt("the magic number does not start with two zero bytes");
  if (head[2] != 0x08) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", head[2]);
    throw corrupt(std::string("the element type is ") + hex + ", only unsigned bytes (0x08) are supported");
  }
  const size_t ndim = head[3];
  if (ndim < 1 || ndim > 4) throw corrupt("it claims " + std::to_string(ndim) + " dims (1 to 4 supported)");
  if (read(head + 4, 4 * ndim) < 4 * ndim) throw corrupt("truncated inside the header");
  IdxFile out;
  for (size_t d = 0; d < ndim; d++) out.dims.push_back(be32(head + 4 + 4 * d));
  try {
    detail::check_shape_size(out.dims.data(), out.dims.size());  // (0, 2^32-1, 2^32-1) too: its strides overflow
  } catch (const Error& e) {
    throw corrupt(e.what());
  }
  uint64_t numel = 1;
  for (int64_t d : out.dims) numel *= static_cast<uint64_t>(d);
  if (numel > (uint64_t{1} << 40)) throw corrupt("the dims are implausibly large");
  auto mismatch = [&](uint64_t have, bool more) {
    return corrupt("the header's dims need " + std::to_string(numel) + " bytes of data but the file has " +
                   (more ? "more" : std::to_string(have)) + (have < numel ? " (truncated)" : " (trailing bytes)"));
  };
  const uint64_t header = 4 + 4 * ndim;
  const bool plain = gzdirect(f) != 0;
  if (plain) {  // a plain file: its size says it all before anything is read
    const uint64_t have = static_cast<uint64_t>(st.st_size) - header;
    if (have != numel) throw mismatch(have, false);
  }
  // Grown as the data comes (doubling), not sized from the header up front: a gzip header that
  // claims 2^40 bytes over a few bytes of data costs those few bytes.
  uint64_t have = 0;
  while (have < numel) {
    const uint64_t step = plain ? numel : std::min(numel - have, std::max<uint64_t>(have, 1 << 20));
    try {
      out.data.resize(static_cast<size_t>(have + step));
    } catch (const std::exception&) {
      throw corrupt("its " + std::to_string(numel) + " bytes of data do not fit in memory");
    }
    const uint64_t got = read(out.data.data() + have, step);
    have += got;
    if (got < step) break;
  }
  if (have < numel) throw mismatch(have, false);
  uint8_t extra;
  if (read(&extra, 1) != 0) throw mismatch(numel + 1, true);
  int code = 0;
  const char* msg = gzerror(f, &code);
  if (code != Z_OK && code != Z_STREAM_END) throw Error("mnist: " + path + " is corrupt: " + (msg ? msg : "read error"));
  return out;
}

MNIST mnist(const std::string& dir_arg, std::optional<std::string> device) {
  std::string dir = dir_arg;
  if (dir.empty()) {
    dir = tg::detail::env_str("TG_MNIST_DIR");  // its default is kFashionMnistDir
    if (dir.empty()) dir = kFashionMnistDir;
  }
  TensorOptions opts{DType::uint8, std::move(device), false};
  auto load = [&](const std::string& images, const std::string& labels) {
    std::string ip = locate(dir, images), lp = locate(dir, labels);
    IdxFile x = read_idx(ip), y = read_idx(lp);
    if (x.dims.size() != 3) throw Error("mnist: " + ip + " should hold images (3 dims), it has " + std::to_string(x.dims.size()) + " dims");
    if (y.dims.size() != 1) throw Error("mnist: " + lp + " should hold labels (1 dim), it has " + std::to_string(y.dims.size()) + " dims");
    if (x.dims[0] != y.dims[0])
      throw Error("mnist: " + ip + " has " + std::to_string(x.dims[0]) + " images but " + lp + " has " +
                  std::to_string(y.dims[0]) + " labels");
    for (size_t i = 0; i < y.data.size(); i++)
      if (y.data[i] > 9)
        throw Error("mnist: " + lp + ": label " + std::to_string(y.data[i]) + " at index " + std::to_string(i) +
                    " is not a class in 0..9");
    Tensor X = Tensor(std::move(x.data), Shape({x.dims[0], 1, x.dims[1], x.dims[2]}), opts);
    Tensor Y = Tensor(std::move(y.data), Shape({y.dims[0]}), opts);
    return std::make_pair(X, Y);
  };
  auto [X_train, Y_train] = load("train-images-idx3-ubyte", "train-labels-idx1-ubyte");
  auto [X_test, Y_test] = load("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
  return MNIST{X_train, Y_train, X_test, Y_test};
}

}  // namespace tg::nn::datasets
