// tinygrad test_ops.py, from test_einsum to test_prod: einsum, matmul in its forms, sums and prod.
#include <cmath>

#include "harness.hpp"

using namespace tgops;
using tg::DType;

namespace {
auto mm = [](T x, T y) { return x.matmul(y); };
auto dot = [](T x, T y) { return x.dot(y); };
const char* const kMatmul = "lambda x,y: x.matmul(y)";
}  // namespace

namespace {
// tg::einsum(eq, {inputs}) beside torch.einsum(eq, inputs).
void einsum_case(const Shapes& shapes, const std::string& eq, const O& o = O()) {
  std::string args;
  for (size_t i = 0; i < shapes.size(); i++) args += (i ? "," : "") + std::string(1, static_cast<char>('a' + i));
  op(shapes, "lambda " + args + ": torch.einsum('" + eq + "', [" + args + "])",
     [eq](const std::vector<Tensor>& x) { return tg::einsum(eq, x); }, o);
}
void einsum_raises(const Shapes& shapes, const std::string& eq) {
  std::string args;
  for (size_t i = 0; i < shapes.size(); i++) args += (i ? "," : "") + std::string(1, static_cast<char>('a' + i));
  raises(shapes, "lambda " + args + ": torch.einsum('" + eq + "', [" + args + "])",
         [eq](const std::vector<Tensor>& x) { return tg::einsum(eq, x); }, "RuntimeError");
}
}  // namespace

TG_OPS_TEST(einsum) {
  einsum_case({{}}, "->");
  einsum_case({{10, 10}}, "ij->ji");
  einsum_case({{10, 10}}, "ij -> ji");
  einsum_case({{10, 10}}, "ji");
  einsum_case({{4, 6, 8}}, "jki");
  einsum_case({{4, 6, 8}}, "dog");
  einsum_case({{4, 6}, {6, 8}}, "ij,jk");
  einsum_case({{4, 6, 8}}, "ijk->");
  einsum_case({{5, 5}}, "ij->j");
  einsum_case({{5, 5}}, "ij->i");
  einsum_case({{3, 4}, {4}}, "ik,k->i");
  einsum_case({{3, 4}, {4, 5}}, "ik,kj->ij");
  einsum_case({{3, 4}, {4, 5}}, "jk,ki->ji");
  einsum_case({{5}, {5}}, "i,i->i");
  einsum_case({{5, 6}, {5, 6}}, "ij,ij->ij");
  einsum_case({{5}, {5}}, "i,j->ij");
  einsum_case({{2, 4, 6}, {2, 6, 8}}, "ijk,ikl->ijl");
  einsum_case({{2, 4, 5}, {2, 5, 7}}, "ijk,ikl->jil");
  einsum_case({{4, 2, 5}, {2, 5, 7}}, "jik,ikl->jil");
  einsum_case({{2, 4, 6}, {2, 6, 8}}, "ijk,ika->ija");
  einsum_case({{3, 5, 8, 10}, {11, 7, 5, 13, 8}}, "pqrs,tuqvr->pstuv", O().atol(1e-5));
  einsum_case({{3, 8, 10, 5}, {11, 5, 7, 13, 8}}, "prsq,tquvr->pstuv", O().atol(1e-5));
  einsum_case({{3, 5, 8, 10}, {11, 7, 5, 13, 8}}, "zqrs,tuqvr->zstuv", O().atol(1e-5));
  einsum_case({{2, 3}, {5, 3, 7}, {2, 7}}, "ik,jkl,il->ij");
}
TG_OPS_TEST(einsum_ellipsis) {
  einsum_case({{3, 8, 9}, {3, 8, 9}}, "...id, ...jd -> ...ij");
  einsum_case({{3, 8, 9}, {3, 8, 9}}, "...id, ...jd");
  einsum_case({{2, 3, 4, 5}, {5, 2, 4}}, "i...j,ji...->...");
  einsum_case({{32, 7, 24, 24, 24}, {32, 7, 24, 24, 24}}, "ij...,ij...->ij");
  einsum_raises({{2, 3, 4}, {2, 3, 4}}, "...ik..., ...jk ->");
  einsum_raises({{2, 3, 4}, {2, 3, 4}}, "i...j,ji...->...");
}
TG_OPS_TEST(einsum_trace) {
  einsum_case({{5}, {5}}, "i,i");
  einsum_case({{4, 4}}, "ii->i");
  einsum_case({{4, 4}}, "ii->");
  einsum_case({{3, 5, 5}}, "...ii->...i");
  einsum_case({{3, 5, 5}}, "...ii->...");
}
TG_OPS_TEST(einsum_shape_check) { einsum_raises({{3, 8, 10, 5}, {11, 5, 13, 16, 8}}, "pqrs,tuqvr->pstuv"); }
TG_OPS_TEST(einsum_arity_check1) { einsum_raises({{10, 15}, {15, 20}, {20, 10}}, "ij,jk->ij"); }
TG_OPS_TEST(einsum_arity_check2) { einsum_raises({{10, 10}}, "ij,jk->ij"); }

