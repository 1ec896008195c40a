// Memory: bytes of every dtype (every bit pattern, NaN payloads included) round-trip exactly at
// any offset; device-to-device copies move exactly their range; guard bytes around a range show
// any write outside it; many buffers live at once and stay apart; allocation churn gives memory
// back; params may share one buffer at different offsets.
#include <algorithm>
#include <cstring>
#include <string>

#include "case.hpp"
#include "op_table.hpp"
#include "runner.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {

std::vector<std::byte> random_bytes(size_t n, std::mt19937_64& rng) {
  std::vector<std::byte> v(n);
  for (auto& b : v) b = static_cast<std::byte>(rng() & 0xffu);
  return v;
}

// Buffers freed at scope exit.
struct Pool {
  Session& s;
  std::vector<tg_buffer*> list;
  explicit Pool(Session& session) : s(session) {}
  ~Pool() {
    for (tg_buffer* b : list)
      if (b) s.api()->buffer_free(s.device(), b);
  }
  tg_buffer* alloc(uint64_t n) {
    tg_buffer* b = nullptr;
    const Status st = take(s.api()->buffer_alloc(s.device(), n, &b));
    if (!st.ok()) throw std::runtime_error("buffer_alloc(" + std::to_string(n) + "): " + st.str());
    if (!b) throw std::runtime_error("buffer_alloc(" + std::to_string(n) + ") gave no handle");
    list.push_back(b);
    return b;
  }
  std::string write(tg_buffer* b, uint64_t off, const std::vector<std::byte>& v) {
    const Status st = take(s.api()->buffer_write(s.device(), b, off, v.data(), v.size()));
    return st.ok() ? "" : "buffer_write(" + std::to_string(off) + ", " + std::to_string(v.size()) + "): " + st.str();
  }
  std::string read(tg_buffer* b, uint64_t off, std::vector<std::byte>& v) {
    const Status st = take(s.api()->buffer_read(s.device(), b, off, v.data(), v.size()));
    return st.ok() ? "" : "buffer_read(" + std::to_string(off) + ", " + std::to_string(v.size()) + "): " + st.str();
  }
};

std::string first_difference(const std::vector<std::byte>& got, const std::vector<std::byte>& want, const std::string& what) {
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i])
      return what + ": byte " + std::to_string(i) + " is " + std::to_string(std::to_integer<int>(got[i])) + ", expected " +
             std::to_string(std::to_integer<int>(want[i]));
  return "";
}

Outcome roundtrip(Context& ctx, uint32_t dtype, const std::string& name) {
  std::mt19937_64 rng = ctx.rng_for(name);
  Pool pool(ctx.session());
  for (uint64_t count : {uint64_t{1}, uint64_t{13}, uint64_t{4099}, uint64_t{1} << 18}) {
    const uint64_t n = count * dtype_bytes(dtype);
    const uint64_t off = 3 * dtype_bytes(dtype);
    tg_buffer* b = pool.alloc(n + off);
    const std::vector<std::byte> data = random_bytes(n, rng);
    std::string why = pool.write(b, off, data);
    std::vector<std::byte> back(n);
    if (why.empty()) why = pool.read(b, off, back);
    if (why.empty()) why = first_difference(back, data, std::to_string(count) + " " + dtype_str(dtype) + " at offset " + std::to_string(off));
    if (!why.empty()) return fail(why);
  }
  return pass();
}

Outcome offsets(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("memory/offsets");
  Pool pool(ctx.session());
  const uint64_t n = 1000;
  tg_buffer* b = pool.alloc(n);
  std::vector<std::byte> image = random_bytes(n, rng);
  std::string why = pool.write(b, 0, image);
  // Overwrite pieces at odd offsets, then read pieces at other offsets.
  for (auto [off, len] : {std::pair<uint64_t, uint64_t>{1, 7}, {7, 100}, {513, 1}, {999, 1}, {0, 3}, {300, 450}}) {
    if (!why.empty()) break;
    const std::vector<std::byte> piece = random_bytes(len, rng);
    std::copy(piece.begin(), piece.end(), image.begin() + static_cast<std::ptrdiff_t>(off));
    why = pool.write(b, off, piece);
  }
  for (auto [off, len] : {std::pair<uint64_t, uint64_t>{0, 1000}, {5, 11}, {998, 2}, {512, 3}}) {
    if (!why.empty()) break;
    std::vector<std::byte> got(len);
    why = pool.read(b, off, got);
    if (why.empty())
      why = first_difference(got, std::vector<std::byte>(image.begin() + static_cast<std::ptrdiff_t>(off),
                                                         image.begin() + static_cast<std::ptrdiff_t>(off + len)),
                             "read of " + std::to_string(len) + " bytes at offset " + std::to_string(off));
  }
  return check(why);
}

