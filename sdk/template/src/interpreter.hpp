#pragma once
// A small tg.kir interpreter: plain, readable, one output element at a time. It stands in for
// your device's compiler; read tg/plugin.h beside it for what each op means.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tg/kir.hpp"

namespace tmpl {

class Interpreter {
 public:
  // Validates the program (tg::sdk::check_program throws UNSUPPORTED or INVALID_ARGUMENT with
  // the reason) and keeps a copy: the program's arrays belong to the core.
  explicit Interpreter(const tg_kir_program& program);

  // base[q]: the address of element 0 of param q (the helper checked it holds numel elements).
  void run(const std::vector<std::byte*>& base) const;

 private:
  struct Value {
    double f = 0;   // float dtypes, rounded to the dtype after every op
    int64_t i = 0;  // bool and integer dtypes, wrapped to their width
  };
  struct Point;  // one index of the iteration space, with what was computed there

  Value eval(int node, Point& at) const;
  Value elementwise(const tg_kir_node& n, const Value* s) const;
  Value reduce(int node, const int64_t* output_index, const std::vector<Value>& reduced) const;
  int64_t element(const tg_kir_view& v, const int64_t* index) const;
  bool in_mask(const tg_kir_view& v, const int64_t* index) const;

  uint32_t ndim_;
  std::vector<int64_t> shape_;
  std::vector<tg_kir_node> nodes_;
  std::vector<tg_kir_view> views_;
  std::vector<tg_kir_param> params_;
  tg::sdk::ProgramInfo info_;
  mutable const std::vector<std::byte*>* base_ = nullptr;  // during run()
};

}  // namespace tmpl
