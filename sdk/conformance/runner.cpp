#include "runner.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "evaluator.hpp"
#include "op_table.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {

constexpr std::byte kGuardByte{0xA5};
constexpr std::byte kSentinelByte{0x5A};


// Owns the buffers of one run.
struct Buffers {
  const tg_plugin_api* api;
  tg_device* dev;
  std::vector<tg_buffer*> list;
  ~Buffers() {
    for (tg_buffer* b : list)
      if (b) api->buffer_free(dev, b);
  }
};

struct Executable {
  const tg_plugin_api* api;
  tg_device* dev;
  tg_executable* exe = nullptr;
  ~Executable() {
    if (exe) api->executable_free(dev, exe);
  }
};

}  // namespace

std::vector<std::byte> random_input(uint32_t dtype, int64_t numel, const Domain& d, std::mt19937_64& rng) {
  const uint64_t size = dtype_bytes(dtype);
  std::vector<std::byte> out(static_cast<size_t>(numel) * size);
  for (int64_t e = 0; e < numel; ++e) {
    std::byte* at = out.data() + static_cast<size_t>(e) * size;
    if (dtype == TG_DTYPE_BOOL) {
      encode_int(dtype, static_cast<int64_t>(rng() & 1u), at);
    } else if (is_int(dtype) && !d.choices.empty()) {
      encode_int(dtype, d.choices[rng() % d.choices.size()], at);
    } else if (is_int(dtype)) {
      const int64_t lo = std::max<int64_t>(static_cast<int64_t>(d.lo), int_min(dtype));
      const int64_t hi = std::min<int64_t>(static_cast<int64_t>(d.hi), int_max(dtype));
      const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
      encode_int(dtype, lo + static_cast<int64_t>(span ? rng() % span : rng()), at);
    } else {
      const double scale = std::ldexp(1.0, d.frac_bits);
      const int64_t lo = static_cast<int64_t>(std::ceil(d.lo * scale)), hi = static_cast<int64_t>(std::floor(d.hi * scale));
      double v = 0;
      for (int tries = 0; tries < 1000; ++tries) {
        v = static_cast<double>(lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1))) / scale;
        if (std::fabs(v) >= d.min_abs) break;
      }
      encode_float(dtype, v, at);
    }
  }
  return out;
}

bool claimed_by(const Session& s, const Program& p, std::string* missing) {
  std::string what;
  auto need_op = [&](uint32_t op) {
    if (!s.claims_op(op) && what.find(op_str(op)) == std::string::npos) what += std::string(what.empty() ? "" : ", ") + "op " + op_str(op);
  };
  auto need_dtype = [&](uint32_t d) {
    if (!s.claims_dtype(d) && what.find(dtype_str(d)) == std::string::npos)
      what += std::string(what.empty() ? "" : ", ") + "dtype " + dtype_str(d);
  };
  for (const tg_kir_node& n : p.nodes) {
    need_op(n.op);
    need_dtype(n.dtype);
  }
  for (const tg_kir_param& q : p.params) need_dtype(q.dtype);
  if (missing) *missing = what;
  return what.empty();
}

