// tinygrad test_ops.py, from test_tanh to test_expand: tanh, broadcasting, slicing, pad,
// transpose/permute/reshape/view, flip, squeeze, flatten, expand.
//
// Python indexing is written with tg's own movement ops where the test is about them: x[a:b] on
// dim d is x.slice(d, a, b), a leading integer index is x[i], an integer index on a later dim d
// is sel(x, d, i) (narrow, then drop the dim). Tests of None, Ellipsis, tensor indices, negative
// steps and index errors use x.index({...}) (tg::Slice, tg::None, tg::Ellipsis).
#include <cmath>

#include "harness.hpp"

using namespace tgops;
using tg::DType;
using tg::Ellipsis;
using tg::None;
using tg::Slice;

namespace {
Tensor sel(T x, int64_t dim, int64_t i) {
  if (i < 0) i += x.size(dim);
  return x.slice(dim, i, i + 1).squeeze(dim);
}
}  // namespace

TG_OPS_TEST(tanh) { op({{45, 65}}, "lambda x: x.tanh()", [](T x) { return x.tanh(); }, O().grad_atol(1e-6)); }
TG_OPS_TEST(tanh_extreme) {
  op({{45, 65}}, "lambda x: x.tanh()", [](T x) { return x.tanh(); }, O().grad_atol(1e-6).low(-300).high(-297));
  op({{45, 65}}, "lambda x: x.tanh()", [](T x) { return x.tanh(); }, O().grad_atol(1e-6).low(300).high(303));
}
TG_OPS_TEST(hardtanh) {
  for (int val = 10; val < 30; val += 5) {
    const std::string src = "lambda x: torch.nn.functional.hardtanh(x, -" + std::to_string(val) + ", " +
                            std::to_string(val) + ")";
    auto f = [val](T x) { return x.hardtanh(-static_cast<float>(val), static_cast<float>(val)); };
    op({{45, 65}}, src, f, O().grad_atol(1e-6));
    op({{}}, src, f, O().grad_atol(1e-6));
  }
}

TG_OPS_TEST(topo_sort) {
  op({{45, 65}}, "lambda x: (x+x)*x", [](T x) { return (x + x) * x; }, O().grad_atol(1e-6));
  op({{}}, "lambda x: (x+x)*x", [](T x) { return (x + x) * x; }, O().grad_atol(1e-6));
}

TG_OPS_TEST(flip_eye_crash) {
  op({}, "lambda: (torch.eye(10)@torch.eye(10).flip(0))", [] { return Tensor::eye(10).matmul(Tensor::eye(10).flip(0)); },
     O().forward_only());
}

namespace {
// add, sub, mul, div and pow over pairs of broadcasting shapes; pow with inputs in [0, 3).
void broadcast_ops(const std::vector<Shapes>& pairs) {
  struct Op {
    const char* torch;
    Tensor (*fn)(T, T);
  };
  const Op ops[] = {{"torch.add", [](T x, T y) { return x.add(y); }},
                    {"torch.sub", [](T x, T y) { return x.sub(y); }},
                    {"torch.mul", [](T x, T y) { return x.mul(y); }},
                    {"torch.div", [](T x, T y) { return x.div(y); }},
                    {"torch.pow", [](T x, T y) { return x.pow(y); }}};
  for (const Op& o : ops)
    for (const Shapes& s : pairs)
      op(s, o.torch, o.fn, std::string(o.torch) == "torch.pow" ? O().low(0).high(3) : O());
}
}  // namespace

TG_OPS_TEST(broadcast_full) { broadcast_ops({{{5, 3, 14, 16}, {5, 1, 14, 1}}, {{1, 3, 1, 7, 1}, {2, 1, 5, 1, 8}}}); }
TG_OPS_TEST(broadcast_simple) {
  op({{45, 65}, {45, 1}}, "lambda x,y: x/y", [](T x, T y) { return x / y; });
  op({{45, 65}, {}}, "lambda x,y: x/y", [](T x, T y) { return x / y; });
}
TG_OPS_TEST(broadcast_partial) {
  broadcast_ops({{{1, 32, 32, 32}, {1, 32, 1, 1}},
                 {{5, 13, 24, 16, 2}, {1, 13, 24, 1, 1}},
                 {{4, 1}, {4, 5}},
                 {{1, 4}, {5, 4}}});
}

