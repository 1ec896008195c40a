// tinygrad test_ops.py, from test_sd_big_conv to test_interpolate_trilinear_corners_aligned: conv2d,
// conv_transpose2d and conv1d in their forms, max_pool2d and avg_pool2d, interpolate.
//
// tinygrad's checks that a padding of 3 numbers is refused have no C++ form: tg's IntPair
// takes one number or two, so the compiler refuses it.
#include <cmath>

#include "harness.hpp"

using namespace tgops;
using tg::DType;
using tg::IntPair;

namespace {
const char* const kConv = "lambda x,w: torch.nn.functional.conv2d(x,w)";
auto conv = [](T x, T w) { return x.conv2d(w); };
std::string py_pair(IntPair p) { return "(" + std::to_string(p.h) + "," + std::to_string(p.w) + ")"; }
}  // namespace

TG_OPS_TEST(large_bs_conv) { op({{4096, 3, 3, 3}, {1, 3, 3, 3}}, kConv, conv, O().atol(1e-3)); }
TG_OPS_TEST(large_ic_conv) { op({{1, 2048, 3, 3}, {1, 2048, 3, 3}}, kConv, conv); }

TG_OPS_TEST(biased_conv2d) {
  op({{1, 8, 5, 5}, {8, 8, 1, 1}, {8}},
     "lambda x,w,b: torch.nn.functional.conv2d(torch.nn.functional.conv2d(x,w,b).relu(),w,b)",
     [](T x, T w, T b) { return x.conv2d(w, b).relu().conv2d(w, b); });
}
TG_OPS_TEST(simple_conv2d) { op({{1, 4, 9, 9}, {4, 4, 3, 3}}, kConv, conv, O().grad_rtol(1e-5)); }
TG_OPS_TEST(simple_conv2d_bias) {
  op({{1, 4, 9, 9}, {4, 4, 3, 3}, {4}}, "lambda x,w,b: torch.nn.functional.conv2d(x,w,b)",
     [](T x, T w, T b) { return x.conv2d(w, b); }, O().grad_rtol(1e-5));
}
TG_OPS_TEST(simple_conv2d_m4) { op({{1, 16, 9, 9}, {16, 16, 3, 3}}, kConv, conv, O().atol(1e-5).grad_rtol(1e-5)); }
TG_OPS_TEST(simple_conv2d_1x1) { op({{1, 4, 9, 9}, {4, 4, 1, 1}}, kConv, conv, O().grad_rtol(1e-5)); }
TG_OPS_TEST(simple_conv2d_1x1_m4) { op({{1, 16, 32, 32}, {16, 16, 1, 1}}, kConv, conv, O().grad_rtol(1e-5)); }
TG_OPS_TEST(nested_conv2d) {
  op({{1, 32, 9, 9}, {32, 32, 3, 3}, {32, 32, 3, 3}},
     "lambda x,w1,w2: torch.nn.functional.conv2d(torch.nn.functional.conv2d(x,w1).relu(), w2)",
     [](T x, T w1, T w2) { return x.conv2d(w1).relu().conv2d(w2); });
}
TG_OPS_TEST(simple_conv2d_nhwc) {
  op({{2, 9, 9, 10}, {3, 3, 10, 20}},
     "lambda x,w: torch.nn.functional.conv2d(x.permute(0,3,1,2),w.permute(3,2,0,1))",
     [](T x, T w) { return x.permute({0, 3, 1, 2}).conv2d(w.permute({3, 2, 0, 1})); }, O().atol(1e-5).grad_rtol(1e-5));
}
TG_OPS_TEST(simple_conv2d_batched) { op({{2, 4, 9, 9}, {4, 4, 3, 3}}, kConv, conv, O().grad_rtol(1e-5)); }

namespace {
std::string tconv_src(const std::string& args) {
  return "lambda x,w: torch.nn.functional.conv_transpose2d(x,w" + args + ")";
}
}  // namespace

