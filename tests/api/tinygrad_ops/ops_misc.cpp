// tinygrad test_ops.py, from test_cat to the end (and class TestOpsUint8, here uint8_*): cat,
// stack, repeat, clip, gather, scatter and scatter_reduce, the losses, one_hot, masked_fill, casts.
//
// tinygrad draws class targets and gather indices with numpy's or torch's global generator; here
// they come from fixed seeds (O().consts), the same values on both sides.
#include <cmath>

#include "harness.hpp"
#include "tg_test_util.hpp"

using namespace tgops;
using tg::DType;

TG_OPS_TEST(cat) {
  for (int dim = -2; dim < 3; ++dim)
    op({{45, 65, 9}, {45, 65, 9}, {45, 65, 9}}, "lambda x,y,z: torch.cat((x,y,z), " + std::to_string(dim) + ")",
       [dim](T x, T y, T z) { return tg::cat({x, y, z}, dim); });
  // zero in non-cat axis
  op({{45, 0, 9}, {45, 0, 9}, {45, 0, 9}}, "lambda x,y,z: torch.cat((x,y,z), 0)",
     [](T x, T y, T z) { return tg::cat({x, y, z}, 0); });
  // zero in cat axis
  op({{45, 0, 9}, {45, 1, 9}, {45, 2, 9}}, "lambda x,y,z: torch.cat((x,y,z), 1)",
     [](T x, T y, T z) { return tg::cat({x, y, z}, 1); });
  op({{45, 0, 9}, {45, 0, 9}, {45, 0, 9}}, "lambda x,y,z: torch.cat((x,y,z), 1)",
     [](T x, T y, T z) { return tg::cat({x, y, z}, 1); });
  tg_only([] {
    Tensor a(3.14f);
    EXPECT_THROW(tg::cat({a, a}).realize(), tg::Error);
  });
}

TG_OPS_TEST(multicat) {
  for (int dim = -1; dim < 2; ++dim)
    op({{45, 65}, {45, 65}, {45, 65}}, "lambda x,y,z: torch.cat((x,y,z), " + std::to_string(dim) + ")",
       [dim](T x, T y, T z) { return tg::cat({x, y, z}, dim); });
}

// tinygrad's Tensor.stack((a, b), Tensor(...)) ValueError (a tensor passed as the dim) has no
// C++ form: the dim is an int64_t.
TG_OPS_TEST(stack) {
  for (int dim = -1; dim < 3; ++dim)
    for (int form = 0; form < 2; ++form)  // tinygrad's stack(x, y, z) and stack((x, y, z)): one form here
      op({{5, 6, 3}, {5, 6, 3}, {5, 6, 3}}, "lambda x, y, z: torch.stack((x, y, z), " + std::to_string(dim) + ")",
         [dim](T x, T y, T z) { return tg::stack({x, y, z}, dim); });
  tg_only([] {
    EXPECT_THROW(tg::stack({Tensor::randn({45, 65, 3})}, 77).realize(), tg::Error);
    EXPECT_TRUE(tgtest::all_close(tg::stack({Tensor(3.14f), Tensor(3.14f)}), {tgtest::f32(3.14), tgtest::f32(3.14)}));
  });
}

TG_OPS_TEST(stack_max) {
  op({}, "lambda x, y: torch.stack((x, y)).max(axis=0)[0]", [](T x, T y) { return tg::stack({x, y}).max(0); },
     V("[[1.], [2.]]"));
}

TG_OPS_TEST(repeat) {
  for (const std::vector<int64_t>& reps : {std::vector<int64_t>{}, {4}, {2, 1}, {3, 2, 2}}) {
    std::vector<int64_t> repeats{2, 4, 3};
    repeats.insert(repeats.end(), reps.begin(), reps.end());
    std::string py;
    for (size_t i = 0; i < repeats.size(); ++i) py += (i ? "," : "") + std::to_string(repeats[i]);
    op({{4, 6, 3}}, "lambda x: x.repeat(" + py + ")", [repeats](T x) { return x.repeat(repeats); });
    op({{}}, "lambda x: x.repeat(" + py + ")", [repeats](T x) { return x.repeat(repeats); });
  }
  tg_only([] {
    Tensor x = Tensor::randn({4, 6, 3});
    EXPECT_THROW(x.repeat({2, 4}).realize(), tg::Error);
    Tensor r = x.repeat({2, 0, 4});
    EXPECT_EQ(r.shape(), tg::Shape({8, 0, 12}));
    EXPECT_EQ(r.to_vector<float>().size(), 0u);
  });
}

