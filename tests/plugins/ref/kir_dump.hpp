#pragma once
// TG_KIR_DUMP=<dir>: the dumping ref plugin (kir_dump_plugin.cpp) writes every program it
// compiles to <dir>/<content hash>.kir (once per distinct program), so a test suite run on it
// leaves behind every kernel the core produced for it. The file format, and its reader, is the SDK's tg/kir_file.hpp: the
// HIP and CUDA compile tests read the files back and compile each program for GPUs without one.
#include <string>

#include "tg/plugin.h"

namespace tg::ref {

// The dump directory TG_KIR_DUMP names, or "" when it is unset.
std::string kir_dump_dir_from_environment();
// Writes the program to <dir>/<hash>.kir unless that file exists (temporary file, then rename).
// Throws tg::sdk::Failure(TG_ERR_INTERNAL) when it cannot: a dump that silently missed programs
// would let the tests that read it pass on less than they claim.
void dump_program(const std::string& dir, const tg_kir_program& program);

}  // namespace tg::ref
