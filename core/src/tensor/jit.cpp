// tg::TinyJit (tg/jit.hpp): call 1 runs the function, call 2 runs it under a Capture
// (schedule/capture.hpp) and turns the launches it recorded into a replay, calls 3+ replay.
//
// A replay names every buffer a launch bound by where it comes from, never by the buffer itself:
//   - INPUT: the buffer of input i of this call;
//   - SLOT: a buffer one of the captured launches allocated (an intermediate or an output):
//     allocated again, fresh, by that launch in every replay, so outputs never alias earlier ones;
//   - HELD: a buffer that was there before the capture (a weight, a constant). The replay holds
//     it weakly: if its tensor moved on to a new buffer (assign(), a loaded checkpoint) and the
//     old one is gone, the next call captures again instead of reading the stale one.
#include "tg/jit.hpp"

#include <unordered_map>

#include "runtime/plugin_host.hpp"
#include "runtime/runtime.hpp"
#include "schedule/capture.hpp"
#include "schedule/replay.hpp"
#include "tensor/impl.hpp"

namespace tg {

namespace {

using detail::Buffer;

enum class From { INPUT, SLOT, HELD };

struct Binding {
  From from;
  uint32_t index;
};

struct Launch {
  std::shared_ptr<detail::Device> device;
  tg_executable* exe;
  std::string name;
  std::vector<Binding> params;
  std::vector<bool> fresh;
  std::vector<uint64_t> offsets;
  std::vector<tg_kir_scalar> scalars;
};

struct InputSpec {
  DType dtype;
  detail::Dims shape;
  std::shared_ptr<detail::Device> device;
  int32_t same_as = -1;  // an earlier input with the same buffer (the same tensor passed twice)
};

struct OutputSpec {
  Binding from;
  DType dtype;
  detail::Dims shape;
};

// Captures that found a buffer they read gone, in a row, before a TinyJit stops capturing.
constexpr int kMaxStaleCaptures = 3;

}  // namespace

struct TinyJit::State {
  Function fn;
  int calls = 0;        // calls since the last (re)start: 0 runs plainly, 1 captures
  bool plain = false;   // run the function on every call (a capture was refused)
  int stale = 0;        // captures in a row that went stale before their first replay
  bool replayed = false;
  uint64_t generation = 0;
  std::vector<InputSpec> inputs;
  std::vector<Launch> launches;
  std::vector<uint64_t> slot_bytes;
  std::vector<std::weak_ptr<Buffer>> held;
  std::vector<OutputSpec> outputs;

  // Turns a capture into a replay: each bound buffer becomes an input, a slot or a held buffer.
  // False (with why) where the outputs are not what the captured launches computed.
  bool build(detail::Capture& cap, const std::vector<std::shared_ptr<Buffer>>& in, const std::vector<Tensor>& outs,
             std::string& why);
  // Launches the captured kernels with this call's input buffers and returns the outputs; false
  // (outputs untouched) when a program may have been freed or a held buffer is gone (*held_gone).
  bool replay(const std::vector<Tensor>& inputs, const std::vector<std::shared_ptr<Buffer>>& in,
              const std::vector<InputSpec>& specs, std::vector<Tensor>& outs, bool* held_gone);
  // Runs the function under a Capture and keeps its replay (or, refused, runs plainly from now on).
  std::vector<Tensor> capture(const std::vector<Tensor>& inputs, const std::vector<std::shared_ptr<Buffer>>& in);
  std::vector<Tensor> run_plain(const std::vector<Tensor>& inputs) {
    std::vector<Tensor> outs = fn(inputs);
    realize(outs);
    return outs;
  }