TG_OPS_TEST(simple_repeat) {
  op({{3, 3}}, "lambda x: x.repeat(3,3,4)", [](T x) { return x.repeat({3, 3, 4}); });
}

TG_OPS_TEST(clip) {
  op({{45, 65}}, "lambda x: x.clip(-2.3, 1.2)", [](T x) { return x.clip(-2.3, 1.2); });
  // NOTE: torch set backward to 1 at the boundaries
  op({}, "lambda x: x.clip(-2.5, 1.5)", [](T x) { return x.clip(-2.5, 1.5); }, V("[[-3.0, -2.5, 0, 1.5, 2]]"));
  op({{45, 65}}, "lambda x: x.clip(0, 0)", [](T x) { return x.clip(0, 0); });
  op({{45, 65}}, "lambda x: x.clip(10, 100)", [](T x) { return x.clip(10, 100); });
  op({{45, 65}}, "lambda x: x.clip(0, 0.1)", [](T x) { return x.clip(0, 0.1); });
  op({{45, 65}}, "lambda x: x.clip(-0.3, -0.2)", [](T x) { return x.clip(-0.3, -0.2); });
  op({{45, 65}}, "lambda x: x.clip(3, 0)", [](T x) { return x.clip(3, 0); });  // min > max
  op({{45, 65}}, "lambda x: x.clip(None, 0)", [](T x) { return x.clip(tg::None, 0); });
  op({{45, 65}}, "lambda x: x.clip(0, None)", [](T x) { return x.clip(0, tg::None); });
  raises({{45, 65}}, "lambda x: x.clip(None, None)", [](T x) { return x.clip(tg::None, tg::None); }, "RuntimeError");
}

TG_OPS_TEST(matvecmat) {
  op({{1, 128}, {128, 128}, {128, 128}}, "lambda x,y,z: (x@y).relu()@z",
     [](T x, T y, T z) { return x.matmul(y).relu().matmul(z); });
}
TG_OPS_TEST(matvec) {
  op({{1, 128}, {128, 128}}, "lambda x,y: (x@y).relu()", [](T x, T y) { return x.matmul(y).relu(); });
}

// tinygrad skips this one (its issue #862); tg's max of [1, nan] is nan, as PyTorch's.
TG_OPS_TEST(max_nan) {
  op({}, "lambda: torch.tensor([1, float('nan')]).max()", [] { return Tensor({1.f, NAN}).max(); }, O().forward_only());
}

TG_OPS_PLAIN(inf_where) {
  Tensor x = Tensor::full({3, 3}, INFINITY);
  for (float v : (x < 0).where(x, 1).to_vector<float>()) EXPECT_EQ(v, 1.f);
}

TG_OPS_TEST(fancy_indexing_inf) {
  op({}, "lambda: torch.tensor([math.inf, -math.inf, math.nan])[torch.tensor([0, 1, 2])]",
     [] { return Tensor({INFINITY, -INFINITY, NAN}).index({Tensor({0, 1, 2})}); });
}

namespace {
// tinygrad's _get_index_randoms: five int index tensors that broadcast to (2, 3, 4, 5, 6, 1), drawn
// here from seeded generators (tinygrad draws them unseeded).
const char* kIndexRandoms =
    "[torch.randint(low=-1, high=1, size=(2,1,1,1,1,1), generator=torch.Generator().manual_seed(1)),"
    " torch.randint(high=1, size=(1,3,1,1,1,1), generator=torch.Generator().manual_seed(2)),"
    " torch.randint(low=-5, high=5, size=(1,1,4,1,1,1), generator=torch.Generator().manual_seed(3)),"
    " torch.randint(high=4, size=(2,1,1,5,1,1), generator=torch.Generator().manual_seed(4)),"
    " torch.randint(high=1, size=(1,1,1,1,6,1), generator=torch.Generator().manual_seed(5))]";
using tg::Ellipsis;
using tg::None;
using tg::Slice;
using tg::TensorIndex;
using V6 = const std::vector<Tensor>&;  // x, then the five index tensors a b c d e
void fancy(const std::string& py, std::vector<TensorIndex> (*idx)(V6)) {
  op({{2, 5, 6, 5, 3, 4}}, "lambda x,a,b,c,d,e: x[" + py + "]", [idx](V6 v) { return v[0].index(idx(v)); },
     O().consts(kIndexRandoms));
}
}  // namespace

