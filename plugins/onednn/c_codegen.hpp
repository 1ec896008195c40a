#pragma once
// tg.kir -> C99 source for the CPU, compiled at run time (jit_compiler.hpp) into a function
//   void tg_kernel(char* const* bufs);   // bufs[q]: element 0 of param q
// that runs the whole program on every core with OpenMP.
//
// This is the onednn plugin's own generator (c_codegen.cpp, c_codegen_reduce.cpp, c_gen.hpp):
// the shared renderer (sdk/render) did not yet have a C dialect when this plugin was written. It
// differs in what matters on a CPU: loops over merged dims (loop_plan.hpp) instead of one thread
// per output, reduce accumulators that vectorize, and a split of large reductions across threads.
#include <string>

#include "tg/kir.hpp"

namespace tg::onednn {

struct CSource {
  std::string code;
  std::string summary;  // one line for TG_PLUGIN_DEBUG: the strategy chosen
};

// `threads`: how many threads the kernel will run on (decides how a reduction is split).
CSource render_c(const tg_kir_program& p, const tg::sdk::ProgramInfo& info, int threads);

}  // namespace tg::onednn