TG_OPS_TEST(simple_conv_transpose2d) {
  op({{2, 4, 9, 9}, {4, 4, 3, 3}}, tconv_src(""), [](T x, T w) { return x.conv_transpose2d(w); }, O().grad_rtol(1e-5));
}
TG_OPS_TEST(bias_conv_transpose2d) {
  op({{2, 4, 9, 9}, {4, 4, 3, 3}, {4}}, "lambda x,w,b: torch.nn.functional.conv_transpose2d(x,w,b)",
     [](T x, T w, T b) { return x.conv_transpose2d(w, b); }, O().grad_rtol(1e-5));
}
TG_OPS_TEST(grouped_conv_transpose2d) {
  op({{2, 4, 9, 9}, {4, 4, 3, 3}}, tconv_src(",groups=2"),
     [](T x, T w) { return x.conv_transpose2d(w, std::nullopt, 1, 0, 0, 2); }, O().grad_rtol(1e-5));
}
// tinygrad's check that a padding of 3 numbers is refused has no C++ form (IntPair: 1 or 2).
TG_OPS_TEST(padded_conv_transpose2d) {
  for (IntPair p : {IntPair(1, 2), IntPair(2, 1), IntPair(2), IntPair(1), IntPair(0)})
    op({{2, 4, 9, 9}, {4, 4, 3, 3}}, tconv_src(",padding=" + py_pair(p)),
       [p](T x, T w) { return x.conv_transpose2d(w, std::nullopt, 1, p); }, O().grad_rtol(1e-5));
}
TG_OPS_TEST(dilated_conv_transpose2d) {
  for (IntPair d : {IntPair(1, 2), IntPair(2, 1), IntPair(2), IntPair(1)})
    op({{2, 4, 9, 9}, {4, 4, 3, 3}}, tconv_src(",dilation=" + py_pair(d)),
       [d](T x, T w) { return x.conv_transpose2d(w, std::nullopt, 1, 0, 0, 1, d); }, O().grad_rtol(1e-5));
}
TG_OPS_TEST(strided_conv_transpose2d) {
  for (IntPair s : {IntPair(2, 1), IntPair(1, 2), IntPair(1)})
    op({{2, 4, 4, 5}, {4, 4, 3, 3}}, tconv_src(", stride=" + py_pair(s)),
       [s](T x, T w) { return x.conv_transpose2d(w, std::nullopt, s); }, O().atol(1e-5).grad_rtol(1e-5));
}
TG_OPS_TEST(output_padded_conv_transpose2d) {
  for (auto [op_, s] : std::vector<std::pair<IntPair, IntPair>>{{IntPair(1, 1), IntPair(2, 3)}, {IntPair(2, 1), IntPair(3, 2)}})
    op({{2, 4, 6, 5}, {4, 4, 3, 3}, {4}},
       "lambda x,w,b: torch.nn.functional.conv_transpose2d(x,w,b,output_padding=" + py_pair(op_) + ",stride=" + py_pair(s) + ")",
       [op_ = op_, s = s](T x, T w, T b) { return x.conv_transpose2d(w, b, s, 0, op_); }, O().grad_rtol(1e-5));
}
// tinygrad runs its conv1d tests through conv2d on 3-D tensors; tg's form is conv1d.
TG_OPS_TEST(conv1d) {
  for (int64_t bs : {1, 8})
    for (int64_t cin : {1, 3})
      for (int64_t H : {1, 2, 5})
        for (int64_t g : (cin == 3 && H == 5) ? std::vector<int64_t>{1, 3} : std::vector<int64_t>{1})
          op({{bs, cin, 11}, {6, cin / g, H}}, "lambda x,w: torch.nn.functional.conv1d(x,w,groups=" + std::to_string(g) + ")",
             [g](T x, T w) { return x.conv1d(w, std::nullopt, 1, 0, 1, g); }, O().grad_rtol(1e-5));
}
TG_OPS_TEST(simple_padding_conv1d) {
  op({{6, 2, 11}, {6, 2, 5}}, "lambda x,w: torch.nn.functional.conv1d(torch.nn.functional.pad(x, (1,1)),w)",
     [](T x, T w) { return x.conv1d(w, std::nullopt, 1, 1); });
}
TG_OPS_TEST(strided_conv1d_simple) {
  op({{2, 1, 5}, {1, 1, 3}}, "lambda x,w: torch.nn.functional.conv1d(x,w,stride=2)",
     [](T x, T w) { return x.conv1d(w, std::nullopt, 2); });
}

namespace {
// tinygrad's _test_conv2d.
void conv2d_sweep(int64_t bs, int64_t cin, int64_t cout) {
  for (int64_t H : {2, 3})
    for (int64_t W : {1, 3, 5}) {
      std::vector<int64_t> groups_list{1};
      if (cin == 3 && cout == 6 && H == 3 && W == 3) groups_list.push_back(3);
      for (int64_t g : groups_list)
        op({{bs, cin, 5, 7}, {cout, cin / g, H, W}},
           "lambda x,w: torch.nn.functional.conv2d(x,w,groups=" + std::to_string(g) + ")",
           [g](T x, T w) { return x.conv2d(w, std::nullopt, 1, 0, 1, g); }, O().grad_rtol(1e-5));
    }
}
}  // namespace