TG_OPS_TEST(slice_fancy_indexing_no_dim_collapse) {
  fancy("a,b,c,d,e", [](V6 v) { return std::vector<TensorIndex>{v[1], v[2], v[3], v[4], v[5]}; });
  fancy(":,b,c,d,:", [](V6 v) { return std::vector<TensorIndex>{Slice(), v[2], v[3], v[4], Slice()}; });
  fancy("a,b,...", [](V6 v) { return std::vector<TensorIndex>{v[1], v[2], Ellipsis}; });
  fancy("a,...,e", [](V6 v) { return std::vector<TensorIndex>{v[1], Ellipsis, v[5]}; });
  fancy("...,c,:,e", [](V6 v) { return std::vector<TensorIndex>{Ellipsis, v[3], Slice(), v[5]}; });
}
TG_OPS_TEST(slice_fancy_indexing_dim_collapse_int) {
  fancy("1,b,c,d,e", [](V6 v) { return std::vector<TensorIndex>{1, v[2], v[3], v[4], v[5]}; });
  fancy("a,b,3,d,e", [](V6 v) { return std::vector<TensorIndex>{v[1], v[2], 3, v[4], v[5]}; });
  fancy("1,b,2,d,2", [](V6 v) { return std::vector<TensorIndex>{1, v[2], 2, v[4], 2}; });
  fancy("a,2,2,2,e", [](V6 v) { return std::vector<TensorIndex>{v[1], 2, 2, 2, v[5]}; });
  fancy("1,:,3:11:2,d,0:2", [](V6 v) { return std::vector<TensorIndex>{1, Slice(), Slice(3, 11, 2), v[4], Slice(0, 2)}; });
}
TG_OPS_TEST(slice_fancy_indexing_dim_inject_none) {
  fancy("None,b,c,d,e", [](V6 v) { return std::vector<TensorIndex>{None, v[2], v[3], v[4], v[5]}; });
  fancy("a,b,c,d,None", [](V6 v) { return std::vector<TensorIndex>{v[1], v[2], v[3], v[4], None}; });
  fancy("a,b,None,d,e", [](V6 v) { return std::vector<TensorIndex>{v[1], v[2], None, v[4], v[5]}; });
  fancy("None,b,c,d,None", [](V6 v) { return std::vector<TensorIndex>{None, v[2], v[3], v[4], None}; });
  fancy("a,:,None,d,e", [](V6 v) { return std::vector<TensorIndex>{v[1], Slice(), None, v[4], v[5]}; });
  fancy("None,None,None,None,None", [](V6) { return std::vector<TensorIndex>{None, None, None, None, None}; });
  fancy("None,None,b,c,d,e", [](V6 v) { return std::vector<TensorIndex>{None, None, v[2], v[3], v[4], v[5]}; });
  fancy("None,None,b,c,None,None", [](V6 v) { return std::vector<TensorIndex>{None, None, v[2], v[3], None, None}; });
  fancy("a,None,None,c,d,e", [](V6 v) { return std::vector<TensorIndex>{v[1], None, None, v[3], v[4], v[5]}; });
  fancy("a,None,None,c,None,None", [](V6 v) { return std::vector<TensorIndex>{v[1], None, None, v[3], None, None}; });
  fancy("None,None,b,None,d,e", [](V6 v) { return std::vector<TensorIndex>{None, None, v[2], None, v[4], v[5]}; });
}
TG_OPS_TEST(slice_fancy_indexing_dim_inject_and_collapse) {
  fancy("1,b,None,d,1", [](V6 v) { return std::vector<TensorIndex>{1, v[2], None, v[4], 1}; });
  fancy("None,b,2,d,None", [](V6 v) { return std::vector<TensorIndex>{None, v[2], 2, v[4], None}; });
  fancy("...,1,d,None", [](V6 v) { return std::vector<TensorIndex>{Ellipsis, 1, v[4], None}; });
}
TG_OPS_TEST(slice_fancy_indexing_with_tensors) {
  op({{2, 3}}, "lambda x: x[torch.tensor([[0,0,0],[0,0,0]]), torch.tensor(1)]",
     [](T x) { return x.index({Tensor({{0, 0, 0}, {0, 0, 0}}), Tensor(1)}); });
  op({{2, 3}}, "lambda x: x[torch.tensor([1]), torch.tensor([[0,0,0],[0,0,0]])]",
     [](T x) { return x.index({Tensor({1}), Tensor({{0, 0, 0}, {0, 0, 0}})}); });
  op({{2, 3}}, "lambda x: x[torch.tensor([[0,0,0],[0,0,0]]), torch.tensor([2,1,1])]",
     [](T x) { return x.index({Tensor({{0, 0, 0}, {0, 0, 0}}), Tensor({2, 1, 1})}); });
  op({{2, 3}}, "lambda x: x[torch.tensor([[0,1,-1],[-1,-2,0]]), torch.tensor([2,1,-1])]",
     [](T x) { return x.index({Tensor({{0, 1, -1}, {-1, -2, 0}}), Tensor({2, 1, -1})}); });
}