Outcome copies(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("memory/copies");
  Session& s = ctx.session();
  Pool pool(s);
  const uint64_t n = 4096;
  tg_buffer* a = pool.alloc(n);
  tg_buffer* b = pool.alloc(n);
  std::vector<std::byte> ia = random_bytes(n, rng), ib = random_bytes(n, rng);
  std::string why = pool.write(a, 0, ia);
  if (why.empty()) why = pool.write(b, 0, ib);
  struct Copy { bool same; uint64_t dst, src, len; };
  for (const Copy& c : {Copy{false, 100, 7, 1000}, Copy{false, 0, 4000, 96}, Copy{true, 0, 2048, 2048}, Copy{true, 3001, 1, 1000},
                        Copy{false, 4095, 0, 1}}) {
    if (!why.empty()) break;
    tg_buffer* src = c.same ? a : b;
    std::vector<std::byte>& isrc = c.same ? ia : ib;
    const Status st = take(s.api()->buffer_copy(s.device(), a, c.dst, src, c.src, c.len));
    if (!st.ok()) {
      why = "buffer_copy(" + std::to_string(c.len) + " bytes): " + st.str();
      break;
    }
    std::vector<std::byte> moved(isrc.begin() + static_cast<std::ptrdiff_t>(c.src), isrc.begin() + static_cast<std::ptrdiff_t>(c.src + c.len));
    std::copy(moved.begin(), moved.end(), ia.begin() + static_cast<std::ptrdiff_t>(c.dst));
    const Status sync = take(s.api()->synchronize(s.device()));
    if (!sync.ok()) why = "synchronize: " + sync.str();
    std::vector<std::byte> got(n);
    if (why.empty()) why = pool.read(a, 0, got);
    if (why.empty())
      why = first_difference(got, ia, std::string(c.same ? "a copy within one buffer" : "a copy between buffers") + " of " +
                                          std::to_string(c.len) + " bytes to offset " + std::to_string(c.dst) +
                                          " (bytes outside the range must not change)");
  }
  std::vector<std::byte> got(n);
  if (why.empty()) why = pool.read(b, 0, got);
  if (why.empty()) why = first_difference(got, ib, "the source buffer of the copies");
  return check(why);
}

Outcome guards(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("memory/guards");
  Session& s = ctx.session();
  Pool pool(s);
  const uint64_t guard = 64;
  for (uint64_t n : {uint64_t{1}, uint64_t{3}, uint64_t{64}, uint64_t{1001}}) {
    tg_buffer* b = pool.alloc(n + 2 * guard);
    tg_buffer* src = pool.alloc(n);
    std::vector<std::byte> image(n + 2 * guard, std::byte{0xA5});
    std::string why = pool.write(b, 0, image);
    const std::vector<std::byte> data = random_bytes(n, rng), other = random_bytes(n, rng);
    if (why.empty()) why = pool.write(b, guard, data);
    if (why.empty()) why = pool.write(src, 0, other);
    if (why.empty()) {
      const Status st = take(s.api()->buffer_copy(s.device(), b, guard, src, 0, n));
      if (!st.ok()) why = "buffer_copy: " + st.str();
    }
    std::copy(other.begin(), other.end(), image.begin() + static_cast<std::ptrdiff_t>(guard));
    std::vector<std::byte> got(n + 2 * guard);
    if (why.empty()) why = pool.read(b, 0, got);
    if (why.empty()) why = first_difference(got, image, "a " + std::to_string(n) + "-byte write and copy between guard bytes");
    if (!why.empty()) return fail(why);
  }
  return pass();
}

Outcome many_buffers(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("memory/many-buffers");
  Session& s = ctx.session();
  std::vector<tg_buffer*> bufs;
  std::vector<std::vector<std::byte>> data;
  std::string why;
  for (int i = 0; i < 1000 && why.empty(); ++i) {
    const uint64_t n = 1 + rng() % 300;
    tg_buffer* b = nullptr;
    const Status st = take(s.api()->buffer_alloc(s.device(), n, &b));
    if (!st.ok()) {
      why = "buffer_alloc #" + std::to_string(i) + ": " + st.str();
      break;
    }
    bufs.push_back(b);
    data.push_back(random_bytes(n, rng));
    const Status w = take(s.api()->buffer_write(s.device(), b, 0, data.back().data(), n));
    if (!w.ok()) why = "buffer_write: " + w.str();
  }
  std::vector<size_t> order(bufs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t i : order) {
    if (why.empty()) {
      std::vector<std::byte> got(data[i].size());
      const Status r = take(s.api()->buffer_read(s.device(), bufs[i], 0, got.data(), got.size()));
      why = r.ok() ? first_difference(got, data[i], "buffer #" + std::to_string(i) + " of 1000 live ones") : "buffer_read: " + r.str();
    }
    s.api()->buffer_free(s.device(), bufs[i]);
  }
  return check(why);
}

