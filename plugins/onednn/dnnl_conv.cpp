#include "dnnl_conv.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "tg/plugin.hpp"

namespace tg::onednn {

using tg::sdk::Failure;
using Operand = DnnlConv::Operand;

namespace {

void set(Operand& o, int arg, bool input, std::initializer_list<int64_t> dims, std::initializer_list<int64_t> strides) {
  o.arg = arg;
  o.input = input;
  std::copy(dims.begin(), dims.end(), o.dims);
  std::copy(strides.begin(), strides.end(), o.strides);
}

// The operand's memory descriptor: in place, or dense (abcd) when it is copied.
dnnl::memory::desc describe(Operand& o, bool all_dense) {
  o.copy = all_dense;
  for (int i = 0; i < 4; ++i) o.copy |= o.dims[i] > 1 && o.strides[i] <= 0;
  const dnnl::memory::dims d(o.dims, o.dims + 4);
  o.dense.assign(o.copy ? static_cast<size_t>(o.dims[0] * o.dims[1] * o.dims[2] * o.dims[3]) : 0, 0.0f);
  if (o.copy) return dnnl::memory::desc(d, dnnl::memory::data_type::f32, dnnl::memory::format_tag::abcd);
  std::vector<int64_t> dv(o.dims, o.dims + 4), sv(o.strides, o.strides + 4);
  fix_unit_strides(dv, sv);
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, dnnl::memory::dims(sv.begin(), sv.end()));
}

// Between the program's memory (strided) and an operand's dense copy.
template <bool kToDense>
void copy(const Operand& o, float* mem) {
  float* dense = const_cast<float*>(o.dense.data());
  const int64_t* d = o.dims;
  const int64_t* s = o.strides;
  for (int64_t a = 0; a < d[0]; ++a)
    for (int64_t b = 0; b < d[1]; ++b)
      for (int64_t c = 0; c < d[2]; ++c) {
        float* m = mem + a * s[0] + b * s[1] + c * s[2];
        for (int64_t e = 0; e < d[3]; ++e, ++dense) {
          if constexpr (kToDense) *dense = m[e * s[3]];
          else m[e * s[3]] = *dense;
        }
      }
}

}  // namespace

bool DnnlConv::blocked(const ConvMatch& m) {
  return std::min(m.kind == ConvMatch::Kind::BACKWARD_WEIGHTS ? m.B : m.C, m.O) >= 8;
}