TG_OPS_TEST(gather) {
  // indices cannot have gradient; indices cannot be negative (torch gather)
  const O b = O().consts("[torch.randint(3, size=[3,4,5], generator=torch.Generator().manual_seed(0))]");
  for (int dim : {0, 1, 2})
    op({{4, 5, 6}}, "lambda x, b: x.gather(dim=" + std::to_string(dim) + ", index=b)",
       [dim](T x, T i) { return x.gather(dim, i); }, b);
  op({{3, 4, 5}}, "lambda x, b: x.gather(dim=0, index=b)", [](T x, T i) { return x.gather(0, i); }, b);
  for (int dim : {-1, -2, -3})
    op({{4, 5, 6}}, "lambda x, b: x.gather(dim=" + std::to_string(dim) + ", index=b)",
       [dim](T x, T i) { return x.gather(dim, i); }, b);
  raises({{4, 5, 6}}, "lambda x: x.gather(dim=0, index=torch.tensor([1], dtype=torch.int64))",
         [](T x) { return x.gather(0, Tensor({1})); }, "RuntimeError");
  raises({{2, 1, 1}}, "lambda x, b: x.gather(dim=0, index=b)", [](T x, T i) { return x.gather(0, i); }, "RuntimeError",
         E().consts(b.consts_));
  op({}, "lambda x: x.gather(dim=0, index=torch.tensor([2, 1, 0, 1, 2], requires_grad=False))",
     [](T x) { return x.gather(0, Tensor({2, 1, 0, 1, 2})); }, V("[[1., 2., 3.]]"));
  // gather with inf values
  op({}, "lambda x: x.gather(dim=0, index=torch.tensor([2, 1, 0, 1, 2], requires_grad=False))",
     [](T x) { return x.gather(0, Tensor({2, 1, 0, 1, 2})); }, V("[[-float('inf'), 2., 3.]]"));
}

// tinygrad's scatter(..., value=v) and scatter(..., reduce=...) build src as full(index.shape, v):
// tg's scatter takes the tensor; its reduce="add" / "multiply" is scatter_add / scatter_reduce "prod".
// tinygrad's mode="typo" TypeError has no C++ form: scatter has no keyword arguments.
TG_OPS_TEST(scatter) {
  const O b = O().consts("[torch.randint(3, size=[3,4,5], generator=torch.Generator().manual_seed(1))]").forward_only();
  for (int dim : {0, 1, 2, -1, -2, -3})
    op({{4, 5, 6}, {4, 5, 6}}, "lambda x, src, b: x.scatter(dim=" + std::to_string(dim) + ", index=b, src=src)",
       [dim](T x, T src, T i) { return x.scatter(dim, i, src); }, b);
  const auto dim1 = [](T x, T src, T i) { return x.scatter(1, i, src); };
  op({{3, 4, 5}, {3, 4, 5}}, "lambda x, src, b: x.scatter(dim=1, index=b, src=src)", dim1, b);
  op({{10, 3, 10}, {10, 10, 10}}, "lambda x, src, b: x.scatter(dim=1, index=b, src=src)", dim1, b);
  const O be = E().consts(b.consts_);
  raises({{2, 3, 10}, {10, 10, 10}}, "lambda x, src, b: x.scatter(dim=1, index=b, src=src)", dim1, "RuntimeError", be);
  raises({{10, 3, 10}, {10, 3, 10}}, "lambda x, src, b: x.scatter(dim=1, index=b, src=src)", dim1, "RuntimeError", be);
  raises({{3, 4, 5}, {3, 4, 5}}, "lambda x, src, b: x.half().scatter(dim=1, index=b, src=src)",
         [](T x, T src, T i) { return x.cast(DType::float16).scatter(1, i, src); }, "RuntimeError", be);
  for (const char* v : {"3", "float('inf')"}) {
    const float f = std::string(v) == "3" ? 3.0f : INFINITY;
    op({{4, 5, 6}}, std::string("lambda x, b: x.scatter(dim=1, index=b, value=") + v + ")",
       [f](T x, T i) { return x.scatter(1, i, Tensor::full(i.shape(), f)); }, b);
  }
  // overlapping indices with 0s: the last write wins
  op({}, "lambda x, src: x.scatter(0, torch.tensor([0, 0]), src)",
     [](T x, T src) { return x.scatter(0, Tensor({0, 0}), src); }, V("[[1.,2.,3.,4.], [1.,0.]]").forward_only());
}