TG_OPS_TEST(slice_in_bounds_1dim) {
  op({{3}}, "lambda x: x[1:3]", [](T x) { return x.slice(0, 1, 3); });
  op({{3}}, "lambda x: x[0:2]", [](T x) { return x.slice(0, 0, 2); });
  op({{3}}, "lambda x: x[-2:2]", [](T x) { return x.slice(0, -2, 2); });
}
TG_OPS_TEST(slice_on_0dim_tensor) {
  op({{}}, "lambda x: x[None]", [](T x) { return x.index({None}); });
  tg_only([] { EXPECT_THROW(Tensor(3.14f).index({0}), tg::Error); });
}
TG_OPS_TEST(slice_int_indexing) {
  op({{3}}, "lambda x: x[0]", [](T x) { return x[0]; });
  op({{3}}, "lambda x: x[2]", [](T x) { return x[2]; });
  op({{3}}, "lambda x: x[-1]", [](T x) { return x[-1]; });
  op({{3}}, "lambda x: x[-3]", [](T x) { return x[-3]; });
  op({{10, 10}}, "lambda x: x[1]", [](T x) { return x[1]; });
  op({{3, 3, 3}}, "lambda x: x[1,1,1]", [](T x) { return x[1][1][1]; });
}
TG_OPS_TEST(slice_in_bounds_multidim) {
  op({{3, 3, 3}}, "lambda x: x[1:2]", [](T x) { return x.slice(0, 1, 2); });
  op({{3, 3, 3}}, "lambda x: x[1:2, 2]", [](T x) { return sel(x.slice(0, 1, 2), 1, 2); });
  op({{3, 3, 3}}, "lambda x: x[1:2, 1:2]", [](T x) { return x.slice(0, 1, 2).slice(1, 1, 2); });
  op({{3, 3, 3}}, "lambda x: x[1:2, 1:2, 0:-1]", [](T x) { return x.slice(0, 1, 2).slice(1, 1, 2).slice(2, 0, -1); });
}
TG_OPS_TEST(slice_with_none) {
  op({{3, 3, 3}}, "lambda x: x[None]", [](T x) { return x.index({None}); });
  op({{3, 3, 3}}, "lambda x: x[1:2, None]", [](T x) { return x.index({Slice(1, 2), None}); });
  op({{3, 3, 3}}, "lambda x: x[1:2, None, 1:2]", [](T x) { return x.index({Slice(1, 2), None, Slice(1, 2)}); });
  op({{3, 3, 3}}, "lambda x: x[1:2, 1:2, None, -1]", [](T x) { return x.index({Slice(1, 2), Slice(1, 2), None, -1}); });
  op({{3, 3, 3}}, "lambda x: x[None, None, 1, None, 2, 0:2]",
     [](T x) { return x.index({None, None, 1, None, 2, Slice(0, 2)}); });
}
TG_OPS_TEST(slice_with_const_tensor) {
  auto t = [] { return Tensor::zeros({1}, tg::TensorOptions{DType::int32}); };
  op({{3, 3, 3}}, "lambda x: x[:, [0], :]", [=](T x) { return x.index({Slice(), t(), Slice()}); });
  op({{3, 3, 3}}, "lambda x: x[:, [0], :]", [=](T x) { return x.index({Slice(), t().contiguous(), Slice()}); });
}
TG_OPS_TEST(slice_one_endpoint_out_of_bounds) {
  op({{3, 3, 3}}, "lambda x: x[0:4]", [](T x) { return x.slice(0, 0, 4); });
  op({{3, 3, 3}}, "lambda x: x[-6:4]", [](T x) { return x.slice(0, -6, 4); });
  op({{3, 3, 3}}, "lambda x: x[1:50]", [](T x) { return x.slice(0, 1, 50); });
  op({{3, 3, 3}}, "lambda x: x[1:50, 1:2, -1]", [](T x) { return sel(x.slice(0, 1, 50).slice(1, 1, 2), 2, -1); });
}
TG_OPS_TEST(slice_stride_gt_one) {
  op({{7, 5, 10}}, "lambda x: x[::2, ::3, ::4]",
     [](T x) { return x.slice(0, 0, 7, 2).slice(1, 0, 5, 3).slice(2, 0, 10, 4); });
  op({{7, 5, 10}}, "lambda x: x[1:5:2, ::3, ::4]",
     [](T x) { return x.slice(0, 1, 5, 2).slice(1, 0, 5, 3).slice(2, 0, 10, 4); });
  op({{7, 5, 10}}, "lambda x: x[1:5:2, 3, ::4]", [](T x) { return sel(x.slice(0, 1, 5, 2), 1, 3).slice(1, 0, 10, 4); });
  op({{7, 5, 10}}, "lambda x: x[1:5:2, None, None, 3, None, ::4]",
     [](T x) { return x.index({Slice(1, 5, 2), None, None, 3, None, Slice(None, None, 4)}); });
}
// tinygrad compares with numpy (PyTorch has no negative steps); here PyTorch computes the same
// elements with flip and a positive step, so the gradients are checked too.
TG_OPS_TEST(slice_negative_strides) {
  const Shapes s{{10, 10, 10}};
  op(s, "lambda x: x.flip(0)", [](T x) { return x.index({Slice(None, None, -1)}); });
  op(s, "lambda x: x.flip(0)[::2]", [](T x) { return x.index({Slice(None, None, -2)}); });
  op(s, "lambda x: x[:, 1:3].flip(1)", [](T x) { return x.index({Slice(), Slice(2, 0, -1)}); });
  op(s, "lambda x: x[:, 1:3, 3:4].flip(1)", [](T x) { return x.index({Slice(), Slice(2, 0, -1), Slice(3, 1, -2)}); });
  op(s, "lambda x: x[1:5:3, 1:3, 7:10:2].flip(0).flip(1).flip(2)",
     [](T x) { return x.index({Slice(4, 0, -3), Slice(2, 0, -1), Slice(-1, -5, -2)}); });
  op(s, "lambda x: x[0:0, :, :]", [](T x) { return x.index({Slice(2, 5, -1), Slice(), Slice()}); });
  op(s, "lambda x: x[:, 0:0, :]", [](T x) { return x.index({Slice(), Slice(2, 5, -1), Slice()}); });
  op(s, "lambda x: x[:, :, 0:0]", [](T x) { return x.index({Slice(), Slice(), Slice(2, 5, -1)}); });
}
TG_OPS_TEST(slice_both_endpoints_out_of_bounds) {
  op({{3, 3, 3}}, "lambda x: x[5:10]", [](T x) { return x.slice(0, 5, 10); });
  op({{3, 3, 3}}, "lambda x: x[-15:-7]", [](T x) { return x.slice(0, -15, -7); });
}
TG_OPS_TEST(slice_start_gt_end) {
  op({{3, 3, 3}}, "lambda x: x[-2:2]", [](T x) { return x.slice(0, -2, 2); });
  op({{3, 3, 3}}, "lambda x: x[-2:-5]", [](T x) { return x.slice(0, -2, -5); });
}
TG_OPS_TEST(slice_zero_in_shape) {
  op({{10, 10}}, "lambda x: x[1:1]", [](T x) { return x.slice(0, 1, 1); });
  op({{3, 3, 3}}, "lambda x: x[-2:-5]", [](T x) { return x.slice(0, -2, -5); });
}
// a[:Tensor([3]), 1] (a tensor as a slice bound, TypeError) does not compile in tg: Slice takes ints.
TG_OPS_PLAIN(slice_errors) {
  Tensor a = Tensor::ones({4, 3}), b = Tensor(2);
  EXPECT_THROW(a.index({1, 77, 77, 77}), tg::Error);  // too many
  EXPECT_THROW(a.index({1, 3}), tg::Error);           // out of bounds
  EXPECT_THROW(a.index({1, -4}), tg::Error);
  EXPECT_THROW(a.index({Ellipsis, Ellipsis}), tg::Error);  // a single ellipsis
  EXPECT_THROW(a.index({Slice(None, None, 0), 1}), tg::Error);  // no 0 strides
  EXPECT_THROW(b.index({Slice()}), tg::Error);  // a slice cannot apply to a 0-dim tensor
}
TG_OPS_TEST(slice_ellipsis) {
  const Shapes s{{3, 3, 3, 3}};
  op(s, "lambda x: x[..., 0]", [](T x) { return x.index({Ellipsis, 0}); });
  op(s, "lambda x: x[0, ...]", [](T x) { return x.index({0, Ellipsis}); });
  op(s, "lambda x: x[0, ..., 0]", [](T x) { return x.index({0, Ellipsis, 0}); });
  op(s, "lambda x: x[0:3, ..., 2:3]", [](T x) { return x.index({Slice(0, 3), Ellipsis, Slice(2, 3)}); });
  op(s, "lambda x: x[None, 0:3, ..., 0, None]", [](T x) { return x.index({None, Slice(0, 3), Ellipsis, 0, None}); });
}
TG_OPS_TEST(double_slice) {
  op({{4, 4}}, "lambda x: x[:, 1:2][1:2]", [](T x) { return x.slice(1, 1, 2).slice(0, 1, 2); });
  op({{4, 4}}, "lambda x: x[1:3][1:2]", [](T x) { return x.slice(0, 1, 3).slice(0, 1, 2); });
  op({{4, 4}}, "lambda x: x[:, 1:2][0:1]", [](T x) { return x.slice(1, 1, 2).slice(0, 0, 1); });
  op({{4, 4}}, "lambda x: x[:, 1:2][:, 0:1]", [](T x) { return x.slice(1, 1, 2).slice(1, 0, 1); });
}