DnnlConv::DnnlConv(dnnl::engine& engine, const ConvMatch& m) : Primitive(m.out), m_(m) {
  // The window's tensor: its real rows (after the zero rows it is padded by in place), and the
  // padding each side the primitive adds (conv_match.hpp). Rows the window never reaches are
  // left out rather than padded negatively.
  int64_t extent[2], lo[2], hi[2];
  for (int i = 0; i < 2; ++i) {
    const int64_t taps = ((i ? m.T : m.R) - 1) * m.v[i], positions = i ? m.Q : m.P;
    extent[i] = m.extent[i];
    if (m.kind == ConvMatch::Kind::BACKWARD_DATA) {
      lo[i] = taps - m.pad[i];
      hi[i] = extent[i] - positions - lo[i] + taps;
    } else {
      lo[i] = m.pad[i];
      hi[i] = m.reach(i) - extent[i] - lo[i];
      if (hi[i] < 0) extent[i] += hi[i], hi[i] = 0;
    }
    if (lo[i] < 0 || hi[i] < 0 || extent[i] <= 0)
      throw Failure(TG_ERR_UNSUPPORTED, "the window's padding does not fit a oneDNN convolution");
  }
  pad_l_ = {lo[0], lo[1]};
  pad_r_ = {hi[0], hi[1]};
  const int64_t H = extent[0], W = extent[1];
  win_offset_ = m.win_offset + m.pad[0] * m.sh + m.pad[1] * m.sw;
  const int64_t* o = m.out.strides;
  const int64_t* k = m.ker;
  ker_offset_ = m.ker_offset;
  if (m.kind == ConvMatch::Kind::FORWARD) {
    set(win_, DNNL_ARG_SRC, true, {m.B, m.C, H, W}, {m.sb, m.sc, m.sh, m.sw});
    set(ker_, DNNL_ARG_WEIGHTS, true, {m.O, m.C, m.R, m.T}, {k[0], k[1], k[2], k[3]});
    set(out_op_, DNNL_ARG_DST, false, {m.B, m.O, m.P, m.Q}, {o[0], o[1], o[2], o[3]});
  } else if (m.kind == ConvMatch::Kind::BACKWARD_DATA) {
    // The window's tensor is the output gradient (N = B, channels C, H, W); the kernel, read
    // forwards, the weights (C out, O in, R, T); the program's output the input gradient.
    set(win_, DNNL_ARG_DIFF_DST, true, {m.B, m.C, H, W}, {m.sb, m.sc, m.sh, m.sw});
    set(ker_, DNNL_ARG_WEIGHTS, true, {m.C, m.O, m.R, m.T}, {k[1], k[0], -k[2], -k[3]});
    set(out_op_, DNNL_ARG_DIFF_SRC, false, {m.B, m.O, m.P, m.Q}, {o[0], o[1], o[2], o[3]});
    ker_offset_ += (m.R - 1) * k[2] + (m.T - 1) * k[3];
  } else {
    // The input is (N = C, IC = B, H, W); the output gradient (N = C, O, R, T); the weight
    // gradient (O, IC = B, P, Q). R, T step by the convolution's stride, P, Q by its dilation.
    set(win_, DNNL_ARG_SRC, true, {m.C, m.B, H, W}, {m.sc, m.sb, m.sh, m.sw});
    set(ker_, DNNL_ARG_DIFF_DST, true, {m.C, m.O, m.R, m.T}, {k[1], k[0], k[2], k[3]});
    set(out_op_, DNNL_ARG_DIFF_WEIGHTS, false, {m.O, m.B, m.P, m.Q}, {o[1], o[0], o[2], o[3]});
  }
  const bool blocked = DnnlConv::blocked(m);
  // In place where oneDNN can; if it cannot describe that layout (overlapping windows read as
  // one tensor) or has only its reference implementation for it, every operand through a dense
  // copy (a pass over memory; the reference convolution is 100-1000x slower than the others).
  std::string why;
  for (bool all_dense : {false, true}) {
    try {
      if (build(engine, all_dense, blocked)) return;
      why = "oneDNN has only its reference convolution for this shape (" + impl_ + ")";
    } catch (const dnnl::error& e) {
      why = std::string("oneDNN has no convolution for this shape: ") + e.what();
    }
  }
  throw Failure(TG_ERR_UNSUPPORTED, why);
}