TG_OPS_TEST(scatter_add) {
  const O b = O().consts("[torch.randint(3, size=[3,4,5], generator=torch.Generator().manual_seed(2))]").forward_only();
  for (const char* v : {"float('inf')", "float('nan')"}) {
    const float f = std::string(v) == "float('inf')" ? INFINITY : NAN;
    op({{4, 5, 6}}, std::string("lambda x, b: x.scatter(1, b, ") + v + ", reduce='add')",
       [f](T x, T i) { return x.scatter_add(1, i, Tensor::full(i.shape(), f)); }, b);
  }
}

TG_OPS_TEST(scatter_mul) {
  const O b = O().consts("[torch.randint(3, size=[3,4,5], generator=torch.Generator().manual_seed(3))]").forward_only();
  for (const char* v : {"float('inf')", "float('nan')"}) {
    const float f = std::string(v) == "float('inf')" ? INFINITY : NAN;
    op({{4, 5, 6}}, std::string("lambda x, b: x.scatter(1, b, ") + v + ", reduce='multiply')",
       [f](T x, T i) { return x.scatter_reduce(1, i, Tensor::full(i.shape(), f), "prod"); }, b);
  }
}

// tinygrad refuses a tensor src with scatter's reduce argument (TypeError: use scatter_reduce);
// tg's scatter has no reduce argument, so that call has no C++ form. Its nearest form, the same
// tensors through scatter_add, is still bad input (dim 1 of a 1-D tensor) and must be refused.
TG_OPS_PLAIN(scatter_no_reduce_tensor_src) {
  EXPECT_THROW(Tensor::ones({4}).scatter_add(1, Tensor({0}), Tensor::ones({4})).realize(), tg::Error);
}

TG_OPS_TEST(scatter_reduce) {
  const O b = O().consts("[torch.randint(3, size=[3,4,5], generator=torch.Generator().manual_seed(4))]").forward_only();
  for (const char* reduce : {"sum", "prod", "mean", "amin", "amax"})
    for (int dim : {-1, 1, -3})
      for (bool self : {true, false})
        op({{3, 4, 5}, {3, 4, 5}},
           "lambda x, src, b: x.scatter_reduce(dim=" + std::to_string(dim) + ", index=b, src=src, reduce='" + reduce +
               "', include_self=" + (self ? "True" : "False") + ")",
           [=](T x, T src, T i) { return x.scatter_reduce(dim, i, src, reduce, self); }, b);
}

TG_OPS_TEST(scatter_reduce_prod_zeros) {
  op({{4, 5, 6}}, "lambda src, b: torch.zeros([4,5,6]).float().scatter_reduce(dim=1, index=b, src=src, reduce='prod')",
     [](T src, T i) { return Tensor::zeros({4, 5, 6}).scatter_reduce(1, i, src, "prod"); },
     O().consts("[torch.randint(3, size=[3,4,5], generator=torch.Generator().manual_seed(5))]").forward_only());
}

TG_OPS_TEST(scatter_reduce_errors) {
  const O b = E().consts("[torch.randint(3, size=[3,4,5], generator=torch.Generator().manual_seed(6))]");
  // invalid reduce arg
  raises({{4, 5, 6}, {4, 5, 6}}, "lambda x, src, b: x.scatter_reduce(dim=0, index=b, src=src, reduce='INVALID')",
         [](T x, T src, T i) { return x.scatter_reduce(0, i, src, "INVALID"); }, "RuntimeError", b);
  // dtype mismatch
  raises({{4, 5, 6}, {4, 5, 6}}, "lambda x, src, b: x.half().scatter_reduce(dim=0, index=b, src=src, reduce='sum')",
         [](T x, T src, T i) { return x.cast(DType::float16).scatter_reduce(0, i, src, "sum"); }, "RuntimeError", b);
}

namespace {
const char* const kBce = "lambda x,y: torch.nn.functional.binary_cross_entropy(x.sigmoid(),y.clip(0,1)";
const char* const kBceLogits = "lambda x,y: torch.nn.functional.binary_cross_entropy_with_logits(x,y.clip(0,1)";
}  // namespace