// torch's flat (last dim first) padding, written as tg's (before, after) pair per dim.
// torch's flat (last dim first) padding, written as tg's (before, after) pair per dim. tinygrad's
// uneven flat padding (2,0,2) has no counterpart: a pair per dim cannot be uneven.
TG_OPS_TEST(pad) {
  const Shapes s4{{3, 3, 3, 3}}, s2{{3, 3}};
  op(s4, "lambda x: torch.nn.functional.pad(x, (1,2,3,4))",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {3, 4}, {1, 2}}); });
  op(s4, "lambda x: torch.nn.functional.pad(x, (-1,2,-3,4))",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {-3, 4}, {-1, 2}}); });
  op(s4, "lambda x: torch.nn.functional.pad(x, (1,2,3,4), value=5)",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {3, 4}, {1, 2}}, 5); });
  op(s4, "lambda x: torch.nn.functional.pad(x, (-1,2,-3,4), value=5)",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {-3, 4}, {-1, 2}}, 5); });
  op(s4, "lambda x: torch.nn.functional.pad(x, (1,2,3,4), value=math.inf)",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {3, 4}, {1, 2}}, INFINITY); });
  op(s4, "lambda x: torch.nn.functional.pad(x, (-1,2,-3,4), value=-math.inf)",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {-3, 4}, {-1, 2}}, -INFINITY); });
  op(s2, "lambda x: torch.nn.functional.pad(x, (1,2,3,4))", [](T x) { return x.pad({{3, 4}, {1, 2}}); });
  op(s2, "lambda x: torch.nn.functional.pad(x, (-1,2,-3,4))", [](T x) { return x.pad({{-3, 4}, {-1, 2}}); });
  op(s2, "lambda x: torch.nn.functional.pad(x, (1,2,3,4), value=5)", [](T x) { return x.pad({{3, 4}, {1, 2}}, 5); });
  op(s2, "lambda x: torch.nn.functional.pad(x, (0,0,3,4), value=1)", [](T x) { return x.pad({{3, 4}, {0, 0}}, 1); });
  op(s2, "lambda x: torch.nn.functional.pad(x, (0,0,0,0), value=1)", [](T x) { return x.pad({{0, 0}, {0, 0}}, 1); });
  // raise error for too many or too little pads
  raises(s2, "lambda x: torch.nn.functional.pad(x, (0,0,0,0,1,0,3,0))",
         [](T x) { return x.pad({{3, 0}, {1, 0}, {0, 0}, {0, 0}}); }, "RuntimeError");
  // raise error for mode string typo
  raises({{3, 3, 3}}, "lambda x: torch.nn.functional.pad(x, (3,0), mode='typo')",
         [](T x) { return x.pad({{0, 0}, {0, 0}, {3, 0}}, "typo"); }, "NotImplementedError");
  tg_only([] {
    Tensor x = Tensor::ones({3, 3});
    EXPECT_THROW(x.pad({{0, 0}, {0, 1}, {3, 0}}).realize(), tg::Error);
    EXPECT_THROW(x.pad({{0, 1}}).realize(), tg::Error);
  });
}
TG_OPS_TEST(pad_reflect_mode) {
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (0,2,3,2), mode='reflect')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {3, 2}, {0, 2}}, "reflect"); });
  op({{5, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (0,2), mode='reflect')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {0, 2}}, "reflect"); });
  op({{1, 1, 5, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (1,2,3,4,1,2), mode='reflect')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {1, 2}, {3, 4}, {1, 2}}, "reflect"); });
  op({{3, 3, 3, 3}}, "lambda x: torch.nn.functional.pad(x, (-1,2,2,-1), mode='reflect')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {2, -1}, {-1, 2}}, "reflect"); });
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (3,-3,0,-3), mode='reflect')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {0, -3}, {3, -3}}, "reflect"); });
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (3,-5,1,-5), mode='reflect')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {1, -5}, {3, -5}}, "reflect"); });
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (0,0,0,-5), mode='reflect')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {0, -5}, {0, 0}}, "reflect"); });
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (4,4,0,4), mode='reflect')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {0, 4}, {4, 4}}, "reflect"); });
  raises({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (3,5,0,0), mode='reflect')",
         [](T x) { return x.pad({{0, 0}, {0, 0}, {0, 0}, {3, 5}}, "reflect"); },
         "RuntimeError");
}
TG_OPS_TEST(pad_replicate_mode) {
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (0,2,3,2), mode='replicate')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {3, 2}, {0, 2}}, "replicate"); });
  op({{5, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (0,2), mode='replicate')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {0, 2}}, "replicate"); });
  op({{1, 1, 5, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (1,2,3,4,1,2), mode='replicate')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {1, 2}, {3, 4}, {1, 2}}, "replicate"); });
  op({{3, 3, 3, 3}}, "lambda x: torch.nn.functional.pad(x, (-1,2,2,-1), mode='replicate')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {2, -1}, {-1, 2}}, "replicate"); });
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (3,-3,0,-3), mode='replicate')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {0, -3}, {3, -3}}, "replicate"); });
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (3,-5,1,-5), mode='replicate')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {1, -5}, {3, -5}}, "replicate"); });
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (0,0,0,-5), mode='replicate')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {0, -5}, {0, 0}}, "replicate"); });
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (3,11,0,30), mode='replicate')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {0, 30}, {3, 11}}, "replicate"); });
}
TG_OPS_TEST(pad_circular_mode) {
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (0,2,3,2), mode='circular')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {3, 2}, {0, 2}}, "circular"); });
  op({{5, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (0,2), mode='circular')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {0, 2}}, "circular"); });
  op({{1, 1, 5, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (1,2,3,5,1,2), mode='circular')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {1, 2}, {3, 5}, {1, 2}}, "circular"); });
  op({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (1,-2,2,-1), mode='circular')",
     [](T x) { return x.pad({{0, 0}, {0, 0}, {2, -1}, {1, -2}}, "circular"); });
  raises({{1, 1, 5, 5}}, "lambda x: torch.nn.functional.pad(x, (3,6,0,0), mode='circular')",
         [](T x) { return x.pad({{0, 0}, {0, 0}, {0, 0}, {3, 6}}, "circular"); },
         "RuntimeError");
}

