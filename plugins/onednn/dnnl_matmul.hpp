#pragma once
// One oneDNN matmul primitive for one matched program (matmul_match.hpp), created once at
// compile time (shapes and strides are fixed per program, so the executable is the cache) and
// run on the launch's buffers with strided memory descriptors: no copies, no transposes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "matmul_match.hpp"

namespace tg::onednn {

class DnnlMatmul {
 public:
  // Throws tg::sdk::Failure(TG_ERR_UNSUPPORTED) when oneDNN has no implementation for it.
  DnnlMatmul(dnnl::engine& engine, const MatmulMatch& match);
  // base[q]: element 0 of param q; `temp` receives the result unless it is stored directly.
  void run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp);
  const char* impl_name() const { return impl_.c_str(); }
  int64_t temp_numel() const { return match_.direct ? 0 : match_.c_numel; }
  // Element 0 of the output param oneDNN writes when it stores directly.
  std::byte* direct_output(const std::vector<std::byte*>& base) const { return base[match_.c.param]; }

 private:
  MatmulMatch match_;
  dnnl::matmul prim_;
  dnnl::memory a_, b_, c_;
  std::string impl_;
};

// "oneDNN <what> failed: <message> (dnnl_status_t N)" as a tg::sdk::Failure.
[[noreturn]] void throw_dnnl(const char* what, const dnnl::error& e);

}  // namespace tg::onednn
