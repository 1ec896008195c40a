#pragma once
// One tg bench workload: a run on tg and the same work as a PyTorch script (cmd_bench.cpp times
// both; bench_gpt.cpp defines the GPT ones).
#include <cstdint>
#include <functional>
#include <string>

namespace tgtool {

struct Workload {
  std::string label;      // "matmul 1024 fp32"
  double work = 0;        // flops or bytes per run (1: the rate is runs per second)
  const char* unit = "";  // "GFLOP/s", "GB/s", "steps/s"
  std::function<void()> run;   // one run on tg (ends synchronized)
  std::string torch_body;      // python: defines f() doing the same work
};

// tg bench gpt: examples/gpt's model (2 layers, 4 heads, d 128): the training step (context 64,
// AdamW, the given batch) and one generated token at positions 10 and 200 (KV cache, context 256).
Workload gpt_train_step(int64_t batch);
Workload gpt_token(int64_t position);
// tg bench topk / sort (bench_sort.cpp): along the last dim of a (1024, 50000) float32 tensor.
Workload topk_rows(int64_t k);
Workload sort_rows();

}  // namespace tgtool