Outcome churn(Context& ctx) {
  Session& s = ctx.session();
  const uint64_t n = uint64_t{32} << 20;
  const int rounds = 32;
  const std::vector<std::byte> fill(n, std::byte{0x3C});
  const long before = resident_bytes();
  for (int i = 0; i < rounds; ++i) {
    tg_buffer* b = nullptr;
    const Status st = take(s.api()->buffer_alloc(s.device(), n, &b));
    if (!st.ok()) return fail("buffer_alloc of 32 MiB, round " + std::to_string(i) + " (earlier buffers were freed): " + st.str());
    const Status w = take(s.api()->buffer_write(s.device(), b, 0, fill.data(), n));
    s.api()->buffer_free(s.device(), b);
    if (!w.ok()) return fail("buffer_write of 32 MiB: " + w.str());
  }
  const long after = resident_bytes();
  const long total = static_cast<long>(n) * rounds;
  if (before > 0 && after > 0 && after - before > total / 2)
    return fail("allocating, filling and freeing 32 x 32 MiB grew this process by " + std::to_string((after - before) >> 20) +
                " MiB: freed buffers do not give their memory back");
  return pass();
}

// Two read params and one written param in a single buffer, at element-aligned offsets.
Outcome shared_buffer(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("memory/params-share-one-buffer");
  Session& s = ctx.session();
  const uint32_t d = s.claims_dtype(TG_DTYPE_FLOAT32) ? TG_DTYPE_FLOAT32 : TG_DTYPE_INT32;
  const int64_t n = 21;
  const uint64_t size = dtype_bytes(d), bytes = static_cast<uint64_t>(n) * size;
  Program p;
  p.name = "shared";
  p.shape = {n};
  const int v = p.view({1});
  const int a = p.param(d, TG_PARAM_READ, n), b = p.param(d, TG_PARAM_READ, n), out = p.param(d, TG_PARAM_WRITE, n);
  p.store(out, v, p.binary(TG_KIR_ADD, p.load(a, v), p.load(b, v)));
  const std::vector<std::byte> xa = random_input(d, n, Domain{}, rng), xb = random_input(d, n, Domain{}, rng);
  const uint64_t off_a = 3 * size, off_b = off_a + bytes, off_out = off_b + bytes + 5 * size;
  Pool pool(s);
  tg_buffer* buf = pool.alloc(off_out + bytes + 7 * size);
  std::vector<std::byte> image(off_out + bytes + 7 * size, std::byte{0x77});
  std::copy(xa.begin(), xa.end(), image.begin() + static_cast<std::ptrdiff_t>(off_a));
  std::copy(xb.begin(), xb.end(), image.begin() + static_cast<std::ptrdiff_t>(off_b));
  std::string why = pool.write(buf, 0, image);
  const tg_kir_program prog = p.abi();
  tg_executable* exe = nullptr;
  if (why.empty()) {
    const Status st = take(s.api()->program_compile(s.device(), &prog, &exe));
    if (!st.ok()) why = "program_compile: " + st.str();
  }
  if (why.empty()) {
    tg_buffer* bufs[] = {buf, buf, buf};
    uint64_t offs[] = {off_a, off_b, off_out};
    tg_launch_args args{sizeof(tg_launch_args), 3, bufs, offs, 0, nullptr};
    Status st = take(s.api()->launch(s.device(), exe, &args));
    if (st.ok()) st = take(s.api()->synchronize(s.device()));
    if (!st.ok()) why = "launch: " + st.str();
  }
  if (exe) s.api()->executable_free(s.device(), exe);
  std::vector<std::byte> got(image.size());
  if (why.empty()) why = pool.read(buf, 0, got);
  if (!why.empty()) return fail(why);
  for (int64_t i = 0; i < n; ++i) {
    const size_t at = static_cast<size_t>(off_out + static_cast<uint64_t>(i) * size);
    const size_t ia = static_cast<size_t>(i) * size;
    std::vector<std::byte> want(size);
    if (d == TG_DTYPE_FLOAT32) encode_float(d, decode_float(d, xa.data() + ia) + decode_float(d, xb.data() + ia), want.data());
    else encode_int(d, decode_int(d, xa.data() + ia) + decode_int(d, xb.data() + ia), want.data());
    std::copy(want.begin(), want.end(), image.begin() + static_cast<std::ptrdiff_t>(at));
  }
  return check(first_difference(got, image, "one buffer holding params at offsets " + std::to_string(off_a) + ", " +
                                                 std::to_string(off_b) + " and " + std::to_string(off_out)));
}

}  // namespace

void add_memory_cases(std::vector<Case>& cases) {
  for (uint32_t dtype : kAllDtypes) {
    const std::string name = std::string("memory/roundtrip/") + dtype_str(dtype);
    cases.push_back({name, Level::Quick, Needs::Device, [dtype, name](Context& ctx) { return roundtrip(ctx, dtype, name); }, "", ""});
  }
  cases.push_back({"memory/offsets", Level::Quick, Needs::Device, offsets, "", ""});
  cases.push_back({"memory/copies", Level::Quick, Needs::Device, copies, "", ""});
  cases.push_back({"memory/guard-bytes", Level::Quick, Needs::Device, guards, "", ""});
  cases.push_back({"memory/many-buffers", Level::Standard, Needs::Device, many_buffers, "", ""});
  cases.push_back({"memory/churn-gives-memory-back", Level::Standard, Needs::Device, churn, "", ""});
  cases.push_back({"memory/params-share-one-buffer", Level::Quick, Needs::Device, shared_buffer, "", ""});
}

}  // namespace tg::conformance
