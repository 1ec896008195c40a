// tg bench topk / sort: ordering 1024 rows of 50,000 float32 values (a batch of vocabulary-sized
// logits) along the last dim, beside torch.topk / torch.sort on the same shape. Both return
// values and indices; tg's are realized (its values are a gather at the indices).
#include <tg/tg.hpp>

#include <string>
#include <vector>

#include "bench_workload.hpp"

namespace tgtool {
namespace {

constexpr int64_t kRows = 1024, kCols = 50000;
const char* const kTorchInput = "x = torch.randn(1024, 50000)\n";

Workload ordering(const std::string& label, std::function<std::pair<tg::Tensor, tg::Tensor>(const tg::Tensor&)> op,
                  const std::string& torch_call) {
  tg::Tensor x = tg::Tensor::randn({kRows, kCols}).realize();
  Workload w;
  w.label = label;
  w.work = 1;
  w.unit = "runs/s";
  w.run = [x, op] {
    auto [values, indices] = op(x);
    std::vector<tg::Tensor> both = {values, indices};
    tg::realize(both);
    tg::synchronize();
  };
  w.torch_body = std::string(kTorchInput) + "def f():\n    " + torch_call + "\n";
  return w;
}

}  // namespace

Workload topk_rows(int64_t k) {
  const std::string ks = std::to_string(k);
  return ordering("topk k=" + ks + " of (1024, 50000)", [k](const tg::Tensor& x) { return x.topk(k); },
                  "x.topk(" + ks + ", dim=-1)");
}

Workload sort_rows() {
  return ordering("sort of (1024, 50000)", [](const tg::Tensor& x) { return x.sort(-1); }, "x.sort(dim=-1)");
}

}  // namespace tgtool