  void restart() {
    calls = 0;
    launches.clear();
    slot_bytes.clear();
    held.clear();
    outputs.clear();
    inputs.clear();
  }
};

namespace {

// The inputs realized, and their buffers (each holds its tensor's value from offset 0).
std::vector<std::shared_ptr<Buffer>> input_buffers(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> v = inputs;
  realize(v);
  std::vector<std::shared_ptr<Buffer>> bufs;
  for (const Tensor& t : v) bufs.push_back(detail::node_of(t)->buffer);
  return bufs;
}

std::vector<InputSpec> specs_of(const std::vector<Tensor>& inputs, const std::vector<std::shared_ptr<Buffer>>& bufs) {
  std::vector<InputSpec> specs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto n = detail::node_of(inputs[i]);
    InputSpec s{n->dtype, n->shape, n->device, -1};
    for (size_t j = 0; j < i; ++j)
      if (bufs[j] == bufs[i]) {
        s.same_as = static_cast<int32_t>(j);
        break;
      }
    specs.push_back(std::move(s));
  }
  return specs;
}

std::string describe(const InputSpec& s) {
  return std::string(dtype_name(s.dtype)) + detail::shape_str(s.shape) + " on " + s.device->name();
}

}  // namespace

bool TinyJit::State::build(detail::Capture& cap, const std::vector<std::shared_ptr<Buffer>>& in,
                           const std::vector<Tensor>& outs, std::string& why) {
  std::unordered_map<const Buffer*, Binding> seen;
  for (size_t i = 0; i < in.size(); ++i)
    seen.emplace(in[i].get(), Binding{From::INPUT, static_cast<uint32_t>(i)});
  for (detail::CapturedLaunch& c : cap.launches) {
    Launch l{c.device, c.exe, c.name, {}, c.fresh, c.offsets, c.scalars};
    for (size_t j = 0; j < c.buffers.size(); ++j) {
      const Buffer* b = c.buffers[j].get();
      auto it = seen.find(b);
      if (c.fresh[j] && it == seen.end()) {
        it = seen.emplace(b, Binding{From::SLOT, static_cast<uint32_t>(slot_bytes.size())}).first;
        slot_bytes.push_back(c.buffers[j]->nbytes);
      } else if (it == seen.end()) {
        it = seen.emplace(b, Binding{From::HELD, static_cast<uint32_t>(held.size())}).first;
        held.push_back(c.buffers[j]);
      } else if (c.fresh[j]) {
        why = "kernel " + c.name + " writes a buffer afresh that an earlier one used";
        return false;
      }
      l.params.push_back(it->second);
    }
    launches.push_back(std::move(l));
  }
  for (const Tensor& t : outs) {
    auto n = detail::node_of(t);
    auto it = seen.find(n->buffer.get());
    if (it == seen.end() || it->second.from == From::HELD) {
      why = "an output is not computed by the function's kernels (return inputs and weights outside the TinyJit)";
      return false;
    }
    outputs.push_back(OutputSpec{it->second, n->dtype, n->shape});
  }
  return true;
}

TinyJit::TinyJit(Function fn) : s_(std::make_unique<State>()) { s_->fn = std::move(fn); }
TinyJit::~TinyJit() = default;

void TinyJit::reset() {
  s_->restart();
  s_->plain = false;
  s_->stale = 0;
}

bool TinyJit::captured() const { return !s_->plain && s_->calls >= 2; }