Outcome run_and_compare(Session& session, const Program& p, const std::vector<std::vector<std::byte>>& inputs,
                        int launches) {
  const tg_plugin_api* api = session.api();
  tg_device* dev = session.device();
  std::string missing;
  const bool claimed = claimed_by(session, p, &missing);

  // The host's answer first: a case that the host cannot evaluate is the suite's bug.
  std::vector<std::vector<std::byte>> host_in(p.params.size()), before(p.params.size());
  for (size_t q = 0; q < p.params.size(); ++q) {
    const size_t bytes = static_cast<size_t>(p.params[q].numel) * dtype_bytes(p.params[q].dtype);
    if (p.params[q].access == TG_PARAM_WRITE) {
      before[q].assign(bytes, kSentinelByte);
#if TG_ABI_MINOR >= 4
      if (q < p.starts.size() && !p.starts[q].empty()) before[q] = p.starts[q];
      if (before[q].size() != bytes) throw std::logic_error("case bug: start of param " + std::to_string(q) + " has the wrong size");
#endif
      host_in[q] = before[q];
    } else {
      host_in[q] = q < inputs.size() ? inputs[q] : std::vector<std::byte>();
      if (host_in[q].size() != bytes) throw std::logic_error("case bug: input of param " + std::to_string(q) + " has the wrong size");
    }
  }
  std::vector<ParamResult> want = evaluate(p, host_in);
#if TG_ABI_MINOR >= 3
  // With scalar args: one launch per set of values, each judged against its own evaluation.
  if (!p.scalar_args.empty()) launches = static_cast<int>(p.scalar_runs.size());
  auto want_for = [&](int run) { return p.scalar_args.empty() ? want : evaluate(p.with_scalars(static_cast<size_t>(run)), host_in); };
#else
  auto want_for = [&](int) { return want; };
#endif

  Executable exe{api, dev};
  const tg_kir_program prog = p.abi();
  Status s = take(api->program_compile(dev, &prog, &exe.exe));
  if (!s.ok()) {
    if (s.code == TG_ERR_UNSUPPORTED && !claimed) {
      if (s.message.empty()) return fail("program_compile: UNSUPPORTED with an empty message");
      return Outcome{true, "refused (UNSUPPORTED, not claimed: " + missing + "): " + s.message, 'u'};
    }
    if (s.code == TG_ERR_UNSUPPORTED)
      return fail("program_compile: UNSUPPORTED, but the device's caps claim every op and dtype it uses: " + s.message);
    return fail("program_compile: " + s.str());
  }
  if (!exe.exe) return fail("program_compile succeeded but gave no executable");

  Buffers bufs{api, dev, std::vector<tg_buffer*>(p.params.size(), nullptr)};
  std::vector<uint64_t> offsets(p.params.size(), kGuard);
  std::vector<std::vector<std::byte>> images(p.params.size());  // what each buffer must hold
  for (size_t q = 0; q < p.params.size(); ++q) {
    const std::vector<std::byte>& body = host_in[q];
    images[q].assign(kGuard, kGuardByte);
    images[q].insert(images[q].end(), body.begin(), body.end());
    images[q].insert(images[q].end(), kGuard, kGuardByte);
    s = take(api->buffer_alloc(dev, images[q].size(), &bufs.list[q]));
    if (!s.ok()) return fail("buffer_alloc(" + std::to_string(images[q].size()) + "): " + s.str());
    s = take(api->buffer_write(dev, bufs.list[q], 0, images[q].data(), images[q].size()));
    if (!s.ok()) return fail("buffer_write: " + s.str());
  }

  for (int run = 0; run < launches; ++run) {
    tg_launch_args args;
    std::memset(&args, 0, sizeof args);
    args.struct_size = sizeof args;
    args.n_buffers = static_cast<uint32_t>(bufs.list.size());
    args.buffers = bufs.list.data();
    args.offsets = offsets.data();
#if TG_ABI_MINOR >= 3
    if (!p.scalar_args.empty()) {
      args.n_scalars = static_cast<uint32_t>(p.scalar_args.size());
      args.scalars = p.scalar_runs[static_cast<size_t>(run)].data();
    }
#endif
    s = take(api->launch(dev, exe.exe, &args));
    if (!s.ok()) return fail("launch: " + s.str());
    s = take(api->synchronize(dev));
    if (!s.ok()) return fail("synchronize after launch: " + s.str());

    std::vector<std::vector<std::byte>> got(p.params.size());
    for (size_t q = 0; q < p.params.size(); ++q) {
      std::vector<std::byte> all(images[q].size());
      s = take(api->buffer_read(dev, bufs.list[q], 0, all.data(), all.size()));
      if (!s.ok()) return fail("buffer_read: " + s.str());
      for (uint64_t k = 0; k < kGuard; ++k) {
        if (all[k] != kGuardByte || all[all.size() - 1 - k] != kGuardByte)
          return fail("param " + std::to_string(q) + ": the launch wrote outside the param's range (guard bytes " +
                      (all[k] != kGuardByte ? "before" : "after") + " it changed)");
      }
      if (p.params[q].access != TG_PARAM_WRITE && all != images[q])
        return fail("param " + std::to_string(q) + " is read-only but the launch changed it");
      got[q].assign(all.begin() + static_cast<std::ptrdiff_t>(kGuard), all.end() - static_cast<std::ptrdiff_t>(kGuard));
    }
    std::string problems;
    const std::vector<ParamResult> want_now = want_for(run);
    for (size_t q = 0; q < p.params.size(); ++q) {
      if (p.params[q].access != TG_PARAM_WRITE) continue;
      const std::string d = compare_param(p, q, want_now[q], got[q], before[q]);
      if (!d.empty()) problems += (problems.empty() ? "" : "; ") + d;
    }
    if (!problems.empty())
      return fail((run ? "launch " + std::to_string(run + 1) + " of the same executable: " : std::string()) +
                  "wrong result: " + problems);
  }
  if (!claimed) return pass("ran correctly although the caps do not claim " + missing);
  return pass();
}

}  // namespace tg::conformance