namespace {
// PyTorch 1.13 (Debian's) has no F.scaled_dot_product_attention: its formula, as PyTorch 2
// documents it, is the reference.
const char* const kSdpa = "lambda x,y,z: (x @ y.transpose(-2,-1) / math.sqrt(x.size(-1))).softmax(-1) @ z";
}  // namespace

TG_OPS_TEST(scaled_dot_product_attention) {
  op({{32, 8, 16, 64}, {32, 8, 16, 64}, {32, 8, 16, 64}}, kSdpa,
     [](T q, T k, T v) { return q.scaled_dot_product_attention(k, v); });
  op({{32, 8, 16, 64}, {32, 8, 16, 64}, {32, 8, 16, 64}, {32, 8, 16, 16}},
     "lambda x,y,z,m: (x @ y.transpose(-2,-1) / math.sqrt(x.size(-1)) + m).softmax(-1) @ z",
     [](T q, T k, T v, T m) { return q.scaled_dot_product_attention(k, v, m); });
}
TG_OPS_TEST(scaled_dot_product_attention_mismatch_ls) {
  op({{32, 8, 4, 64}, {32, 8, 16, 64}, {32, 8, 16, 64}}, kSdpa,
     [](T q, T k, T v) { return q.scaled_dot_product_attention(k, v); });
}
TG_OPS_TEST(scaled_dot_product_attention_causal) {
  op({{32, 8, 16, 64}, {32, 8, 16, 64}, {32, 8, 16, 64}},
     "lambda x,y,z: (x @ y.transpose(-2,-1) / math.sqrt(x.size(-1))).masked_fill("
     "~torch.ones(16, 16, dtype=torch.bool).tril(), float('-inf')).softmax(-1) @ z",
     [](T q, T k, T v) { return q.scaled_dot_product_attention(k, v, std::nullopt, 0.0f, true); });
  // is_causal with attn_mask: PyTorch 2 raises RuntimeError (1.13 has no such function).
  tg_only([] {
    Tensor q = Tensor::rand({32, 8, 16, 64}), m = Tensor::rand({32, 8, 16, 16});
    EXPECT_THROW(q.scaled_dot_product_attention(q, q, m, 0.0f, true), tg::Error);
  });
}
TG_OPS_TEST(scaled_dot_product_attention_gqa) {
  op({{32, 32, 16, 64}, {32, 8, 16, 64}, {32, 8, 16, 64}},
     "lambda x,y,z: (x @ y.repeat_interleave(4, 1).transpose(-2,-1) / math.sqrt(x.size(-1))).softmax(-1) @ "
     "z.repeat_interleave(4, 1)",
     [](T q, T k, T v) { return q.scaled_dot_product_attention(k, v, std::nullopt, 0.0f, false, std::nullopt, true); });
}
TG_OPS_TEST(scaled_dot_product_attention_gqa_errors) {
  raises({{32, 31, 16, 64}, {32, 8, 16, 64}, {32, 8, 16, 64}},
         "lambda x,y,z: (x @ y.repeat_interleave(x.size(1) // y.size(1), 1).transpose(-2,-1)).softmax(-1) @ z",
         [](T q, T k, T v) { return q.scaled_dot_product_attention(k, v, std::nullopt, 0.0f, false, std::nullopt, true); },
         "RuntimeError");
}

TG_OPS_TEST(binary_crossentropy) {
  const Shapes s{{32, 10}, {32, 10}};
  op(s, std::string(kBce) + ")", [](T x, T y) { return x.sigmoid().binary_crossentropy(y.clip(0, 1)); });
  op(s, std::string(kBceLogits) + ")", [](T x, T y) { return x.binary_crossentropy_logits(y.clip(0, 1)); });
  op(s, std::string(kBceLogits) + ")", [](T x, T y) { return x.sigmoid().binary_crossentropy(y.clip(0, 1)); });
  op(s, std::string(kBce) + ")", [](T x, T y) { return x.binary_crossentropy_logits(y.clip(0, 1)); });
}
TG_OPS_TEST(binary_crossentropy_reductions) {
  const Shapes s{{32, 10}, {32, 10}};
  for (std::string r : {"mean", "sum", "none"}) {
    op(s, std::string(kBce) + ", reduction='" + r + "')",
       [r](T x, T y) { return x.sigmoid().binary_crossentropy(y.clip(0, 1), r); });
    op(s, std::string(kBceLogits) + ", reduction='" + r + "')",
       [r](T x, T y) { return x.binary_crossentropy_logits(y.clip(0, 1), r); });
  }
}
TG_OPS_TEST(binary_crossentropy_logits_pos_weights) {
  op({{32, 10}, {32, 10}},
     std::string(kBceLogits) + ", pos_weight=torch.tensor([0.25, 0.5, 0.75, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]))",
     [](T x, T y) {
       Tensor pw({0.25f, 0.5f, 0.75f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f});
       return x.binary_crossentropy_logits(y.clip(0, 1), "mean", pw);
     });
}

