#include "dnnl_matmul.hpp"

#include <omp.h>

#include <optional>
#include <string>
#include <unordered_map>

#include "tg/plugin.hpp"

namespace tg::onednn {

using tg::sdk::Failure;

namespace {

dnnl::memory::desc md(const MatmulOperand& o) {
  return dnnl::memory::desc(dnnl::memory::dims(o.dims.begin(), o.dims.end()), dnnl::memory::data_type::f32,
                            dnnl::memory::dims(o.strides.begin(), o.strides.end()));
}

// The operand with its row dim (second to last) cut to `rows`.
MatmulOperand with_rows(MatmulOperand o, int64_t rows) {
  o.dims[o.dims.size() - 2] = rows;
  return o;
}

// How many row bands a matmul runs as: one per thread when it is unbatched and large enough
// that a band (at least 128 rows) is worth a GEMM of its own (measured, see the header).
int64_t band_count(const MatmulMatch& m, int threads) {
  const MatmulMatch::Sizes s = m.sizes();
  if (threads < 2 || s.batch != 1 || s.flop() < 1.0e9 || s.m < 128 * threads) return 1;
  return threads;
}

}  // namespace

DnnlMatmul::DnnlMatmul(dnnl::engine& engine, const MatmulMatch& match, int threads)
    : Primitive(match.out), a_op_(match.a), b_op_(match.b) {
  try {
    const int64_t rows = match.c.dims[match.c.dims.size() - 2];
    const int64_t count = band_count(match, threads);
    a_row_stride_ = match.a.strides[match.a.strides.size() - 2];
    c_row_stride_ = match.c.strides[match.c.strides.size() - 2];
    const auto b = md(match.b);
    for (int64_t i = 0; i < count; ++i) {
      Band band;
      band.row0 = rows * i / count;
      const int64_t n = rows * (i + 1) / count - band.row0;
      const auto a = md(with_rows(match.a, n)), c = md(with_rows(match.c, n));
      // Each band's scratchpad is its own (oneDNN's library-owned one is not for concurrent use).
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), attr, engine);
      if (i == 0) impl_ = pd.impl_info_str() + (count > 1 ? ", " + std::to_string(count) + " row bands" : "");
      band.prim = dnnl::matmul(pd);
      band.a = dnnl::memory(a, engine, DNNL_MEMORY_NONE);
      band.b = dnnl::memory(b, engine, DNNL_MEMORY_NONE);
      band.c = dnnl::memory(c, engine, DNNL_MEMORY_NONE);
      band.scratch = dnnl::memory(pd.scratchpad_desc(), engine, DNNL_MEMORY_NONE);
      band.scratch_offset = scratch_bytes_;
      scratch_bytes_ += (pd.scratchpad_desc().get_size() + 63) / 64 * 64;
      if (count > 1) band.stream = std::make_unique<dnnl::stream>(engine);
      bands_.push_back(std::move(band));
    }
  } catch (const dnnl::error& e) {
    // Creation failing means "not this way" (an unsupported stride pattern): the caller falls back.
    throw Failure(TG_ERR_UNSUPPORTED, std::string("oneDNN has no matmul for this layout: ") + e.what());
  }
}

void DnnlMatmul::run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) {
  std::byte* const a = base[a_op_.param] + a_op_.offset * 4;
  std::byte* const b = base[b_op_.param] + b_op_.offset * 4;
  std::byte* const c = output(base, temp);
  auto execute = [&](Band& band, dnnl::stream& s) {
    band.a.set_data_handle(a + band.row0 * a_row_stride_ * 4);
    band.b.set_data_handle(b);
    band.c.set_data_handle(c + band.row0 * c_row_stride_ * 4);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, band.a}, {DNNL_ARG_WEIGHTS, band.b}, {DNNL_ARG_DST, band.c}};
    if (band.scratch.get_desc().get_size() > 0) {
      band.scratch.set_data_handle(scratch + band.scratch_offset);
      args.emplace(DNNL_ARG_SCRATCHPAD, band.scratch);
    }
    band.prim.execute(s, args);
    s.wait();
  };
  if (bands_.size() == 1) {
    try {
      execute(bands_[0], stream);
    } catch (const dnnl::error& e) {
      throw_dnnl("matmul", e);
    }
    return;
  }
  // One band per thread; inside a parallel region oneDNN runs each on the calling thread alone.
  // An error cannot leave the region as an exception: the first one is kept and thrown after.
  std::optional<dnnl::error> failed;
#pragma omp parallel for num_threads(static_cast<int>(bands_.size())) schedule(static, 1)
  for (size_t i = 0; i < bands_.size(); ++i) {
    try {
      execute(bands_[i], *bands_[i].stream);
    } catch (const dnnl::error& e) {
#pragma omp critical(tg_onednn_matmul_error)
      if (!failed) failed = e;
    }
  }
  if (failed) throw_dnnl("matmul", *failed);
}

}  // namespace tg::onednn