TG_OPS_TEST(dot_1d) {
  op({{65}, {65}}, kMatmul, dot);
  op({{65}, {65, 45}}, kMatmul, dot);
  op({{45, 65}, {65}}, kMatmul, dot);
  op({{8, 45, 65}, {65}}, kMatmul, dot);
  op({{65}, {8, 65, 45}}, kMatmul, dot);
  raises({{4}, {1, 2}}, kMatmul, dot, "RuntimeError");
  raises({{2, 1}, {4}}, kMatmul, dot, "RuntimeError");
  raises({{1}, {4}}, kMatmul, dot, "RuntimeError");
}
TG_OPS_TEST(dot) {
  op({{45, 65}, {65, 100}}, kMatmul, dot, O().atol(1e-5));
  op({{8, 45, 65}, {8, 65, 100}}, kMatmul, dot, O().atol(1e-5));
  raises({{2, 4}, {1, 3}}, kMatmul, dot, "RuntimeError");
  raises({{2, 1}, {4, 3}}, kMatmul, dot, "RuntimeError");
  tg_only([] {
    Tensor a(3.14f);
    EXPECT_THROW(a.matmul(a).realize(), tg::Error);
  });
}
TG_OPS_TEST(mulacc_with_zero_strides) {
  op({},
     "lambda: torch.tensor(1.0).reshape((1,1,1)).expand(2,4,3).mul(torch.tensor(1.0).reshape((1,1,1)).expand(2,4,3))"
     ".sum(-1)",
     [] {
       return Tensor(1.0f).reshape({1, 1, 1}).expand({2, 4, 3}).mul(Tensor(1.0f).reshape({1, 1, 1}).expand({2, 4, 3})).sum(-1);
     },
     O().forward_only());
  op({},
     "lambda: torch.tensor([[1.,1.,1.,1.], [1.,1.,1.,1.]]).reshape((2,4,1)).expand(2,4,3)"
     ".mul(torch.tensor([1.,1.,1.,1.]).reshape((1,4,1)).expand(2,4,3)).sum([0,2])",
     [] {
       Tensor a({{1.f, 1.f, 1.f, 1.f}, {1.f, 1.f, 1.f, 1.f}}), b({1.f, 1.f, 1.f, 1.f});
       return a.reshape({2, 4, 1}).expand({2, 4, 3}).mul(b.reshape({1, 4, 1}).expand({2, 4, 3})).sum({0, 2});
     },
     O().forward_only());
  op({}, "lambda: torch.ones((1,2)).matmul(torch.ones((2,3)))",
     [] { return Tensor::ones({1, 2}).dot(Tensor::ones({2, 3})); }, O().forward_only());
}

TG_OPS_TEST(matmul_simple) { op({{4}, {4, 4}}, kMatmul, dot); }
TG_OPS_TEST(matmul) { op({{64}, {64, 99}}, kMatmul, dot); }
TG_OPS_TEST(matmul_batched) { op({{3}, {1, 3, 3, 5}}, kMatmul, dot); }
TG_OPS_TEST(matmul_batched_vector) { op({{4, 3}, {1, 3, 3, 5}}, kMatmul, dot); }
TG_OPS_TEST(small_gemm) { op({{8, 8}, {8, 8}}, kMatmul, mm); }
TG_OPS_TEST(9_gemm) { op({{9, 9}, {9, 9}}, kMatmul, mm); }
TG_OPS_TEST(small_gemm_padded) {
  op({{9, 9}, {9, 9}},
     "lambda x,y: torch.nn.functional.pad(x, (0,7,0,7)).matmul(torch.nn.functional.pad(y, (0,7,0,7)))",
     [](T x, T y) { return x.pad({{0, 7}, {0, 7}}).matmul(y.pad({{0, 7}, {0, 7}})); });
}
TG_OPS_TEST(small_gemm_range) {
  op({}, kMatmul, mm,
     V("[np.arange(0,64,dtype=np.float32).reshape(8,8), np.arange(64,128,dtype=np.float32).reshape(8,8)]"));
}
TG_OPS_TEST(small_gemm_eye) {
  op({}, kMatmul, mm, V("[np.eye(8).astype(np.float32), np.eye(8).astype(np.float32)]"));
}
// PyTorch 1.13 has no float16 matmul on the CPU: its reference is the float16 inputs' product in
// float32, rounded to float16 (within the case's 5e-3 tolerances of a float16 matmul).
TG_OPS_TEST(gemm_fp16) {
  op({{64, 64}, {64, 64}}, "lambda x,y: x.half().float().matmul(y.half().float()).half()",
     [](T x, T y) { return x.cast(DType::float16).matmul(y.cast(DType::float16)); },
     O().atol(5e-3).rtol(5e-3).grad_atol(5e-3).grad_rtol(5e-3));
}
TG_OPS_TEST(gemm) { op({{64, 64}, {64, 64}}, kMatmul, mm); }
TG_OPS_TEST(big_gemm) { op({{256, 256}, {256, 256}}, kMatmul, mm, O().atol(1e-4)); }
TG_OPS_TEST(gemm_with_zeros_shape) {
  for (const Shapes& s : {Shapes{{8, 8}, {8, 0}}, Shapes{{0, 8}, {8, 8}}, Shapes{{0, 8}, {8, 0}}, Shapes{{8, 0}, {0, 8}},
                          Shapes{{0, 0}, {0, 0}}, Shapes{{0}, {0, 8}}, Shapes{{0}, {0}}})
    op(s, kMatmul, dot, O().atol(1e-7));
}
TG_OPS_TEST(broadcastdot) {
  op({{10, 45, 65}, {65, 45}}, "lambda x,y: x @ y", dot, O().atol(1e-4));
  tg_only([] { EXPECT_THROW(Tensor(3.14f).matmul(Tensor::ones({3, 3})).realize(), tg::Error); });
}
TG_OPS_TEST(multidot) {
  op({{10, 45, 65}, {10, 65, 45}}, "lambda x,y: x @ y", dot, O().atol(1e-4));
  op({{3, 3, 45, 65}, {3, 3, 65, 45}}, "lambda x,y: x @ y", dot, O().atol(1e-4));
}