TG_OPS_TEST(cross_entropy_class_probabilities) {
  for (const Shapes& s : {Shapes{{32}, {32}}, Shapes{{32, 10}, {32, 10}}, Shapes{{32, 4, 4, 4}, {32, 4, 4, 4}}})
    op(s, "lambda x,y: torch.nn.functional.cross_entropy(x, y)", [](T x, T y) { return x.cross_entropy(y); });
}

namespace {
std::string classes(const std::string& shape, int seed) {
  return "[torch.tensor(np.random.RandomState(" + std::to_string(seed) + ").randint(0, 10, " + shape + "))]";
}
}  // namespace

TG_OPS_TEST(cross_entropy_class_indices) {
  op({{32, 10}}, "lambda x, c: torch.nn.functional.cross_entropy(x, c)", [](T x, T c) { return x.cross_entropy(c); },
     O().consts(classes("(32,)", 1)));
  raises({{32, 10}, {32, 1}}, "lambda x,y: torch.nn.functional.cross_entropy(x, y)",
         [](T x, T y) { return x.cross_entropy(y); }, "RuntimeError");
}
TG_OPS_TEST(cross_entropy_reductions) {
  for (std::string r : {"mean", "sum", "none"})
    op({{32, 10}, {32, 10}}, "lambda x,y: torch.nn.functional.cross_entropy(x, y, reduction='" + r + "')",
       [r](T x, T y) { return x.cross_entropy(y, 0.f, r); });
  raises({{32, 10}, {32, 10}}, "lambda x,y: torch.nn.functional.cross_entropy(x, y, reduction='typo')",
         [](T x, T y) { return x.cross_entropy(y, 0.f, "typo"); }, "ValueError");
}
TG_OPS_TEST(cross_entropy_smoothing) {
  int seed = 2;
  for (const char* ls : {"0.", "0.3", "0.7", "1."}) {
    const float v = std::stof(ls);
    op({{32, 10}, {32, 10}}, std::string("lambda x,y: torch.nn.functional.cross_entropy(x, y, label_smoothing=") + ls + ")",
       [v](T x, T y) { return x.cross_entropy(y, v); });
    op({{32, 10}}, std::string("lambda x, c: torch.nn.functional.cross_entropy(x, c, label_smoothing=") + ls + ")",
       [v](T x, T c) { return x.cross_entropy(c, v); }, O().consts(classes("(32,)", seed++)));
  }
}

TG_OPS_TEST(sparse_categorical_crossentropy) {
  op({{12, 10}}, "lambda x, c: torch.nn.CrossEntropyLoss()(x, c)",
     [](T x, T c) { return x.sparse_categorical_crossentropy(c); }, O().consts(classes("(12,)", 3)));
  // combine args
  op({{12, 10}},
     "lambda x, c: torch.nn.CrossEntropyLoss(reduction='mean', ignore_index=int(c[0]), label_smoothing=0.3)(x, c)",
     [](T x, T c) { return x.sparse_categorical_crossentropy(c, c[0].item<int64_t>(), 0.3f, "mean"); },
     O().consts(classes("(12,)", 3)));
  // with batch
  op({{3, 12, 10}}, "lambda x, c: torch.nn.CrossEntropyLoss()(x.permute(0,2,1), c)",
     [](T x, T c) { return x.sparse_categorical_crossentropy(c); }, O().consts(classes("(3,12)", 4)));
}
TG_OPS_TEST(sparse_categorical_crossentropy_reductions) {
  int seed = 5;
  for (std::string r : {"mean", "sum", "none"})
    op({{12, 10}}, "lambda x, c: torch.nn.CrossEntropyLoss(reduction='" + r + "')(x, c)",
       [r](T x, T c) { return x.sparse_categorical_crossentropy(c, -1, 0.f, r); }, O().consts(classes("(12,)", seed++)));
}
TG_OPS_TEST(sparse_categorical_crossentropy_ignore_index) {
  const O c = O().consts("[torch.tensor([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])]");
  for (int i : {-1, 0, 3})
    op({{12, 10}}, "lambda x, c: torch.nn.CrossEntropyLoss(ignore_index=" + std::to_string(i) + ")(x, c)",
       [i](T x, T t) { return x.sparse_categorical_crossentropy(t, i); }, c);
}
TG_OPS_TEST(sparse_categorical_crossentropy_label_smoothing) {
  int seed = 8;
  for (const char* s : {"0.3", "0.9"}) {
    const float v = std::stof(s);
    op({{12, 10}}, std::string("lambda x, c: torch.nn.CrossEntropyLoss(label_smoothing=") + s + ")(x, c)",
       [v](T x, T c) { return x.sparse_categorical_crossentropy(c, -1, v); }, O().consts(classes("(12,)", seed++)));
  }
}

