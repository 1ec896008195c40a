#include "rule_program.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "host.hpp"
#include "rules.hpp"
#include "runner.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {

constexpr std::byte kFill{0xA5};      // the bytes before a param's offset
constexpr std::byte kSentinel{0x5A};  // a written param before the launch

std::vector<std::byte> encode(uint32_t dtype, long double v) {
  std::vector<std::byte> b(dtype_bytes(dtype));
  if (is_float(dtype)) encode_float(dtype, v, b.data());
  else encode_int(dtype, dtype == TG_DTYPE_BOOL ? v != 0 : static_cast<int64_t>(v), b.data());
  return b;
}

long double decode(uint32_t dtype, const std::byte* p) {
  return is_float(dtype) ? decode_float(dtype, p) : static_cast<long double>(decode_int(dtype, p));
}

// Whether the bytes at `got` are `want` under the rules' comparison.
bool same(uint32_t dtype, const std::byte* got, long double want) {
  if (is_float(dtype) && std::isnan(want)) return std::isnan(decode_float(dtype, got));
  const std::vector<std::byte> w = encode(dtype, want);
  return std::memcmp(got, w.data(), w.size()) == 0;
}

struct Owned {
  const tg_plugin_api* api;
  tg_device* dev;
  std::vector<tg_buffer*> bufs;
  tg_executable* exe = nullptr;
  ~Owned() {
    for (tg_buffer* b : bufs)
      if (b) api->buffer_free(dev, b);
    if (exe) api->executable_free(dev, exe);
  }
};

}  // namespace

std::string show(uint32_t dtype, long double v) {
  if (!is_float(dtype)) return std::to_string(static_cast<int64_t>(v));
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10Lg", v);
  std::string s = buf;
  if (dtype == TG_DTYPE_FLOAT16 || dtype == TG_DTYPE_BFLOAT16) {  // the bits, where one ulp matters
    const std::vector<std::byte> b = encode(dtype, v);
    uint16_t bits;
    std::memcpy(&bits, b.data(), 2);
    std::snprintf(buf, sizeof buf, " (0x%04x)", bits);
    s += buf;
  }
  return s;
}

RuleProgram::RuleProgram(std::string name, std::vector<int64_t> shape, uint64_t reduce_axes) : axes_(reduce_axes) {
  p_.name = std::move(name);
  p_.shape = std::move(shape);
}