TG_OPS_TEST(pad_reshape) {
  op({{1, 2}}, "lambda x: torch.nn.functional.pad(x, (0, 1, 1, 0)).reshape((3, 2))",
     [](T x) { return x.pad({{1, 0}, {0, 1}}).reshape({3, 2}); });
  op({{1, 2}}, "lambda x: torch.nn.functional.pad(x, (0, 2, 1, 1)).reshape((4, 3))",
     [](T x) { return x.pad({{1, 1}, {0, 2}}).reshape({4, 3}); });
  op({{1, 1, 1, 2}}, "lambda x: torch.nn.functional.pad(x, (0, 4, 2, 2, 1, 2, 0, 2)).reshape((4, 3, 6, 5))",
     [](T x) { return x.pad({{0, 2}, {1, 2}, {2, 2}, {0, 4}}).reshape({4, 3, 6, 5}); });
}

TG_OPS_TEST(pad_slice) {
  using Pads = std::vector<std::pair<int64_t, int64_t>>;
  struct C {
    std::vector<int64_t> shape;
    const char* torch_pad;
    Pads pads;
    const char* index;
    Tensor (*take)(T);
  };
  const C cases[] = {
      {{1}, "(1,0)", {{1, 0}}, "[0]", [](T p) { return p[0]; }},
      {{4}, "(1,0)", {{1, 0}}, "[0]", [](T p) { return p[0]; }},
      {{4}, "(3,0)", {{3, 0}}, "[0:1]", [](T p) { return p.slice(0, 0, 1); }},
      {{4}, "(0,3)", {{0, 3}}, "[6]", [](T p) { return p[6]; }},
      {{4}, "(0,3)", {{0, 3}}, "[4:6]", [](T p) { return p.slice(0, 4, 6); }},
      {{5, 5}, "(0,0,1,0)", {{1, 0}, {0, 0}}, "[0]", [](T p) { return p[0]; }},
      {{2, 2}, "(0,1,0,0)", {{0, 0}, {0, 1}}, "[0,2]", [](T p) { return p[0][2]; }},
      {{4, 4}, "(0,0,1,0)", {{1, 0}, {0, 0}}, "[0,2]", [](T p) { return p[0][2]; }},
      {{4, 4}, "(0,0,0,2)", {{0, 2}, {0, 0}}, "[5]", [](T p) { return p[5]; }},
      {{4, 4}, "(0,0,0,2)", {{0, 2}, {0, 0}}, "[3:5]", [](T p) { return p.slice(0, 3, 5); }},
      {{4, 4}, "(3,0,0,0)", {{0, 0}, {3, 0}}, "[1,0]", [](T p) { return p[1][0]; }},
      {{4, 4}, "(3,0,0,0)", {{0, 0}, {3, 0}}, "[1,0:4]", [](T p) { return p[1].slice(0, 0, 4); }},
      {{4, 4}, "(3,4,1,2)", {{1, 2}, {3, 4}}, "[0]", [](T p) { return p[0]; }},
      {{4, 4}, "(3,4,1,2)", {{1, 2}, {3, 4}}, "[:,1]", [](T p) { return sel(p, 1, 1); }},
      {{4, 4}, "(3,4,1,2)", {{1, 2}, {3, 4}}, "[:,4]", [](T p) { return sel(p, 1, 4); }},
      {{3, 3}, "(0,3,0,0)", {{0, 0}, {0, 3}}, "[:,4:6]", [](T p) { return p.slice(1, 4, 6); }},
      {{3, 3}, "(0,1,3,2)", {{3, 2}, {0, 1}}, "[0:2,:]", [](T p) { return p.slice(0, 0, 2); }},
      {{3, 3, 3}, "(1,1,0,1,3,2)", {{3, 2}, {0, 1}, {1, 1}}, "[0:2,:,:]", [](T p) { return p.slice(0, 0, 2); }},
      {{3, 3, 3}, "(1,1,0,1,3,2)", {{3, 2}, {0, 1}, {1, 1}}, "[2:4,:,:]", [](T p) { return p.slice(0, 2, 4); }},
  };
  for (const char* value : {"0.", "3.456"}) {
    const float v = std::stof(value);
    for (const C& c : cases)
      op({c.shape},
         std::string("lambda x: torch.nn.functional.pad(x,") + c.torch_pad + ", value=" + value + ")" + c.index,
         [c, v](T x) { return c.take(x.pad(c.pads, v)); });
  }
}

