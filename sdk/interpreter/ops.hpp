#pragma once
// The arithmetic of tg.kir, one node at a time over a column of lanes: every elementwise op and
// the three reductions, for every dtype, exactly as tg/plugin.h defines them. The interpreter
// (interpreter.cpp) decides which lanes; this file only computes.
#include <cstddef>
#include <cstdint>

#include "values.hpp"

namespace tg::ref {

// One elementwise node (CAST, unary, binary or WHERE) over lanes [0, n). `dtype` is the node's
// result dtype, `src_dtype` the dtype of its src[0]; a, b, c are its sources (NULL where unused).
// `out` must already have n lanes in the representation of `dtype`.
void eval_elementwise(uint32_t op, uint32_t dtype, uint32_t src_dtype, const Column* a, const Column* b,
                      const Column* c, Column& out, size_t n);

// Reductions accumulate per output in a column `acc`: float16/bfloat16/float32 in float,
// float64 in double, integers with wraparound in their width.
void reduce_init(int32_t reduce_op, uint32_t dtype, Column& acc, size_t n);
// Folds values[l] into acc[slot[l]] for l in [0, n), in lane order.
void reduce_fold(int32_t reduce_op, uint32_t dtype, const Column& values, const uint32_t* slot, size_t n,
                 Column& acc);
// Rounds the accumulators to the dtype (float16/bfloat16) or its width (integers).
void reduce_finish(uint32_t dtype, Column& acc, size_t n);

}  // namespace tg::ref