int RuleProgram::input(uint32_t dtype, const std::vector<long double>& values) {
  if (static_cast<int64_t>(values.size()) != numel()) throw std::logic_error("conformance bug: " + p_.name + ": input size");
  const int q = p_.param(dtype, TG_PARAM_READ, numel());
  std::vector<std::byte> bytes;
  for (long double v : values) {
    const std::vector<std::byte> b = encode(dtype, v);
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  inputs_.resize(p_.params.size());
  inputs_[static_cast<size_t>(q)] = std::move(bytes);
  return p_.load(q, p_.view(row_major(p_.shape)));
}

long double RuleProgram::at(int load, size_t e) const {
  const tg_kir_node& n = p_.nodes[static_cast<size_t>(load)];
  return decode(n.dtype, inputs_[static_cast<size_t>(n.param)].data() + e * dtype_bytes(n.dtype));
}

int RuleProgram::out_view(const std::vector<int64_t>& strides) {
  if (!strides.empty()) return p_.view(strides);
  std::vector<int64_t> dims = p_.shape;
  for (size_t d = 0; d < dims.size(); ++d)
    if ((axes_ >> d) & 1u) dims[d] = 1;
  std::vector<int64_t> s = row_major(dims);
  for (size_t d = 0; d < dims.size(); ++d)
    if (dims[d] == 1) s[d] = 0;
  return p_.view(s);
}

int RuleProgram::output(const char* rule_id, std::string what, int value, std::vector<int> operands,
                        std::vector<std::vector<long double>> want, std::vector<int64_t> strides, int64_t numel) {
  rule(rule_id);  // a case naming an unknown rule is a bug: fail now
  const int q = p_.param(p_.dtype_of(value), TG_PARAM_WRITE, numel >= 0 ? numel : static_cast<int64_t>(want.size()));
  if (static_cast<int64_t>(want.size()) != p_.params[static_cast<size_t>(q)].numel)
    throw std::logic_error("conformance bug: " + p_.name + ": " + what + ": want has the wrong size");
  p_.store(q, out_view(strides), value);
  inputs_.resize(p_.params.size());
  checks_.push_back({rule_id, std::move(what), q, std::move(operands), std::move(want)});
  return q;
}

void RuleProgram::store_again(int param, int value, std::vector<int64_t> strides) {
  p_.store(param, out_view(strides), value);
}

Outcome RuleProgram::run(Session& session, int64_t off) const {
  const tg_plugin_api* api = session.api();
  tg_device* dev = session.device();
  std::string missing;
  const bool claimed = claimed_by(session, p_, &missing);
  Owned own{api, dev, std::vector<tg_buffer*>(p_.params.size(), nullptr)};
  const tg_kir_program prog = p_.abi();
  Status s = take(api->program_compile(dev, &prog, &own.exe));
  if (!s.ok()) {
    if (s.code == TG_ERR_UNSUPPORTED && !claimed)
      return Outcome{true, "refused (UNSUPPORTED, not claimed: " + missing + "): " + s.message, 'u'};
    return fail("program_compile: " + s.str());
  }
  if (!own.exe) return fail("program_compile succeeded but gave no executable");

  std::vector<uint64_t> offsets(p_.params.size());
  for (size_t q = 0; q < p_.params.size(); ++q) {
    const tg_kir_param& param = p_.params[q];
    const uint64_t size = dtype_bytes(param.dtype);
    std::vector<std::byte> image(static_cast<size_t>(off) * size, kFill);
    if (param.access == TG_PARAM_WRITE) image.resize(image.size() + static_cast<size_t>(param.numel) * size, kSentinel);
    else image.insert(image.end(), inputs_[q].begin(), inputs_[q].end());
    offsets[q] = static_cast<uint64_t>(off) * size;
    s = take(api->buffer_alloc(dev, image.size(), &own.bufs[q]));
    if (!s.ok()) return fail("buffer_alloc(" + std::to_string(image.size()) + "): " + s.str());
    s = take(api->buffer_write(dev, own.bufs[q], 0, image.data(), image.size()));
    if (!s.ok()) return fail("buffer_write: " + s.str());
  }
  tg_launch_args args;
  std::memset(&args, 0, sizeof args);
  args.struct_size = sizeof args;
  args.n_buffers = static_cast<uint32_t>(own.bufs.size());
  args.buffers = own.bufs.data();
  args.offsets = offsets.data();
  s = take(api->launch(dev, own.exe, &args));
  if (!s.ok()) return fail("launch: " + s.str());
  s = take(api->synchronize(dev));
  if (!s.ok()) return fail("synchronize after launch: " + s.str());

  std::string first;
  size_t broken = 0;
  for (const Check& c : checks_) {
    const tg_kir_param& param = p_.params[static_cast<size_t>(c.param)];
    const uint64_t size = dtype_bytes(param.dtype);
    std::vector<std::byte> got(static_cast<size_t>(param.numel) * size);
    s = take(api->buffer_read(dev, own.bufs[static_cast<size_t>(c.param)], offsets[static_cast<size_t>(c.param)], got.data(), got.size()));
    if (!s.ok()) return fail("buffer_read: " + s.str());
    for (size_t e = 0; e < c.want.size(); ++e) {
      const std::byte* g = got.data() + e * size;
      bool ok = false;
      for (long double w : c.want[e]) ok = ok || same(param.dtype, g, w);
      if (ok) continue;
      ++broken;  // (one per output: its first wrong element)
      if (!first.empty()) break;
      const Rule& r = rule(c.rule_id);
      std::string operands;
      for (int load : c.operands) operands += (operands.empty() ? "" : ", ") + show(p_.dtype_of(load), at(load, e));
      std::string want;
      for (long double w : c.want[e]) want += (want.empty() ? "" : " or ") + show(param.dtype, w);
      first = std::string("rule ") + r.id + " (tg/plugin.h SEMANTICS): \"" + r.text + "\" -- broken by " + c.what +
              ", element " + std::to_string(e) + (operands.empty() ? "" : (c.operands.size() == 1 ? " (operand " : " (operands ") + operands + ")") + ": got " +
              show(param.dtype, decode(param.dtype, g)) + ", want " + want;
      break;
    }
  }
  if (broken > 1) first += " (and " + std::to_string(broken - 1) + " more of this program's outputs wrong)";
  if (!first.empty()) return fail(first);
  if (!claimed) return pass("ran correctly although the caps do not claim " + missing);
  return pass();
}

}  // namespace tg::conformance
