// reshapes_freely: x @ w with a weight w that has no batch dims runs as one GEMM over all of
// x's rows (a (16, 64, 128) input to Linear(128, n) is one (1024, 128) x (128, n) product, not
// 16 products of 64 rows) when x's layout allows folding its leading dims.
#include "tensor/matmul_rows.hpp"

#include <vector>

#include "base/internal_check.hpp"

namespace tg::detail {

bool reshapes_freely(const NodePtr& x, const Dims& shape) {
  std::vector<const Node*> chain;
  const Node* n = x.get();
  while (!n->realized() && is_movement(n->op)) {
    chain.push_back(n);
    n = n->src[0].get();
  }
  std::optional<View> v = View::contiguous(n->shape);
  for (auto it = chain.rbegin(); it != chain.rend() && v; ++it) {
    const Node& m = **it;
    switch (m.op) {
      case Op::RESHAPE: v = v->reshape(m.dims); break;
      case Op::PERMUTE: v = v->permute(m.dims); break;
      case Op::EXPAND: v = v->expand(m.dims); break;
      case Op::PAD: v = v->pad(m.ranges); break;
      case Op::SHRINK: v = v->shrink(m.ranges); break;
      case Op::FLIP: v = v->flip(std::vector<bool>(m.dims.begin(), m.dims.end())); break;
      case Op::WINDOW: return false;  // not worth the risk
      // not movement ops: never in the chain
      case Op::BUFFER: case Op::CONST: case Op::CAST: case Op::EXP2: case Op::LOG2: case Op::SIN: case Op::SQRT:
      case Op::RECIP: case Op::NEG: case Op::TRUNC: case Op::ADD: case Op::MUL: case Op::MAX: case Op::CMPLT:
      case Op::CMPNE: case Op::IDIV: case Op::MOD: case Op::AND: case Op::OR: case Op::XOR: case Op::SHL:
      case Op::SHR: case Op::WHERE: case Op::REDUCE: case Op::CONTIGUOUS: case Op::DETACH: case Op::COPY:
      case Op::CONV: case Op::POW: case Op::GATHER: case Op::SCATTER_ADD: case Op::ARGSORT: TG_INTERNAL_ERROR(std::string(op_name(m.op)) + " in a movement chain");
    }
  }
  return v && v->reshape(shape).has_value();
}

}  // namespace tg::detail
