#pragma once
// Checks that every rank passed the same thing to a collective: a mismatch would otherwise make
// MPI hang or read past a buffer. One small all-reduce of a fingerprint per check.
#include <cstdint>
#include <string>
#include <vector>

#include "tg/tensor.hpp"

namespace tg::dist::detail {

// FNV-1a over 64-bit words: the same numbers give the same fingerprint on every rank.
uint64_t fingerprint(const std::vector<int64_t>& words);
// The words of a tensor's dtype and shape (dims from `from_dim` on).
std::vector<int64_t> signature(const Tensor& t, size_t from_dim = 0);
// True when every rank passed the same value (every rank gets the same answer).
bool same_on_every_rank(uint64_t value, const std::string& what);
// Throws tg::Error on every rank unless they all passed a tensor of t's dtype and shape.
void require_same_tensor(const Tensor& t, const char* what);

}  // namespace tg::dist::detail