TG_OPS_TEST(conv2d) { conv2d_sweep(1, 3, 6); }
TG_OPS_TEST(conv2d_bs_4_cin_3) { conv2d_sweep(4, 3, 2); }
TG_OPS_TEST(conv2d_bs_1_cin_1) { conv2d_sweep(1, 1, 6); }
TG_OPS_TEST(conv2d_bs_4_cin_1) { conv2d_sweep(4, 1, 6); }

TG_OPS_TEST(conv2d_errors) {
  // kernel size cannot be larger than input size
  raises({{1, 1, 6, 7}, {6, 1, 3, 3}}, "lambda x,w:torch.nn.functional.conv2d(x,w,dilation=3)",
         [](T x, T w) { return x.conv2d(w, std::nullopt, 1, 0, 3); }, "RuntimeError");
  raises({{2, 16, 2, 2}, {32, 16, 3, 3}}, kConv, conv, "RuntimeError");
}

TG_OPS_TEST(large_input_conv2d) {
  op({{4, 16, 64, 64}, {6, 16, 5, 2}}, "lambda x,w: torch.nn.functional.conv2d(x,w,groups=1)", conv,
     O().atol(1e-4).grad_atol(3e-4).grad_rtol(1e-4));
}

namespace {
void grouped(int64_t bs, int64_t groups, int64_t rcout, int64_t cin, int64_t h, int64_t w, int64_t k) {
  op({{bs, groups * cin, h, w}, {groups * rcout, cin, k, k}},
     "lambda x,w: torch.nn.functional.conv2d(x,w,groups=" + std::to_string(groups) + ")",
     [groups](T x, T wt) { return x.conv2d(wt, std::nullopt, 1, 0, 1, groups); }, O().grad_rtol(1e-5));
}
}  // namespace

TG_OPS_TEST(simple_grouped_conv2d) { grouped(1, 2, 1, 2, 1, 1, 1); }
TG_OPS_TEST(medium_grouped_conv2d) { grouped(1, 2, 2, 2, 1, 1, 1); }
TG_OPS_TEST(depthwise_conv2d) { grouped(1, 32, 1, 1, 32, 32, 1); }
TG_OPS_TEST(grouped_conv2d) { grouped(4, 5, 7, 3, 5, 5, 3); }
TG_OPS_TEST(fancy_conv2d) {
  op({{2, 3, 11, 28}, {3, 1, 3, 3}}, "lambda x,w: torch.nn.functional.conv2d(x,w,groups=3)",
     [](T x, T w) { return x.conv2d(w, std::nullopt, 1, 0, 1, 3); }, O().grad_rtol(1e-5));
}
TG_OPS_TEST(strided_conv2d_simple) {
  op({{2, 1, 5, 1}, {1, 1, 3, 1}}, "lambda x,w: torch.nn.functional.conv2d(x,w,stride=2)",
     [](T x, T w) { return x.conv2d(w, std::nullopt, 2); });
}
// tinygrad runs test_strided_conv2d_simple again with its LLVM renderer's DEVECTORIZE=0.
TG_OPS_TEST(strided_conv2d_simple_vec) {
  op({{2, 1, 5, 1}, {1, 1, 3, 1}}, "lambda x,w: torch.nn.functional.conv2d(x,w,stride=2)",
     [](T x, T w) { return x.conv2d(w, std::nullopt, 2); });
}
TG_OPS_TEST(strided_conv2d) {
  op({{4, 3, 11, 28}, {4, 3, 3, 3}}, "lambda x,w: torch.nn.functional.conv2d(x,w,stride=2)",
     [](T x, T w) { return x.conv2d(w, std::nullopt, 2); });
  op({{4, 3, 11, 28}, {4, 3, 3, 3}}, "lambda x,w: torch.nn.functional.conv2d(x,w,stride=(2,1))",
     [](T x, T w) { return x.conv2d(w, std::nullopt, IntPair(2, 1)); });
}

