#include "schedule/kir.hpp"

#include <cstring>
#include <sstream>

#include "tg/kir.hpp"  // tg::sdk::op_name

namespace tg::detail {

namespace {
template <typename T>
void append(std::string& s, const T* data, size_t n) {
  s.append(reinterpret_cast<const char*>(data), n * sizeof(T));
}
}  // namespace

const std::string& KirProgram::key() const {
  if (key_.empty()) {
    uint64_t counts[4] = {shape.size(), nodes.size(), views.size(), params.size()};
    append(key_, counts, 4);
    append(key_, shape.data(), shape.size());
    append(key_, nodes.data(), nodes.size());
    append(key_, views.data(), views.size());
    append(key_, params.data(), params.size());
    if (!linear_masks.empty()) {  // (keys of programs without them stay as they were)
      const uint64_t n = linear_masks.size();
      append(key_, &n, 1);
      append(key_, linear_masks.data(), linear_masks.size());
    }
    if (!scalar_args.empty()) {
      const uint64_t n = scalar_args.size() | (uint64_t{1} << 63);  // (distinct from a mask count)
      append(key_, &n, 1);
      append(key_, scalar_args.data(), scalar_args.size());
    }
  }
  return key_;
}

uint64_t KirProgram::hash() const {  // FNV-1a: stable across runs and machines
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key()) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string KirProgram::dump() const {
  std::ostringstream os;
  os << "kernel " << name << " shape (";
  for (size_t d = 0; d < shape.size(); d++) os << (d ? ", " : "") << shape[d];
  os << ")\n";
  for (size_t i = 0; i < nodes.size(); i++) {
    const tg_kir_node& n = nodes[i];
    os << "  %" << i << " = " << (tg::sdk::op_name(n.op) ? tg::sdk::op_name(n.op) : "?") << " dtype " << n.dtype;
    for (int s : n.src)
      if (s >= 0) os << " %" << s;
    if (n.param >= 0) os << " param " << n.param;
    if (n.view >= 0) {
      const tg_kir_view& v = views[n.view];
      os << " view(off " << v.offset << " strides";
      for (size_t d = 0; d < shape.size(); d++) os << " " << v.strides[d];
      if (v.has_mask) {
        os << " mask";
        for (size_t d = 0; d < shape.size(); d++) os << " [" << v.mask_begin[d] << "," << v.mask_end[d] << ")";
      }
      for (const tg_kir_linear_mask& m : linear_masks) {
        if (m.view != n.view) continue;
        os << " linear " << m.begin << " <=";
        for (size_t d = 0; d < shape.size(); d++) os << " " << m.coeffs[d];
        os << " < " << m.end;
      }
      os << ")";
    }
    if (n.op == TG_KIR_CONST) {
      bool arg = false;
      for (size_t k = 0; k < scalar_args.size(); k++)
        if (scalar_args[k] == static_cast<int32_t>(i)) os << " scalar arg " << k, arg = true;
      if (!arg) os << " value " << n.ivalue << "/" << n.fvalue;
    }
    if (n.op == TG_KIR_REDUCE) os << " reduce " << n.reduce_op << " axes " << n.ivalue;
    if (n.op == TG_KIR_GATHER || n.op == TG_KIR_SCATTER_ADD) os << " index stride " << n.ivalue;
    os << "\n";
  }
  return os.str();
}

}  // namespace tg::detail