TG_OPS_TEST(stack_slice) {
  op({{4}}, "lambda x: torch.stack([x for i in range(3)])[0,:]", [](T x) { return tg::stack({x, x, x})[0]; });
  op({{5}}, "lambda x: torch.stack([x for i in range(3)])[0,0]", [](T x) { return tg::stack({x, x, x})[0][0]; });
  op({{4, 4}}, "lambda x: torch.stack([x for i in range(4)])[3]", [](T x) { return tg::stack({x, x, x, x})[3]; });
}

TG_OPS_TEST(transpose) {
  op({{3, 3}}, "lambda x: x.T", [](T x) { return x.T(); });
  op({{3, 3, 3}}, "lambda x: x.transpose(1,2)", [](T x) { return x.transpose(1, 2); });
  op({{3, 3, 3}}, "lambda x: x.transpose(0,2)", [](T x) { return x.transpose(0, 2); });
}

TG_OPS_TEST(permute) {
  op({{1, 2, 3, 4}}, "lambda x: x.permute((3,0,2,1))", [](T x) { return x.permute({3, 0, 2, 1}); });
  op({{3, 4, 5, 6}}, "lambda x: x.permute((3,2,1,0))", [](T x) { return x.permute({3, 2, 1, 0}); });
  op({{3, 4, 5, 6}}, "lambda x: x.permute((-2,-1,1,0))", [](T x) { return x.permute({-2, -1, 1, 0}); });
  op({{}}, "lambda x: x.permute(())", [](T x) { return x.permute({}); });
  raises({{3, 4, 5, 6}}, "lambda x: x.permute((0,2))", [](T x) { return x.permute({0, 2}); }, "RuntimeError");
  raises({{3, 4, 5, 6}}, "lambda x: x.permute((0,1,2,3,3,3))", [](T x) { return x.permute({0, 1, 2, 3, 3, 3}); },
         "RuntimeError");
  raises({{3, 4, 5, 6}}, "lambda x: x.permute((0,0,1,2,3))", [](T x) { return x.permute({0, 0, 1, 2, 3}); },
         "RuntimeError");
}

