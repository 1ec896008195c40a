// IDX files (plain or gzipped) and the MNIST / Fashion-MNIST loader.
#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "tg/nn.hpp"

namespace tg::nn::datasets {
namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The whole file, decompressed if it is gzip (zlib reads plain files unchanged).
std::vector<uint8_t> read_all(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("mnist: cannot open " + path + ": " + std::strerror(errno));
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(f, gzclose);
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 16);
  for (;;) {
    int got = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      throw Error("mnist: " + path + " is corrupt: " + (msg ? msg : "decompression failed"));
    }
    if (got == 0) break;
    out.insert(out.end(), chunk.begin(), chunk.begin() + got);
  }
  int code = 0;
  const char* msg = gzerror(f, &code);
  if (code != Z_OK && code != Z_STREAM_END) throw Error("mnist: " + path + " is corrupt: " + (msg ? msg : "read error"));
  return out;
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

IdxFile read_idx(const std::string& path) {
  std::vector<uint8_t> b = read_all(path);
  auto corrupt = [&](const std::string& why) -> Error { return Error("mnist: " + path + " is not a valid IDX file: " + why); };
  if (b.size() < 4) throw corrupt("it has only " + std::to_string(b.size()) + " bytes");
  if (b[0] != 0 || b[1] != 0) throw corrupt("the magic number does not start with two zero bytes");
  if (b[2] != 0x08) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", b[2]);
    throw corrupt(std::string("the element type is ") + hex + ", only unsigned bytes (0x08) are supported");
  }
  const size_t ndim = b[3];
  if (ndim < 1 || ndim > 4) throw corrupt("it claims " + std::to_string(ndim) + " dims (1 to 4 supported)");
  if (b.size() < 4 + 4 * ndim) throw corrupt("truncated inside the header");
  IdxFile out;
  uint64_t numel = 1;
  for (size_t d = 0; d < ndim; d++) {
    uint32_t s = be32(b.data() + 4 + 4 * d);
    out.dims.push_back(s);
    numel *= s;
    if (numel > (uint64_t{1} << 40)) throw corrupt("the dims are implausibly large");
  }
  const uint64_t have = b.size() - 4 - 4 * ndim;
  if (have != numel)
    throw corrupt("the header's dims need " + std::to_string(numel) + " bytes of data but the file has " +
                  std::to_string(have) + (have < numel ? " (truncated)" : " (trailing bytes)"));
  out.data.assign(b.begin() + static_cast<std::ptrdiff_t>(4 + 4 * ndim), b.end());
  return out;
}

MNIST mnist(const std::string& dir_arg, std::optional<std::string> device) {
  std::string dir = dir_arg;
  if (dir.empty()) {
    const char* env = std::getenv("TG_MNIST_DIR");
    dir = env && *env ? env : kFashionMnistDir;
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