bool TinyJit::State::replay(const std::vector<Tensor>& inputs, const std::vector<std::shared_ptr<Buffer>>& in,
                            const std::vector<InputSpec>& specs, std::vector<Tensor>& outs, bool* held_gone) {
  std::vector<std::shared_ptr<Buffer>> held_now;
  held_now.reserve(held.size());
  for (const auto& h : held) {
    held_now.push_back(h.lock());
    if (!held_now.back()) {
      *held_gone = true;
      return false;
    }
  }
  // (a program evicted since the capture may be freed: schedule_cache_generation() moved)
  if (detail::schedule_cache_generation() != generation) return false;
  for (size_t i = 0; i < specs.size(); ++i)
    if (specs[i].same_as != this->inputs[i].same_as) return false;
  std::vector<std::shared_ptr<Buffer>> slots(slot_bytes.size());
  std::vector<Buffer*> bufs;
  for (const Launch& l : launches) {
    bufs.clear();
    for (size_t j = 0; j < l.params.size(); ++j) {
      const Binding& b = l.params[j];
      if (b.from == From::INPUT) bufs.push_back(in[b.index].get());
      else if (b.from == From::HELD) bufs.push_back(held_now[b.index].get());
      else {
        if (l.fresh[j]) slots[b.index] = l.device->alloc(slot_bytes[b.index]);
        bufs.push_back(slots[b.index].get());
      }
    }
    l.device->launch(l.exe, bufs, l.name, l.offsets, l.scalars);
  }
  outs.clear();
  for (const OutputSpec& o : outputs) {
    if (o.from.from == From::INPUT) {
      outs.push_back(inputs[o.from.index].detach());
      continue;
    }
    detail::Node n;
    n.op = detail::Op::BUFFER;
    n.dtype = o.dtype;
    n.shape = o.shape;
    n.buffer = slots[o.from.index];
    n.device = n.buffer->device;
    outs.push_back(detail::make_leaf(detail::intern(std::move(n)), TensorOptions{}));
  }
  return true;
}

std::vector<Tensor> TinyJit::State::capture(const std::vector<Tensor>& inputs,
                                            const std::vector<std::shared_ptr<Buffer>>& in) {
  replayed = false;
  detail::Capture cap;
  std::vector<Tensor> outs;
  generation = detail::schedule_cache_generation();
  {
    detail::CaptureScope scope(cap);
    outs = fn(inputs);
    realize(outs);
  }
  std::string why = cap.refused;
  if (why.empty()) {
    this->inputs = specs_of(inputs, in);
    build(cap, in, outs, why);
  }
  if (!why.empty()) {
    detail::debug_log("TinyJit: not capturing (" + why + "); running the function on every call");
    restart();
    plain = true;
    return outs;
  }
  calls = 2;
  return outs;
}

std::vector<Tensor> TinyJit::operator()(const std::vector<Tensor>& inputs) {
  State& st = *s_;
  for (const Tensor& t : inputs) detail::node_of(t);  // (an empty handle throws here)
  if (st.plain) return st.run_plain(inputs);
  if (st.calls == 0) {
    ++st.calls;
    return st.run_plain(inputs);
  }
  detail::RealizeInFlight in_flight;  // (programs another thread evicts stay valid until we are done)
  const std::vector<std::shared_ptr<Buffer>> in = input_buffers(inputs);
  if (st.calls >= 2) {
    const std::vector<InputSpec> specs = specs_of(inputs, in);
    if (specs.size() != st.inputs.size())
      throw Error("TinyJit: called with " + std::to_string(specs.size()) + " inputs, captured with " +
                  std::to_string(st.inputs.size()));
    for (size_t i = 0; i < specs.size(); ++i)
      if (specs[i].dtype != st.inputs[i].dtype || specs[i].shape != st.inputs[i].shape ||
          specs[i].device != st.inputs[i].device)
        throw Error("TinyJit: input " + std::to_string(i) + " is " + describe(specs[i]) + ", captured as " +
                    describe(st.inputs[i]) + " (inputs keep their dtype, shape and device; call reset() to capture anew)");
    std::vector<Tensor> outs;
    bool held_gone = false;
    if (st.replay(inputs, in, specs, outs, &held_gone)) {
      st.stale = 0;
      st.replayed = true;
      return outs;
    }
    // Capture again. A capture whose held buffer went before it could replay even once (a tensor
    // the function makes from host data each call) counts towards giving up.
    const bool give_up = held_gone && !st.replayed && ++st.stale >= kMaxStaleCaptures;
    st.restart();
    if (give_up) {
      detail::debug_log("TinyJit: every capture found a buffer it read gone before it could replay (tensors made "
                        "inside the function and read as they are?); running the function on every call");
      st.plain = true;
      return st.run_plain(inputs);
    }
  }
  return st.capture(inputs, in);  // (call 2, or a capture gone stale: the kernels are compiled)
}

}  // namespace tg