TG_OPS_TEST(one_hot) {
  op({}, "lambda: torch.nn.functional.one_hot(torch.tensor([1, 2, 4]), 6).type(torch.int32)",
     [] { return Tensor({1, 2, 4}).one_hot(6); }, O().forward_only());
  tg_only([] { EXPECT_THROW(Tensor({1, 2, 4}).one_hot(-1).realize(), tg::Error); });
  op({}, "lambda: torch.nn.functional.one_hot(torch.tensor([[[1, 2, 3], [0, 3, 5]], [[1, 2, 3], [0, 3, 5]]]), 8).type(torch.int32)",
     [] { return Tensor({{{1, 2, 3}, {0, 3, 5}}, {{1, 2, 3}, {0, 3, 5}}}).one_hot(8); }, O().forward_only());
}

TG_OPS_TEST(masked_fill) {
  op({{32, 10}}, "lambda x: x.masked_fill((x>0.1).detach(), -math.inf)", [](T x) { return x.masked_fill(x > 0.1f, -INFINITY); });
  op({{32, 10}}, "lambda x: x.masked_fill((x<0.1).detach(), -math.inf)", [](T x) { return x.masked_fill(x < 0.1f, -INFINITY); });
}

TG_OPS_TEST(cast) {
  op({{3, 3}}, "lambda x: x.float()", [](T x) { return x.cast(DType::float32); });
  op({}, "lambda x: x.float()", [](T x) { return x.cast(DType::float32); }, V("[[0, 1, 2, 3]]").forward_only());
  op({}, "lambda x: x.float()", [](T x) { return x.cast(DType::float32); }, V("[[True, False]]").forward_only());
  op({{3, 3}}, "lambda x: x.int()", [](T x) { return x.cast(DType::int32); }, O().forward_only());
  op({{3, 3}}, "lambda x: x.bool()", [](T x) { return x.cast(DType::bool_); }, O().forward_only());
}

// class TestOpsUint8
TG_OPS_TEST(uint8_cast) {
  op({{2, 3, 64, 64}}, "lambda x: x.type(torch.uint8)", [](T x) { return x.cast(DType::uint8); },
     O().forward_only().low(0).high(255));
}
TG_OPS_TEST(uint8_cast_relu) {
  op({{2, 3, 64, 64}}, "lambda x: x.relu().type(torch.uint8)", [](T x) { return x.relu().cast(DType::uint8); },
     O().forward_only());
}
TG_OPS_TEST(uint8_interpolate_nearest) {
  op({{2, 3, 64, 64}},
     "lambda x: torch.nn.functional.interpolate((10*x).relu().type(torch.uint8), size=(10,10), mode='nearest')",
     [](T x) { return (10 * x).relu().cast(DType::uint8).interpolate({10, 10}, "nearest"); }, O().forward_only());
}
TG_OPS_TEST(uint8_interpolate_nearest_exact) {
  op({{2, 3, 64, 64}},
     "lambda x: torch.nn.functional.interpolate((10*x).relu().type(torch.uint8), size=(10,10), mode='nearest-exact')",
     [](T x) { return (10 * x).relu().cast(DType::uint8).interpolate({10, 10}, "nearest-exact"); }, O().forward_only());
}
TG_OPS_TEST(uint8_min) {
  op({}, "lambda x: x.type(torch.uint8).min()", [](T x) { return x.cast(DType::uint8).min(); },
     V("[[[0, 1, 2], [3, 4, 5]]]").forward_only());
  op({}, "lambda x: x.type(torch.uint8).min()", [](T x) { return x.cast(DType::uint8).min(); },
     V("[[0, 128, 255, 64, 32, 16]]").forward_only());
}
