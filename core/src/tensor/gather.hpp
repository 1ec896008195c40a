#pragma once
// Gathers and scatter-adds along one dim, as the Tensor layer's ops build them (gather.cpp): a
// GATHER / SCATTER_ADD node on a device that declares TG_KIR_INDEXED (cost grows with the
// index), else a one-hot masked sum (cost index x size along the dim), as before ABI 1.4.
#include "tensor/impl.hpp"

namespace tg::detail {

// Whether t's device takes GATHER and SCATTER_ADD (TG_KIR_INDEXED).
bool indexed_on(const Tensor& t);
// out[i] = table[i with i[axis] = idx[i]]; 0 where idx[i] is outside [0, table.shape[axis]).
// idx (integer) has table's shape but along axis; that is the result's shape.
Tensor gather_along(const Tensor& table, const Tensor& idx, int64_t axis);
// base with src[i] added at i with i[axis] = idx[i] (outside: nothing). idx and src have one
// shape, base's but along axis.
Tensor scatter_add_along(const Tensor& base, const Tensor& idx, const Tensor& src, int64_t axis);
// Rows of a (P, R) table at the integer positions `rows` (NB,): (NB, R).
Tensor take_rows(const Tensor& table, const Tensor& rows);

}  // namespace tg::detail