TG_OPS_PARTIAL(reshape, "reshape with None (keep a dim) (every other case ported)") {
  op({{4, 3, 6, 6}}, "lambda x: x.reshape((12,6,6))", [](T x) { return x.reshape({12, 6, 6}); });
  op({{4, 3, 6, 6}}, "lambda x: x.reshape((-1,3,6,6))", [](T x) { return x.reshape({-1, 3, 6, 6}); });
  op({{4, 3, 6, 6}}, "lambda x: x.reshape((-1,1,6,6))", [](T x) { return x.reshape({-1, 1, 6, 6}); });
  op({{}}, "lambda x: x.reshape(())", [](T x) { return x.reshape(tg::Shape{}); });
  op({{1}}, "lambda x: x.reshape(())", [](T x) { return x.reshape(tg::Shape{}); });
  op({{}}, "lambda x: x.reshape((1,))", [](T x) { return x.reshape({1}); });
  op({{}}, "lambda x: x.reshape((1,1,1))", [](T x) { return x.reshape({1, 1, 1}); });
  raises({{3, 4}}, "lambda x: x.reshape((-1,-1,2))", [](T x) { return x.reshape({-1, -1, 2}); }, "RuntimeError");
  raises({{3, 4}}, "lambda x: x.reshape((-1,-1,-1,2))", [](T x) { return x.reshape({-1, -1, -1, 2}); },
         "RuntimeError");
  tg_only([] { EXPECT_THROW(Tensor::ones({4, 3, 6, 6}).reshape(tg::Shape{}).realize(), tg::Error); });
}

