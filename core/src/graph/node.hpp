#pragma once
// Node: the one graph node of the core (tinygrad's UOp). A node is an op over sources with a
// result dtype, shape and device. Nodes are immutable and hash-consed: building the same op on
// the same sources twice gives the same node, so common subexpressions are shared for free.
// The only mutable part is the realization: once computed, `buffer` holds the value.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/view.hpp"
#include "tg/dtype.hpp"

namespace tg::detail {

class Device;
struct Buffer;
struct Node;
struct TensorImpl;
class InternTable;
using NodePtr = std::shared_ptr<Node>;
// A node's sources: one to three for every op.
using Sources = SmallVector<NodePtr, 3>;

enum class Op : uint8_t {
  // leaves
  BUFFER,  // data that was put on a device (always realized)
  CONST,   // a scalar constant, shape (); bigger constants are EXPANDs of it
  // elementwise, the tg.kir set
  CAST, EXP2, LOG2, SIN, SQRT, RECIP, NEG, TRUNC,
  ADD, MUL, MAX, CMPLT, CMPNE, IDIV, MOD, AND, OR, XOR, SHL, SHR,
  WHERE,
  // reduce over `axes` (kept as size-1 dims) with `reduce_op`
  REDUCE,
  // movement: change the view only. WINDOW turns the last n dims (i...) into sliding windows
  // (o..., k...) by one strided view: dims = k..., s..., d... (kernel, stride, dilation).
  RESHAPE, PERMUTE, EXPAND, PAD, SHRINK, FLIP, WINDOW,
  // boundaries
  CONTIGUOUS,  // its own kernel, into fresh contiguous memory
  DETACH,      // the same value; gradients stop here
  COPY,        // the value moved to `device`
  // A 2-D convolution whose value is src[0] (the windowed contraction that computes it) and
  // whose gradient is not derived from src[0] but given by the two backward convolutions of
  // src[1] (the input) and src[2] (the weight); dims = stride h, w, dilation h, w. Lowered as
  // src[0]: it only tells autograd how to differentiate (graph/conv_graph.hpp).
  CONV,
  // x ** y whose value is src[0] (elementwise ops over x = src[1] and y = src[2], which cannot
  // differentiate it at its corners: 0 ** y, negative x, y = 0) and whose gradient is PyTorch's
  // pow rule on src[1] and src[2] (tensor/pow.cpp). Lowered as src[0], like CONV.
  POW,
  // Indexed access along axis dims[0] (tg.kir GATHER / SCATTER_ADD, ABI 1.4; made only for
  // devices that declare TG_KIR_INDEXED, tensor/gather.cpp):
  // GATHER: out[i] = src[0][i with i[axis] = src[1][i]], 0 where src[1][i] is outside
  //   [0, src[0].shape[axis]). src[1] (integer) has the result's shape; src[0] has it too but
  //   along axis. The table is read in place where it is a view of memory, else realized first.
  // SCATTER_ADD: src[0] (the start value, the result's shape) with src[2][i] added at
  //   i with i[axis] = src[1][i] (indices outside add nothing); src[1] and src[2] have one shape,
  //   the result's but along axis. Its own kernels: src[0] into a fresh buffer, then the adds.
  GATHER,
  SCATTER_ADD,
  // The positions (int32) of the first dims[0] = k values of each last-dim row of src[0] (a
  // CONTIGUOUS node) in sort-order (tg/plugin.h): ascending, or descending where dims[1] is 1;
  // shape src[0]'s with the last dim k. Its own step: the device's sort_rows (ABI 1.5), else
  // ordered on the host. sort, argsort and topk are this and a GATHER of the values.
  ARGSORT,
};

enum class ReduceOp : uint8_t { SUM, MAX, PROD };

const char* op_name(Op op);
bool is_elementwise(Op op);
bool is_movement(Op op);

struct Node : std::enable_shared_from_this<Node> {
  Op op;
  DType dtype;
  Dims shape;
  std::shared_ptr<Device> device;
  Sources src;
  // arguments, by op
  double fvalue = 0;         // CONST of a float dtype
  int64_t ivalue = 0;        // CONST of an int/bool dtype
  ReduceOp reduce_op = ReduceOp::SUM;
  Dims dims;                 // REDUCE axes, RESHAPE/EXPAND shape, PERMUTE order, FLIP axes (0/1 each),
                             // WINDOW kernel/stride/dilation, CONV stride/dilation
  Ranges ranges;             // PAD (before, after), SHRINK (begin, end)
  uint64_t unique = 0;       // nonzero: a distinct leaf, never merged with an equal-looking one

  // realization (the only mutable state)
  std::shared_ptr<Buffer> buffer;
  // Live leaf tensor handles on this node that backward() gives gradients, a list kept by the
  // tensor layer (tensor/impl.hpp): a graph with none below a node needs no history there, and
  // backward() finds its targets here (no process-wide list of handles that threads share).
  TensorImpl* grad_leaves = nullptr;

  size_t hash = 0;
  InternTable* table = nullptr;  // the hash-consing table that holds it (its thread's), if any
  ~Node();
  int64_t numel() const;
  // numel() times the dtype's size; UINT64_MAX when that passes 2^64 (2^62 float64s): a device
  // then reports that it cannot allocate it, where the wrapped size would have been accepted.
  uint64_t nbytes() const;
  bool realized() const { return buffer != nullptr; }
};

// Returns the canonical node equal to `proto` (hash-consed unless unique or a BUFFER/DETACH).
// Each thread has its own table: a node is shared only with graphs its thread builds, so
// threads never realize one node at once; a node may still be freed on any thread.
NodePtr intern(Node&& proto);
uint64_t next_unique_id();

}  // namespace tg::detail