// tinygrad's padding=(1,1,1,1) (left, right, top, bottom) is tg's padding=1.
TG_OPS_TEST(simple_padding_conv2d) {
  op({}, "lambda x,w: torch.nn.functional.conv2d(torch.nn.functional.pad(x, (1,1,1,1)),w)",
     [](T x, T w) { return x.conv2d(w, std::nullopt, 1, 1); }, V("[[[[[2.,3.]]]], [[[[1.]]]]]"));
}

namespace {
void padded(int64_t bs, int64_t k, IntPair p) {
  op({{bs, 3, 11, 28}, {4, 3, k, k}}, "lambda x,w: torch.nn.functional.conv2d(x,w,padding=" + py_pair(p) + ")",
     [p](T x, T w) { return x.conv2d(w, std::nullopt, 1, p); });
}
}  // namespace

TG_OPS_TEST(padded_conv2d_p21) { padded(4, 3, IntPair(2, 1)); }
TG_OPS_TEST(padded_conv2d_p22) { padded(4, 3, IntPair(2, 2)); }
TG_OPS_TEST(padded_conv2d_1x1) { padded(4, 1, 2); }
TG_OPS_TEST(padded_conv2d_bs1) { padded(1, 3, 1); }

TG_OPS_TEST(padding_add) {
  op({{64, 64}, {60, 60}}, "lambda x,w: x+torch.nn.functional.pad(w, (2,2,2,2))",
     [](T x, T w) { return x + w.pad({{2, 2}, {2, 2}}); });
}

TG_OPS_TEST(dilated_conv2d) {
  for (IntPair d : {IntPair(2), IntPair(2, 1)})
    op({{4, 3, 11, 28}, {4, 3, 3, 3}}, "lambda x,w: torch.nn.functional.conv2d(x,w,dilation=" + py_pair(d) + ")",
       [d](T x, T w) { return x.conv2d(w, std::nullopt, 1, 0, d); });
}

namespace {
std::string max_pool_src(const std::string& args) {
  return "lambda x: torch.nn.functional.max_pool2d(x, " + args + ")";
}
}  // namespace

TG_OPS_TEST(max_pool2d_simple) {
  op({{1, 1, 2, 3}}, max_pool_src("kernel_size=(2,2)"), [](T x) { return x.max_pool2d(2); });
}
TG_OPS_TEST(max_pool2d) {
  for (IntPair k : {IntPair(2), IntPair(3, 3), IntPair(3, 2), IntPair(5, 5), IntPair(5, 1)})
    op({{32, 2, 11, 28}}, max_pool_src("kernel_size=" + py_pair(k)), [k](T x) { return x.max_pool2d(k); });
}
TG_OPS_TEST(max_pool2d_padding) {
  for (IntPair k : {IntPair(3, 3), IntPair(2), IntPair(3, 2)})
    for (IntPair p : {IntPair(1), IntPair(1, 0), IntPair(0, 1)})
      op({{4, 2, 11, 28}}, max_pool_src("kernel_size=" + py_pair(k) + ", padding=" + py_pair(p)),
         [k, p](T x) { return x.max_pool2d(k, std::nullopt, p); });
}
TG_OPS_TEST(max_pool2d_padding_int) {
  // PyTorch 1.13 has no int max_pool2d: the int values pooled as float (exact), then int again.
  op({{4, 2, 11, 28}}, "lambda x: torch.nn.functional.max_pool2d(x.int().float(), kernel_size=(2,2), padding=1).int()",
     [](T x) { return x.cast(DType::int32).max_pool2d(2, std::nullopt, 1); }, O().forward_only());
}
TG_OPS_TEST(max_pool2d_bigger_stride) {
  for (IntPair s : {IntPair(2, 3), IntPair(3, 2), IntPair(2), IntPair(3)})
    op({{4, 2, 11, 28}}, max_pool_src("kernel_size=(2,2), stride=" + py_pair(s)),
       [s](T x) { return x.max_pool2d(2, s); });
}
TG_OPS_TEST(max_pool2d_bigger_stride_dilation) {
  const std::vector<std::pair<IntPair, IntPair>> sd = {{IntPair(2, 3), IntPair(3, 2)}, {IntPair(3, 2), IntPair(2, 3)},
                                                       {IntPair(2), IntPair(2)},       {IntPair(3), IntPair(3)},
                                                       {IntPair(4), IntPair(6)}};
  for (const auto& [s, d] : sd)
    op({{4, 2, 11, 28}}, max_pool_src("kernel_size=(2,2), stride=" + py_pair(s) + ", dilation=" + py_pair(d)),
       [s = s, d = d](T x) { return x.max_pool2d(2, s, 0, d); });
}
TG_OPS_TEST(max_pool2d_unit_stride) {
  op({{3, 2, 17, 14}}, max_pool_src("kernel_size=(5,5), stride=1"), [](T x) { return x.max_pool2d(5, IntPair(1)); });
}
TG_OPS_TEST(max_pool2d_smaller_stride) {
  for (IntPair s : {IntPair(2, 3), IntPair(3, 2), IntPair(2), IntPair(3)})
    op({{3, 2, 17, 14}}, max_pool_src("kernel_size=(5,5), stride=" + py_pair(s)),
       [s](T x) { return x.max_pool2d(5, s); });
}
TG_OPS_TEST(max_pool2d_dilation) {
  for (IntPair d : {IntPair(2, 3), IntPair(3, 2), IntPair(2), IntPair(3)})
    op({{3, 2, 17, 14}}, max_pool_src("kernel_size=(5,5), dilation=" + py_pair(d)),
       [d](T x) { return x.max_pool2d(5, std::nullopt, 0, d); });
}