TG_OPS_TEST(view) {
  op({{4, 3, 6, 6}}, "lambda x: x.view((12,6,6))", [](T x) { return x.view({12, 6, 6}); });
  op({{4, 3, 6, 6}}, "lambda x: x.view((-1,3,6,6))", [](T x) { return x.view({-1, 3, 6, 6}); });
  op({{6}}, "lambda x: x.view(2, 3)", [](T x) { return x.view({2, 3}); });
  op({{6, 1}}, "lambda x: x.view([2, 3])", [](T x) { return x.view({2, 3}); });
  op({{1, 6}}, "lambda x: x.view((3, 2))", [](T x) { return x.view({3, 2}); });
  op({{3, 2}}, "lambda x: x.view((2, 3))", [](T x) { return x.view({2, 3}); });
  op({{3, 2}}, "lambda x: x.view(6)", [](T x) { return x.view({6}); });
}

TG_OPS_TEST(flip) {
  const Shapes s{{4, 3, 6, 6}};
  op(s, "lambda x: x.flip((0,))", [](T x) { return x.flip({0}); });
  op(s, "lambda x: x.flip((0,1))", [](T x) { return x.flip({0, 1}); });
  op(s, "lambda x: x.flip((0,1,3))", [](T x) { return x.flip({0, 1, 3}); });
  op(s, "lambda x: x.flip((3,))", [](T x) { return x.flip({3}); });
  op(s, "lambda x: x.flip((0,1,3)).flip(0)", [](T x) { return x.flip({0, 1, 3}).flip(0); });
  op(s, "lambda x: x.flip((-1,))", [](T x) { return x.flip({-1}); });
  const tg::Axes none(std::vector<int64_t>{});
  op({{}}, "lambda x: x.flip(())", [none](T x) { return x.flip(none); });
  op({{1}}, "lambda x: x.flip(())", [none](T x) { return x.flip(none); });
  op(s, "lambda x: x.flip(())", [none](T x) { return x.flip(none); });
  raises({{3, 4}}, "lambda x: x.flip((0,0))", [](T x) { return x.flip({0, 0}); }, "RuntimeError");
  raises({{3, 4}}, "lambda x: x.flip((1,1))", [](T x) { return x.flip({1, 1}); }, "RuntimeError");
  raises({{3, 4}}, "lambda x: x.flip((1,-1))", [](T x) { return x.flip({1, -1}); }, "RuntimeError");
}

TG_OPS_TEST(squeeze) {
  op({{1, 3, 6, 6}}, "lambda x: x.squeeze(0)", [](T x) { return x.squeeze(0); });
  op({{4, 3, 1, 6}}, "lambda x: x.squeeze(1)", [](T x) { return x.squeeze(1); });
  op({{4, 3, 6, 6}}, "lambda x: x.squeeze(3)", [](T x) { return x.squeeze(3); });
  raises({{4, 3, 6, 6}}, "lambda x: x.squeeze(50)", [](T x) { return x.squeeze(50); }, "IndexError");
  op({{4, 3, 6, 1}}, "lambda x: x.squeeze(-1)", [](T x) { return x.squeeze(-1); });
  op({{4, 3, 6, 6}}, "lambda x: x.squeeze()", [](T x) { return x.squeeze(); });
  op({{1, 3, 6, 6}}, "lambda x: x.squeeze()", [](T x) { return x.squeeze(); });
  op({{2, 3, 1}}, "lambda x: x.squeeze()", [](T x) { return x.squeeze(); });
  op({{}}, "lambda x: x.squeeze(-1)", [](T x) { return x.squeeze(-1); });
  op({{}}, "lambda x: x.squeeze(0)", [](T x) { return x.squeeze(0); });
  op({{}}, "lambda x: x.squeeze()", [](T x) { return x.squeeze(); });
  raises({{}}, "lambda x: x.squeeze(10)", [](T x) { return x.squeeze(10); }, "IndexError");
  raises({{}}, "lambda x: x.squeeze(1)", [](T x) { return x.squeeze(1); }, "IndexError");
  raises({{}}, "lambda x: x.squeeze(-2)", [](T x) { return x.squeeze(-2); }, "IndexError");
}

