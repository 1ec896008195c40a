#include "dnnl_matmul.hpp"

#include <string>

#include "tg/plugin.hpp"

namespace tg::onednn {

using tg::sdk::Failure;

namespace {
dnnl::memory::desc md(const MatmulOperand& o) {
  return dnnl::memory::desc(dnnl::memory::dims(o.dims.begin(), o.dims.end()), dnnl::memory::data_type::f32,
                            dnnl::memory::dims(o.strides.begin(), o.strides.end()));
}
}  // namespace

DnnlMatmul::DnnlMatmul(dnnl::engine& engine, const MatmulMatch& match)
    : Primitive(match.out), a_op_(match.a), b_op_(match.b) {
  try {
    const auto a = md(match.a), b = md(match.b), c = md(match.c);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), engine);
    impl_ = pd.impl_info_str();
    prim_ = dnnl::matmul(pd);
    a_ = dnnl::memory(a, engine, DNNL_MEMORY_NONE);
    b_ = dnnl::memory(b, engine, DNNL_MEMORY_NONE);
    c_ = dnnl::memory(c, engine, DNNL_MEMORY_NONE);
  } catch (const dnnl::error& e) {
    // Creation failing means "not this way" (an unsupported stride pattern): the caller falls back.
    throw Failure(TG_ERR_UNSUPPORTED, std::string("oneDNN has no matmul for this layout: ") + e.what());
  }
}

void DnnlMatmul::run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte*) {
  try {
    a_.set_data_handle(base[a_op_.param] + a_op_.offset * 4);
    b_.set_data_handle(base[b_op_.param] + b_op_.offset * 4);
    c_.set_data_handle(output(base, temp));
    prim_.execute(stream, {{DNNL_ARG_SRC, a_}, {DNNL_ARG_WEIGHTS, b_}, {DNNL_ARG_DST, c_}});
    stream.wait();
  } catch (const dnnl::error& e) {
    throw_dnnl("matmul", e);
  }
}

}  // namespace tg::onednn