bool DnnlConv::build(dnnl::engine& engine, bool all_dense, bool blocked) {
  const auto src = describe(win_, all_dense), ker = describe(ker_, all_dense), out = describe(out_op_, all_dense);
  auto any = [&](const Operand& o) {
    return blocked ? dnnl::memory::desc(dnnl::memory::dims(o.dims, o.dims + 4), dnnl::memory::data_type::f32,
                                        dnnl::memory::format_tag::any)
                   : o.user.get_desc();
  };
  win_.user = dnnl::memory(src, engine, DNNL_MEMORY_NONE);
  ker_.user = dnnl::memory(ker, engine, DNNL_MEMORY_NONE);
  out_op_.user = dnnl::memory(out, engine, DNNL_MEMORY_NONE);
  const bool wgrad = m_.kind == ConvMatch::Kind::BACKWARD_WEIGHTS;
  // Forward and input gradient: stride u, dilation v (oneDNN counts dilation from 0); weight
  // gradient: the reverse. The padding each side is the constructor's.
  const dnnl::memory::dims strides = wgrad ? dnnl::memory::dims{m_.v[0], m_.v[1]} : dnnl::memory::dims{m_.u[0], m_.u[1]};
  const dnnl::memory::dims dilates = wgrad ? dnnl::memory::dims{m_.u[0] - 1, m_.u[1] - 1}
                                           : dnnl::memory::dims{m_.v[0] - 1, m_.v[1] - 1};
  const auto direct = dnnl::algorithm::convolution_direct;
  // The forward convolution of (src, weights, dst): the primitive itself, or the hint oneDNN
  // builds a backward one from.
  auto forward = [&](dnnl::prop_kind kind, const Operand& src, const Operand& weights, const Operand& dst) {
    return dnnl::convolution_forward::primitive_desc(
        dnnl::convolution_forward::desc(kind, direct, any(src), any(weights), any(dst), strides, dilates, pad_l_, pad_r_), engine);
  };
  dnnl::memory::desc inner[3];  // the primitive's layouts of win_, ker_, out_op_
  if (m_.kind == ConvMatch::Kind::BACKWARD_DATA) {
    dnnl::convolution_backward_data::primitive_desc pd(
        dnnl::convolution_backward_data::desc(direct, any(out_op_), any(ker_), any(win_), strides, dilates, pad_l_, pad_r_),
        engine, forward(dnnl::prop_kind::forward_training, out_op_, ker_, win_));
    prim_ = dnnl::convolution_backward_data(pd);
    impl_ = pd.impl_info_str(), inner[0] = pd.diff_dst_desc(), inner[1] = pd.weights_desc(), inner[2] = pd.diff_src_desc();
  } else if (wgrad) {
    dnnl::convolution_backward_weights::primitive_desc pd(
        dnnl::convolution_backward_weights::desc(direct, any(win_), any(out_op_), any(ker_), strides, dilates, pad_l_, pad_r_),
        engine, forward(dnnl::prop_kind::forward_training, win_, out_op_, ker_));
    prim_ = dnnl::convolution_backward_weights(pd);
    impl_ = pd.impl_info_str(), inner[0] = pd.src_desc(), inner[1] = pd.diff_dst_desc(), inner[2] = pd.diff_weights_desc();
  } else {
    auto pd = forward(dnnl::prop_kind::forward_inference, win_, ker_, out_op_);
    prim_ = dnnl::convolution_forward(pd);
    impl_ = pd.impl_info_str(), inner[0] = pd.src_desc(), inner[1] = pd.weights_desc(), inner[2] = pd.dst_desc();
  }
  scratch_bytes_ = 0;
  Operand* ops[3] = {&win_, &ker_, &out_op_};
  for (int i = 0; i < 3; ++i) {
    Operand& o = *ops[i];
    o.reordered = inner[i] != o.user.get_desc();
    if (!o.reordered) continue;
    o.inner = dnnl::memory(inner[i], engine, DNNL_MEMORY_NONE);
    o.reorder = o.input ? dnnl::reorder(o.user, o.inner) : dnnl::reorder(o.inner, o.user);
    o.scratch_offset = scratch_bytes_;
    scratch_bytes_ += (inner[i].get_size() + 63) / 64 * 64;
  }
  return impl_.rfind("ref", 0) != 0;
}

void DnnlConv::run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) {
  float* mem[3] = {reinterpret_cast<float*>(base[m_.win_param]) + win_offset_,
                   reinterpret_cast<float*>(base[m_.ker_param]) + ker_offset_, reinterpret_cast<float*>(output(base, temp))};
  Operand* ops[3] = {&win_, &ker_, &out_op_};
  try {
    std::unordered_map<int, dnnl::memory> args;
    for (int i = 0; i < 3; ++i) {
      Operand& o = *ops[i];
      if (o.copy && o.input) copy<true>(o, mem[i]);
      o.user.set_data_handle(o.copy ? o.dense.data() : mem[i]);
      if (o.reordered) {
        o.inner.set_data_handle(scratch + o.scratch_offset);
        if (o.input) o.reorder.execute(stream, o.user, o.inner);
      }
      args[o.arg] = o.reordered ? o.inner : o.user;
    }
    prim_.execute(stream, args);
    if (out_op_.reordered) out_op_.reorder.execute(stream, out_op_.inner, out_op_.user);
    stream.wait();
    if (out_op_.copy) copy<false>(out_op_, mem[2]);
  } catch (const dnnl::error& e) {
    throw_dnnl("convolution", e);
  }
}

}  // namespace tg::onednn