TG_OPS_TEST(unsqueeze) {
  op({{4, 3, 6, 6}}, "lambda x: x.unsqueeze(0)", [](T x) { return x.unsqueeze(0); });
  op({{4, 3, 6, 6}}, "lambda x: x.unsqueeze(4)", [](T x) { return x.unsqueeze(4); });
  op({{4, 3, 6, 6}}, "lambda x: x.unsqueeze(-1)", [](T x) { return x.unsqueeze(-1); });
  op({{4, 3, 6, 6}}, "lambda x: x.unsqueeze(-3)", [](T x) { return x.unsqueeze(-3); });
  op({{}}, "lambda x: x.unsqueeze(0)", [](T x) { return x.unsqueeze(0); });
}

TG_OPS_TEST(flatten) {
  for (int a = 0; a < 3; ++a)
    op({{4, 3, 6, 6}}, "lambda x: x.flatten(start_dim=" + std::to_string(a) + ")", [a](T x) { return x.flatten(a); });
  for (int a = 0; a < 3; ++a)
    op({{4, 3, 6, 6}}, "lambda x: x.flatten(end_dim=" + std::to_string(a) + ")", [a](T x) { return x.flatten(0, a); });
  op({{4, 3, 6, 6}}, "lambda x: x.flatten(start_dim=1, end_dim=3)", [](T x) { return x.flatten(1, 3); });
  op({{}}, "lambda x: x.flatten()", [](T x) { return x.flatten(); });
  op({{1}}, "lambda x: x.flatten()", [](T x) { return x.flatten(); });
}

TG_OPS_TEST(unflatten) {
  op({{4, 3, 6, 6}}, "lambda x: x.unflatten(0, (2, 2))", [](T x) { return x.unflatten(0, {2, 2}); });
  op({{4, 3, 6, 6}}, "lambda x: x.unflatten(3, (3, 2))", [](T x) { return x.unflatten(3, {3, 2}); });
  op({{4, 3, 6, 6}}, "lambda x: x.unflatten(-1, (3, 2, 1))", [](T x) { return x.unflatten(-1, {3, 2, 1}); });
}

TG_OPS_TEST(detach) {
  op({{4, 3, 6, 6}}, "lambda x: x.detach()", [](T x) { return x.detach(); }, O().forward_only());
  op({{}}, "lambda x: x.detach()", [](T x) { return x.detach(); }, O().forward_only());
}

TG_OPS_TEST(expand) {
  op({{4, 3, 1, 6}}, "lambda x: x.expand((4,3,2,6))", [](T x) { return x.expand({4, 3, 2, 6}); });
  op({{1, 1, 1, 1}}, "lambda x: x.expand((4,3,2,6))", [](T x) { return x.expand({4, 3, 2, 6}); });
  op({{4, 3, 1, 6}}, "lambda x: x.expand((6,1,4,3,2,6))", [](T x) { return x.expand({6, 1, 4, 3, 2, 6}); });
  op({{4, 3, 1, 6}}, "lambda x: x.expand((0,1,4,3,2,6))", [](T x) { return x.expand({0, 1, 4, 3, 2, 6}); });
  op({{4, 3, 1, 6}}, "lambda x: x.expand((4,3,0,6))", [](T x) { return x.expand({4, 3, 0, 6}); });
  op({{}}, "lambda x: x.expand((4,3,2,6))", [](T x) { return x.expand({4, 3, 2, 6}); });
  op({{}}, "lambda x: x.expand([])", [](T x) { return x.expand(tg::Shape{}); });
  tg_only([] {
    EXPECT_THROW(Tensor::ones({4, 3, 1, 6}).expand({4, 1, 1, 6}).realize(), tg::Error);
    EXPECT_THROW(Tensor::ones({4, 3, 1, 6}).expand({4, 6, 1, 6}).realize(), tg::Error);
    EXPECT_THROW(Tensor::ones({4, 3, 1, 6}).expand({3, 1, 6}).realize(), tg::Error);
    EXPECT_THROW(Tensor::ones({4, 3, 2, 6}).expand({4, 3, 0, 6}).realize(), tg::Error);
  });
}
