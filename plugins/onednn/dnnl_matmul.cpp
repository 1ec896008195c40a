#include "dnnl_matmul.hpp"

#include <string>

#include "tg/plugin.hpp"

namespace tg::onednn {

using tg::sdk::Failure;

void throw_dnnl(const char* what, const dnnl::error& e) {
  const int32_t code = e.status == dnnl_out_of_memory ? TG_ERR_OUT_OF_MEMORY
                       : e.status == dnnl_unimplemented ? TG_ERR_UNSUPPORTED
                                                        : TG_ERR_INTERNAL;
  throw Failure(code, std::string("oneDNN ") + what + " failed: " + e.what() + " (dnnl_status_t " +
                          std::to_string(static_cast<int>(e.status)) + ")");
}

namespace {
dnnl::memory::desc md(const MatmulOperand& o) {
  return dnnl::memory::desc(dnnl::memory::dims(o.dims.begin(), o.dims.end()), dnnl::memory::data_type::f32,
                            dnnl::memory::dims(o.strides.begin(), o.strides.end()));
}
}  // namespace

DnnlMatmul::DnnlMatmul(dnnl::engine& engine, const MatmulMatch& match) : match_(match) {
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

void DnnlMatmul::run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp) {
  try {
    a_.set_data_handle(base[match_.a.param] + match_.a.offset * 4);
    b_.set_data_handle(base[match_.b.param] + match_.b.offset * 4);
    c_.set_data_handle(match_.direct ? base[match_.c.param] + match_.c.offset * 4 : temp);
    prim_.execute(stream, {{DNNL_ARG_SRC, a_}, {DNNL_ARG_WEIGHTS, b_}, {DNNL_ARG_DST, c_}});
    stream.wait();
  } catch (const dnnl::error& e) {
    throw_dnnl("matmul", e);
  }
}

}  // namespace tg::onednn
