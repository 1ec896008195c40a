#pragma once
// What the oneDNN primitives (a matmul, a convolution) share: each computes the one
// REDUCE(SUM) of a program, and whatever the program does with the reduced value after it
// (a STORE, an elementwise epilogue such as + bias, relu) stays a program of its own.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "tg/kir.hpp"
#include "tg/owned_program.hpp"

namespace tg::onednn {

// The shape both primitives take: one REDUCE(SUM), float32, of MUL(LOAD a, LOAD b), unmasked.
struct Contraction {
  int32_t red = -1;  // the REDUCE's node index
  const tg_kir_node* a = nullptr;
  const tg_kir_node* b = nullptr;
};
// The contraction, or nullopt with the reason in *why_not.
std::optional<Contraction> find_contraction(const tg_kir_program& p, std::string* why_not);

// Where the primitive writes the reduced value: straight into the program's output param when
// a float32 STORE of it has a plain strided view, else into a contiguous temp. What follows the
// REDUCE becomes the epilogue: the same nodes over the output space, with the REDUCE replaced by
// a LOAD of the primitive's result (an extra, last param); none when the STORE is all there is.
struct ReduceOutput {
  bool direct = false;
  uint32_t param = 0;                       // the output param, when direct
  int64_t offset = 0;                       // in elements, when direct
  int64_t strides[TG_KIR_MAX_DIMS] = {};    // per program dim (0 on reduced dims)
  int64_t temp_numel = 0;                   // elements of the temp, when not direct
  std::optional<tg::sdk::OwnedProgram> epilogue;
};

// The output of the REDUCE at node `red`, which reduces the dims in the bitmask `axes`.
ReduceOutput reduce_output(const tg_kir_program& p, int32_t red, uint32_t axes);

// A oneDNN primitive for one matched program, created at compile time (shapes and strides are
// fixed per program, so the executable is the cache) and run on the launch's buffers.
class Primitive {
 public:
  virtual ~Primitive() = default;
  // base[q]: element 0 of param q; `temp` receives the result unless it is stored directly;
  // `scratch` (scratch_bytes(), 64-byte aligned) is the primitive's during the call.
  virtual void run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) = 0;
  virtual uint64_t scratch_bytes() const { return 0; }
  const char* impl_name() const { return impl_.c_str(); }
  int64_t temp_numel() const { return out_.direct ? 0 : out_.temp_numel; }
  // Where the result is: the temp, or the output param oneDNN wrote (element 0 of its param).
  std::byte* result(const std::vector<std::byte*>& base, std::byte* temp) const {
    return out_.direct ? base[out_.param] : temp;
  }

 protected:
  explicit Primitive(const ReduceOutput& out) : out_(out) { out_.epilogue.reset(); }
  std::byte* output(const std::vector<std::byte*>& base, std::byte* temp) const {
    return out_.direct ? base[out_.param] + out_.offset * 4 : temp;
  }
  ReduceOutput out_;
  std::string impl_;
};

// "oneDNN <what> failed: <message> (dnnl_status_t N)" as a tg::sdk::Failure.
[[noreturn]] void throw_dnnl(const char* what, const dnnl::error& e);

// Strides for size-1 dims (never stepped: any positive value is right) as a dense layout has them.
void fix_unit_strides(const std::vector<int64_t>& dims, std::vector<int64_t>& strides);

}  // namespace tg::onednn