TG_OPS_TEST(sum_simple) { op({}, "lambda x: x.sum()", [](T x) { return x.sum(); }, V("[[1.,1.]]")); }
TG_OPS_TEST(sum_full) { op({{16384}}, "lambda x: x.sum()", [](T x) { return x.sum(); }); }
TG_OPS_TEST(sum_relu) { op({{3, 4, 5}}, "lambda x: x.relu().sum().relu()", [](T x) { return x.relu().sum().relu(); }); }
TG_OPS_TEST(sum_tiny) { op({{4, 2, 2}}, "lambda x: x.sum(axis=(0,2))", [](T x) { return x.sum({0, 2}); }); }
TG_OPS_TEST(sum) {
  op({{45, 3}}, "lambda x: x.sum()", [](T x) { return x.sum(); });
  op({{3, 4, 5, 6}}, "lambda x: x.sum(axis=3)", [](T x) { return x.sum(3); });
  op({{3, 4, 5, 6}}, "lambda x: x.sum(axis=(1,3))", [](T x) { return x.sum({1, 3}); });
  op({{3, 4, 5, 6}}, "lambda x: x.sum(axis=(0,2))", [](T x) { return x.sum({0, 2}); });
  op({{3, 4, 5, 6}}, "lambda x: x.sum(axis=(1,2))", [](T x) { return x.sum({1, 2}); });
  op({{3, 4, 5, 6}}, "lambda x: x.sum(axis=1)", [](T x) { return x.sum(1); });
  op({{3, 4, 5, 6}}, "lambda x: x.sum(axis=1, keepdim=True)", [](T x) { return x.sum(1, true); });
  op({{}}, "lambda x: x.sum()", [](T x) { return x.sum(); });
  op({{}}, "lambda x: x.sum(0)", [](T x) { return x.sum(0); });
  op({{}}, "lambda x: x.sum(-1)", [](T x) { return x.sum(-1); });
  op({{}}, "lambda x: x.sum(())", [](T x) { return x.sum(std::vector<int64_t>{}); });
  raises({{3, 4, 5, 6}}, "lambda x: x.sum(5)", [](T x) { return x.sum(5); }, "IndexError");
  raises({{}}, "lambda x: x.sum(1)", [](T x) { return x.sum(1); }, "IndexError");
  raises({{}}, "lambda x: x.sum((1,))", [](T x) { return x.sum({1}); }, "IndexError");
}
TG_OPS_TEST(sum_with_zeros_shape) {
  op({{4, 0}}, "lambda x: x.sum(axis=(0,))", [](T x) { return x.sum({0}); });
  op({{4, 0}}, "lambda x: x.sum(axis=(1,))", [](T x) { return x.sum({1}); });
  op({{4, 0}}, "lambda x: x.sum(axis=(0,1))", [](T x) { return x.sum({0, 1}); });
}

TG_OPS_TEST(prod) {
  auto all = [](T x) { return x.prod(); };
  op({}, "lambda x: x.prod()", all, V("[[1.0, 2.0, 3.0]]"));
  op({}, "lambda x: x.prod()", all, V("[[0.0, 2.0, 3.0]]"));
  op({}, "lambda x: x.prod()", all, V("[[0.0, 0.0, 3.0]]"));
  op({}, "lambda x: x.prod()", all, V("[[1.0, 2.0, 3.0]]"));  // tinygrad: the same with NOOPT=1
  op({{3, 4, 5, 6}}, "lambda x: x.prod(dim=3)", [](T x) { return x.prod(3); });
  op({{3, 4, 5, 6}}, "lambda x: x.prod(dim=1)", [](T x) { return x.prod(1); });
  op({{3, 4, 5, 6}}, "lambda x: x.prod(dim=1, keepdim=True)", [](T x) { return x.prod(1, true); });
  op({{}}, "lambda x: x.prod()", all);
  op({{}}, "lambda x: x.prod(0)", [](T x) { return x.prod(0); });
  op({{}}, "lambda x: x.prod(-1)", [](T x) { return x.prod(-1); });
}