TG_OPS_TEST(max_pool2d_ceil_mode) {
  for (IntPair k : {IntPair(3, 3), IntPair(3, 2), IntPair(4)})
    op({{1, 1, 6, 6}}, max_pool_src("kernel_size=" + py_pair(k) + ", padding=1, stride=3, ceil_mode=True"),
       [k](T x) { return x.max_pool2d(k, IntPair(3), 1, 1, true); });
}
TG_OPS_TEST(max_pool2d_ceil_mode_output_size_reduce_by_one) {
  op({{1, 1, 5, 5}}, max_pool_src("kernel_size=(3,3), stride=3, padding=1, ceil_mode=True"),
     [](T x) { return x.max_pool2d(3, IntPair(3), 1, 1, true); });
}

namespace {
std::string avg_pool_src(const std::string& args) {
  return "lambda x: torch.nn.functional.avg_pool2d(x, " + args + ")";
}
}  // namespace

TG_OPS_TEST(avg_pool2d) {
  for (IntPair k : {IntPair(2), IntPair(3, 3), IntPair(3, 2), IntPair(5, 5), IntPair(5, 1)})
    op({{32, 2, 11, 28}}, avg_pool_src("kernel_size=" + py_pair(k)), [k](T x) { return x.avg_pool2d(k); },
       O().rtol(1e-5));
  // regression test for https://github.com/tinygrad/tinygrad/pull/7581
  op({{1, 1, 8, 8}}, avg_pool_src("kernel_size=(1,2), padding=(0,1), stride=(5,1)"),
     [](T x) { return x.avg_pool2d(IntPair(1, 2), IntPair(5, 1), IntPair(0, 1)); }, O().rtol(1e-5));
}
TG_OPS_TEST(avg_pool2d_padding) {
  for (IntPair k : {IntPair(2), IntPair(3, 3), IntPair(3, 2)})
    for (IntPair p : {IntPair(1), IntPair(1, 0), IntPair(0, 1)})
      op({{32, 2, 11, 28}}, avg_pool_src("kernel_size=" + py_pair(k) + ", padding=" + py_pair(p)),
         [k, p](T x) { return x.avg_pool2d(k, std::nullopt, p); }, O().rtol(1e-5));
}
// tinygrad's cases here all use padding=1 (its asymmetric paddings are only in the subtest names).
TG_OPS_TEST(avg_pool2d_asymmetric_padding) {
  for (int i = 0; i < 3; ++i)
    op({{32, 2, 11, 28}}, avg_pool_src("kernel_size=(5,5), padding=1"),
       [](T x) { return x.avg_pool2d(5, std::nullopt, 1); }, O().rtol(1e-5));
}
TG_OPS_TEST(avg_pool2d_padding_not_counted) {
  for (IntPair k : {IntPair(3, 3), IntPair(2), IntPair(3, 2)})
    op({{32, 2, 11, 28}}, avg_pool_src("kernel_size=" + py_pair(k) + ", padding=1, count_include_pad=False"),
       [k](T x) { return x.avg_pool2d(k, std::nullopt, 1, false); }, O().rtol(1e-5));
}
TG_OPS_TEST(avg_pool2d_ceil_mode) {
  for (IntPair k : {IntPair(3, 3), IntPair(3, 2), IntPair(4)})
    op({{1, 1, 6, 6}}, avg_pool_src("kernel_size=" + py_pair(k) + ", padding=1, stride=3, ceil_mode=True"),
       [k](T x) { return x.avg_pool2d(k, IntPair(3), 1, true, true); }, O().rtol(1e-5));
}
TG_OPS_TEST(avg_pool2d_ceil_mode_padding_not_counted) {
  for (IntPair k : {IntPair(3, 3), IntPair(3, 2), IntPair(4)})
    op({{1, 1, 6, 6}},
       avg_pool_src("kernel_size=" + py_pair(k) + ", padding=1, stride=3, ceil_mode=True, count_include_pad=False"),
       [k](T x) { return x.avg_pool2d(k, IntPair(3), 1, false, true); }, O().rtol(1e-5));
}
TG_OPS_TEST(avg_pool2d_ceil_mode_output_size_reduce_by_one) {
  op({{1, 1, 5, 5}}, avg_pool_src("kernel_size=(3,3), stride=3, padding=1, ceil_mode=True"),
     [](T x) { return x.avg_pool2d(3, IntPair(3), 1, true, true); });
}
TG_OPS_TEST(avg_pool2d_ceil_mode_include_pad_output_size_reduce_by_one) {
  op({{1, 1, 5, 5}}, avg_pool_src("kernel_size=(3,3), stride=3, padding=1, ceil_mode=True, count_include_pad=True"),
     [](T x) { return x.avg_pool2d(3, IntPair(3), 1, true, true); });
}
TG_OPS_TEST(global_avg_pool2d) {
  op({{32, 2, 11, 28}}, avg_pool_src("kernel_size=(11,28)"), [](T x) { return x.avg_pool2d(IntPair(11, 28)); },
     O().rtol(1e-5));
}

