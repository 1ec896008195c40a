// The harness of the ported tinygrad op tests (see harness.hpp): the registry, --dump-cases,
// reading a test's PyTorch reference file, and comparing tg's results with tinygrad's rules.
#include "harness.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace tgops {
namespace {

struct Registered {
  std::string name;
  void (*body)();
  bool plain;
  const char* waits_for;  // partial ports: what the rest waits for
};
std::vector<Registered>& registry() {
  static std::vector<Registered> r;
  return r;
}

// One tensor of a reference file: dtype name, shape, values (as doubles; ints are exact to 2^53).
struct RefTensor {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<double> values;
};
// One case: what torch did (status "ok", "raises <Name>" or "torch_error <message>").
struct RefCase {
  std::string src, status;
  std::vector<RefTensor> inputs, consts, grads;
  std::optional<RefTensor> output;
};

// What the body currently running is for.
struct Context {
  bool dumping = false;
  std::string test;
  std::vector<RefCase> refs;  // run mode: the test's reference cases
  size_t next = 0;            // run mode: index of the next case
  std::ostringstream json;    // dump mode: the cases so far
  size_t dumped = 0;
};
Context* ctx = nullptr;

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  return out + "\"";
}

std::string ref_dir() {
  if (const char* d = std::getenv("TG_TINYGRAD_OPS_REF")) return d;
  return TGOPS_REF_DIR;
}

RefTensor parse_tensor(std::istringstream& in) {
  RefTensor t;
  size_t ndim = 0;
  in >> t.dtype >> ndim;
  t.shape.resize(ndim);
  int64_t n = 1;
  for (auto& d : t.shape) in >> d, n *= d;
  t.values.reserve(static_cast<size_t>(n));
  std::string tok;
  for (int64_t i = 0; i < n && in >> tok; ++i) t.values.push_back(std::strtod(tok.c_str(), nullptr));
  if (static_cast<int64_t>(t.values.size()) != n) throw std::runtime_error("truncated tensor in reference file");
  return t;
}

std::vector<RefCase> read_refs(const std::string& test) {
  std::string path = ref_dir() + "/" + test + ".txt";
  std::ifstream f(path);
  if (!f)
    throw std::runtime_error("no PyTorch reference " + path +
                             ": ctest's fixture TinygradOps.reference writes it (tests/api/tinygrad_ops/torch_reference.py)");
  std::vector<RefCase> cases;
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "case") cases.emplace_back();
    else if (cases.empty()) throw std::runtime_error("malformed reference file " + path);
    else if (key == "src") cases.back().src = line.size() > 4 ? line.substr(4) : "";
    else if (key == "status") cases.back().status = line.size() > 7 ? line.substr(7) : "";
    else if (key == "input") cases.back().inputs.push_back(parse_tensor(in));
    else if (key == "const") cases.back().consts.push_back(parse_tensor(in));
    else if (key == "output") cases.back().output = parse_tensor(in);
    else if (key == "grad") cases.back().grads.push_back(parse_tensor(in));
  }
  return cases;
}

tg::DType dtype_from(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(tg::DType::float64); ++i)
    if (name == tg::dtype_name(static_cast<tg::DType>(i))) return static_cast<tg::DType>(i);
  throw std::runtime_error("reference dtype " + name + " has no tg dtype");
}

template <typename V>
Tensor typed(const RefTensor& r, tg::DType dt) {
  std::vector<V> v(r.values.begin(), r.values.end());
  return Tensor::from_blob(v.data(), tg::Shape(r.shape), dt);
}

Tensor make_input(const RefTensor& r) {
  tg::DType dt = dtype_from(r.dtype);
  switch (dt) {
    case tg::DType::bool_: {
      std::vector<uint8_t> v;
      for (double x : r.values) v.push_back(x != 0);
      return Tensor::from_blob(v.data(), tg::Shape(r.shape), dt);
    }
    case tg::DType::int8: return typed<int8_t>(r, dt);
    case tg::DType::uint8: return typed<uint8_t>(r, dt);
    case tg::DType::int16: return typed<int16_t>(r, dt);
    case tg::DType::int32: return typed<int32_t>(r, dt);
    case tg::DType::int64: return typed<int64_t>(r, dt);
    case tg::DType::float32: return typed<float>(r, dt);
    case tg::DType::float64: return typed<double>(r, dt);
    default: return typed<float>(r, tg::DType::float32).cast(dt);
  }
}

std::string shape_str(const std::vector<int64_t>& s) { return tg::Shape(s).to_string(); }

