#pragma once
// Writing the tg.kir programs the ref device compiles to files, and reading them back: a test
// instrument. With TG_KIR_DUMP=<dir> set, RefDevice::compile writes every program it is given to
// <dir>/<content hash>.kir (once per distinct program), so a test suite run on `ref` leaves behind
// every kernel the core produced for it. Other tests read them (tests/test_hip_compile.cpp
// renders and compiles each one for AMD GPUs without a GPU).
//
// File format (host byte order; the files never leave the machine that wrote them):
//   "TGKIR002", then uint64 fields ndim, n_nodes, n_views, n_params, name length, n_scalar_args,
//   then int64 shape[TG_KIR_MAX_DIMS], the name's bytes, the node, view and param arrays as their
//   FROZEN structs' bytes (tg/plugin.h), and the scalar_args as int32s (ABI 1.3: the CONSTs whose
//   values each launch gives, which GPU plugins turn into kernel arguments). "TGKIR001" files
//   (no n_scalar_args, no scalar_args) are still read. Linear masks are not kept: the ref device
//   does not declare TG_KIR_LINEAR_MASKS, so its programs have none.
#include <cstdint>
#include <string>
#include <vector>

#include "tg/plugin.h"

namespace tg::ref {

// A program with its own storage.
struct OwnedProgram {
  std::string name;
  uint32_t ndim = 0;
  int64_t shape[TG_KIR_MAX_DIMS] = {};
  std::vector<tg_kir_node> nodes;
  std::vector<tg_kir_view> views;
  std::vector<tg_kir_param> params;
  std::vector<int32_t> scalar_args;
  tg_kir_program view() const;  // valid while this object lives and is not changed
};

std::string serialize_program(const tg_kir_program& program);
// Throws std::runtime_error naming what is wrong with the bytes.
OwnedProgram parse_program(const std::string& bytes);

// The dump directory TG_KIR_DUMP names, or "" when it is unset.
std::string kir_dump_dir_from_environment();
// Writes the program to <dir>/<hash>.kir unless that file exists (temporary file, then rename).
// Throws tg::sdk::Failure(TG_ERR_INTERNAL) when it cannot: a dump that silently missed programs
// would let the tests that read it pass on less than they claim.
void dump_program(const std::string& dir, const tg_kir_program& program);

}  // namespace tg::ref