namespace {
std::string interp_src(const std::string& args) { return "lambda x: torch.nn.functional.interpolate(x, " + args + ")"; }
std::string py_size(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (int64_t d : v) s += std::to_string(d) + ",";
  return s + ")";
}
using Sizes = std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>>;
void interp_cases(const Sizes& sizes, const std::string& torch_mode, const std::string& tg_mode, bool corners,
                  const O& o = O()) {
  for (const auto& [in, out] : sizes) {
    std::vector<int64_t> shape = {2, 3};
    shape.insert(shape.end(), in.begin(), in.end());
    op({shape}, interp_src("size=" + py_size(out) + ", mode='" + torch_mode + "'" + (corners ? ", align_corners=True" : "")),
       [out = out, tg_mode, corners](T x) { return x.interpolate(out, tg_mode, corners); }, o);
  }
}
}  // namespace

TG_OPS_TEST(interpolate_linear) { interp_cases({{{52}, {29}}, {{29}, {52}}}, "linear", "linear", false); }
TG_OPS_TEST(interpolate_linear_corners_aligned) { interp_cases({{{52}, {29}}, {{29}, {52}}}, "linear", "linear", true); }
TG_OPS_TEST(interpolate_nearest) {
  interp_cases({{{13}, {9}}, {{9}, {13}}, {{13, 10}, {9, 11}}, {{13, 9}, {11, 10}}, {{9, 11}, {10, 13}}, {{5, 2, 8}, {3, 6, 4}}},
               "nearest", "nearest", false);
}
TG_OPS_TEST(interpolate_nearest_exact) {
  interp_cases({{{13}, {9}}, {{9}, {13}}, {{13, 10}, {9, 11}}, {{13, 9}, {11, 10}}, {{9, 11}, {10, 13}}, {{5, 2, 8}, {3, 6, 4}}},
               "nearest-exact", "nearest-exact", false);
}
TG_OPS_TEST(interpolate_bilinear) {
  interp_cases({{{12, 20}, {9, 31}}, {{12, 9}, {31, 20}}, {{9, 31}, {20, 12}}}, "bilinear", "linear", false, O().atol(1e-4));
}
TG_OPS_TEST(interpolate_bilinear_corners_aligned) {
  interp_cases({{{12, 20}, {9, 31}}, {{12, 9}, {31, 20}}, {{9, 31}, {20, 12}}}, "bilinear", "linear", true, O().atol(1e-4));
}
TG_OPS_TEST(interpolate_trilinear) { interp_cases({{{5, 2, 8}, {3, 6, 4}}}, "trilinear", "linear", false, O().atol(1e-4)); }
TG_OPS_TEST(interpolate_trilinear_corners_aligned) {
  interp_cases({{{5, 2, 8}, {3, 6, 4}}}, "trilinear", "linear", true, O().atol(1e-4));
}