// tinygrad's compare(): shape, dtype, then assert_allclose for floats (NaN equals NaN, an
// infinity only itself) and exact equality otherwise.
::testing::AssertionResult compare(const std::string& what, const Tensor& got, const RefTensor& want,
                                   double atol, double rtol) {
  if (got.shape().dims() != want.shape)
    return ::testing::AssertionFailure() << what << ": shape " << got.shape().to_string() << ", torch "
                                         << shape_str(want.shape);
  if (want.dtype != tg::dtype_name(got.dtype()))
    return ::testing::AssertionFailure() << what << ": dtype " << tg::dtype_name(got.dtype()) << ", torch "
                                         << want.dtype;
  std::vector<double> g = got.to_vector<double>();
  const bool floating = tg::is_float(got.dtype());
  size_t bad = 0, first = 0;
  double worst = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    double a = g[i], d = want.values[i];
    bool ok;
    if (!floating) ok = a == d;
    else if (std::isnan(d) || std::isnan(a)) ok = std::isnan(d) && std::isnan(a);
    else if (std::isinf(d) || std::isinf(a)) ok = a == d;
    else ok = std::fabs(a - d) <= atol + rtol * std::fabs(d);
    if (!ok) {
      if (!bad) first = i;
      ++bad;
      if (!(std::fabs(a - d) <= worst)) worst = std::fabs(a - d);
    }
  }
  if (!bad) return ::testing::AssertionSuccess();
  std::ostringstream msg;
  msg.precision(9);
  msg << what << ": " << bad << " of " << g.size() << " elements differ (atol " << atol << ", rtol " << rtol
      << "); first at flat index " << first << ": tg " << g[first] << ", torch " << want.values[first]
      << "; largest difference " << worst;
  if (g.size() <= 16) {
    msg << "\n  tg:   ";
    for (double v : g) msg << v << " ";
    msg << "\n  torch: ";
    for (double v : want.values) msg << v << " ";
  }
  return ::testing::AssertionFailure() << msg.str();
}

void dump_case(const char* kind, const Shapes& shapes, const std::string& torch_src, const char* expected, const O& o) {
  std::ostringstream& j = ctx->json;
  j.precision(17);
  if (ctx->dumped++) j << ",";
  j << "\n    {\"kind\": \"" << kind << "\", \"torch\": " << json_string(torch_src) << ", \"shapes\": [";
  for (size_t i = 0; i < shapes.size(); ++i) {
    j << (i ? ", " : "") << "[";
    for (size_t k = 0; k < shapes[i].size(); ++k) j << (k ? ", " : "") << shapes[i][k];
    j << "]";
  }
  j << "], \"vals\": " << (o.vals_.empty() ? "null" : json_string(o.vals_))
    << ", \"consts\": " << (o.consts_.empty() ? "null" : json_string(o.consts_)) << ", \"low\": " << o.low_
    << ", \"high\": " << o.high_ << ", \"forward_only\": " << (o.forward_only_ ? "true" : "false")
    << ", \"expected\": " << (expected ? json_string(expected) : "null") << "}";
}

// The reference case for the op() call now running in run mode, checked against its source.
const RefCase* next_ref(const std::string& torch_src) {
  size_t i = ctx->next++;
  if (i >= ctx->refs.size()) {
    ADD_FAILURE() << "case " << i << " (" << torch_src << ") has no reference: the reference file is stale, rerun the TinygradOps.reference fixture";
    return nullptr;
  }
  const RefCase& r = ctx->refs[i];
  if (r.src != torch_src) {
    ADD_FAILURE() << "case " << i << ": the reference was made for `" << r.src << "`, not `" << torch_src
                  << "`: stale, rerun the TinygradOps.reference fixture";
    return nullptr;
  }
  if (r.status.rfind("torch_error", 0) == 0) {
    ADD_FAILURE() << "case " << i << " (" << torch_src << "): PyTorch itself failed: " << r.status;
    return nullptr;
  }
  return &r;
}

}  // namespace

namespace detail {

void op_impl(const Shapes& shapes, const std::string& torch_src, Fn fn, const O& o) {
  if (ctx->dumping) return dump_case("op", shapes, torch_src, nullptr, o);
  const size_t index = ctx->next;
  const RefCase* r = next_ref(torch_src);
  if (!r) return;
  SCOPED_TRACE("case " + std::to_string(index) + ": " + torch_src);
  if (r->status != "ok") {
    ADD_FAILURE() << "unexpected reference status " << r->status;
    return;
  }
  try {
    std::vector<Tensor> inputs, args;
    for (const RefTensor& in : r->inputs) inputs.push_back(make_input(in));
    args = inputs;
    for (const RefTensor& c : r->consts) args.push_back(make_input(c));
    Tensor out = fn(args);
    out.realize();
    EXPECT_TRUE(compare("forward pass", out, *r->output, o.atol_, o.rtol_));
    if (o.forward_only_ || inputs.empty()) return;
    // tinygrad recomputes the forward pass here (it realized it); tg keeps a realized result's
    // graph for backward(), so the gradients come from the same forward, with fewer kernels.
    out.sum().backward();
    for (size_t i = 0; i < inputs.size() && i < r->grads.size(); ++i) {
      // An input the result does not depend on differentiably (sign, round, ...) gets no gradient
      // in tg; PyTorch and tinygrad give zeros there, so it is compared as zeros.
      std::optional<Tensor> g = inputs[i].grad();
      const std::string what = "backward pass tensor " + std::to_string(i) + (g ? "" : " (no gradient: zeros)");
      EXPECT_TRUE(compare(what, g ? *g : Tensor::zeros_like(inputs[i]), r->grads[i], o.grad_atol_, o.grad_rtol_));
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "tg threw: " << e.what();
  }
}

void raises_impl(const Shapes& shapes, const std::string& torch_src, Fn fn, const char* expected, const O& o) {
  if (ctx->dumping) return dump_case("raises", shapes, torch_src, expected, o);
  const size_t index = ctx->next;
  const RefCase* r = next_ref(torch_src);
  if (!r) return;
  SCOPED_TRACE("case " + std::to_string(index) + ": " + torch_src);
  if (r->status != std::string("raises ") + expected) {
    ADD_FAILURE() << "PyTorch did not raise " << expected << ": " << r->status;
    return;
  }
  std::vector<Tensor> inputs;
  try {
    for (const RefTensor& in : r->inputs) inputs.push_back(make_input(in));
    for (const RefTensor& c : r->consts) inputs.push_back(make_input(c));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "making the inputs threw: " << e.what();
    return;
  }
  try {
    Tensor out = fn(inputs);
    out.realize();
    ADD_FAILURE() << "tg threw nothing, PyTorch raised " << expected << " (tg's result: shape "
                  << out.shape().to_string() << ")";
  } catch (const tg::Error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << "tg threw an exception that is not a tg::Error: " << e.what();
  }
}

}  // namespace detail

void tg_only(const std::function<void()>& checks) {
  if (!ctx->dumping) checks();
}

bool register_test(const char* name, void (*body)(), bool plain, const char* waits_for) {
  registry().push_back({name, body, plain, waits_for});
  return true;
}

size_t ported_count() {
  size_t n = 0;
  for (const Registered& r : registry()) n += r.waits_for == nullptr;
  return n;
}
size_t waiting_count() { return registry().size() - ported_count() + waiting_tests().size(); }

void run_test(const char* name, void (*body)()) {
  Context c;
  c.test = name;
  bool plain = false;
  for (const Registered& r : registry())
    if (r.name == name) plain = r.plain;
  if (!plain) {
    try {
      c.refs = read_refs(name);
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }
  ctx = &c;
  body();
  ctx = nullptr;
  EXPECT_EQ(c.next, c.refs.size()) << "the reference has more cases than the test ran: stale, rerun the fixture";
}

// Every case of every test as JSON, for torch_reference.py.
void dump_cases(std::ostream& os) {
  os << "{\"ported\": " << ported_count() << ", \"waiting\": " << waiting_count() << ", \"tests\": [";
  bool first = true;
  for (const Registered& r : registry()) {
    if (r.plain) continue;
    Context c;
    c.dumping = true;
    c.test = r.name;
    ctx = &c;
    r.body();
    ctx = nullptr;
    if (!c.dumped) continue;  // a test without PyTorch cases
    os << (first ? "" : ",") << "\n  {\"name\": " << json_string(r.name) << ", \"cases\": [" << c.json.str()
       << "]}";
    first = false;
  }
  os << "\n]}\n";
}

std::string count_line() {
  return "tinygrad test_ops: " + std::to_string(ported_count()) + " ported, " + std::to_string(waiting_count()) +
         " waiting";
}

}  // namespace tgops

// The count of tinygrad's tests: ported ones and the waiting table must cover test_ops.py's 427
// (422 in class TestOps, 5 in TestOpsUint8, named uint8_*), each once.
TEST(TinygradOpsSuite, CoversEveryTinygradTest) {
  std::map<std::string, int> seen;
  for (const auto& r : tgops::registry()) ++seen[r.name];
  for (const auto& w : tgops::waiting_tests()) ++seen[w.name];
  for (const auto& [name, n] : seen) EXPECT_EQ(n, 1) << name << " is ported or listed as waiting " << n << " times";
  EXPECT_EQ(tgops::registry().size() + tgops::waiting_tests().size(), 427u) << tgops::count_line();
  std::cout << tgops::count_line() << "\n";
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dump-cases") == 0) {
      tgops::dump_cases(std::cout);
      return 0;
    }
    if (std::strcmp(argv[i], "--count") == 0) {
      std::cout << tgops::count_line() << "\n";
      return 0;
    }
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
