#include "schedule/run_schedule.hpp"

#include <sstream>

#include "runtime/plugin_host.hpp"
#include "runtime/runtime.hpp"
#include "schedule/capture.hpp"
#include "schedule/schedule.hpp"
#include "tg/error.hpp"

namespace tg::detail {
namespace {

std::shared_ptr<Device> fallback_device(const Device& failed) {
  if (failed.name().rfind("ref:", 0) == 0) return nullptr;
  try {
    return get_device("ref");
  } catch (const Error&) {
    return nullptr;
  }
}

// A fresh buffer on `to` of from's size, holding from's bytes when with_data (through the host).
std::shared_ptr<Buffer> copy_to(Buffer& from, Device& to, bool with_data) {
  auto b = to.alloc(from.nbytes);
  if (with_data && from.nbytes) {
    std::vector<uint8_t> host(from.nbytes);
    from.device->read(from, host.data(), from.nbytes);
    to.write(*b, host.data(), from.nbytes);
  }
  return b;
}

// A kernel its device declined: run on the reference device with copies there and back. (Its
// program's offsets are this graph's: a schedule with a fallback is never run again.)
void run_on_fallback(const ScheduleItem& k, const Graph& g) {
  const KirProgram& prog = *k.program;
  Device& dev = *k.device;
  auto fb = fallback_device(dev);
  if (!fb)
    throw Error("kernel " + prog.name + " cannot run on " + dev.name() + ": " + k.declined +
                " (and no fallback device is available)");
  debug_log(dev.name() + " declined " + prog.name + " (" + k.declined + "); running it on " + fb->name());
  std::string fb_reason;
  tg_executable* exe = fb->compile(prog, &fb_reason);
  if (!exe) throw Error("kernel " + prog.name + " is unsupported on " + dev.name() + " (" + k.declined + ") and on " +
                        fb->name() + " (" + fb_reason + ")");
  std::vector<std::shared_ptr<Buffer>> there;
  std::vector<Buffer*> bufs;
  std::vector<uint64_t> offsets;
  for (size_t i = 0; i < k.params.size(); i++) {
    Node& n = *g.order[k.params[i]];
    // (a param written but not allocated fresh accumulates into its start value: copied there)
    there.push_back(copy_to(*n.buffer, *fb, prog.params[i].access == TG_PARAM_READ || !k.written[i]));
    bufs.push_back(there.back().get());
    offsets.push_back(static_cast<uint64_t>(prog.param_offsets[i] * dtype_size(n.dtype)));
  }
  fb->launch(exe, bufs, prog.name, offsets, prog.scalar_values);
  for (size_t i = 0; i < k.params.size(); i++)
    if (prog.params[i].access == TG_PARAM_WRITE) g.order[k.params[i]]->buffer = copy_to(*there[i], dev, true);
}

void copy_into(Node& n) { n.buffer = copy_to(*n.src[0]->buffer, *n.device, true); }

std::string node_text(const Graph& g, uint32_t p) {
  const Node& n = *g.order[p];
  std::string s = "%" + std::to_string(p) + " " + dtype_name(n.dtype) + "[";
  for (size_t d = 0; d < n.shape.size(); d++) s += (d ? "," : "") + std::to_string(n.shape[d]);
  return s + "]";
}

// A launch as a Capture (capture.hpp) keeps it.
void record(Capture& c, const ScheduleItem& k, const Graph& g, const std::vector<uint64_t>& offsets,
            const std::vector<tg_kir_scalar>& scalars) {
  CapturedLaunch l;
  l.device = k.device->shared_from_this();
  l.exe = k.exe;
  l.name = k.name;
  for (uint32_t p : k.params) l.buffers.push_back(g.order[p]->buffer);
  l.fresh = k.written;
  l.offsets = offsets;
  l.scalars = scalars;
  c.launches.push_back(std::move(l));
}

void refuse(const char* what, const std::string& name) {
  if (Capture* c = active_capture(); c && c->refused.empty()) c->refused = what + name;
}

}  // namespace

void sort_into(Node& n) {
  Node& keys = *n.src[0];
  n.buffer = n.device->alloc(n.nbytes());
  if (n.numel() == 0) return;
  const auto rows = static_cast<uint64_t>(keys.numel() / keys.shape.back());
  n.device->sort_rows(*keys.buffer, keys.dtype, rows, static_cast<uint64_t>(keys.shape.back()),
                      static_cast<uint64_t>(n.dims[0]), n.dims[1] != 0, *n.buffer);
}

void compile_schedule(Schedule& s) {
  for (ScheduleItem& k : s.items) {
    if (k.kind != ScheduleItem::Kind::KERNEL || !k.launch || k.exe) continue;
    k.exe = k.device->compile(*k.program, &k.declined);
    if (!k.exe) s.cacheable = false;
  }
}

void run_schedule(const Schedule& s, const Graph& g, const Liveness* live) {
  std::vector<Buffer*> bufs;
  std::vector<uint64_t> offsets;
  std::vector<tg_kir_scalar> scalars;
  for (const ScheduleItem& k : s.items) {
    switch (k.kind) {
      case ScheduleItem::Kind::KERNEL: {
        bufs.clear();
        offsets.assign(k.params.size(), 0);
        for (size_t i = 0; i < k.params.size(); i++) {
          Node* n = g.order[k.params[i]];
          if (k.written[i]) n->buffer = k.device->alloc(n->nbytes());
          bufs.push_back(n->buffer.get());
          for (const OffsetTerm& t : k.offsets[i]) offsets[i] += static_cast<uint64_t>(t.coeff * g.values[t.var].i);
        }
        if (!k.launch) {
          refuse("an empty output: ", k.name);
          break;
        }
        if (!k.exe) {
          refuse("a kernel on the fallback device: ", k.name);
          run_on_fallback(k, g);
          break;
        }
        scalars.clear();
        for (uint32_t v : k.scalars) scalars.push_back(tg_kir_scalar{0, g.values[v].f});
        k.device->launch(k.exe, bufs, k.name, offsets, scalars);
        if (Capture* c = active_capture()) record(*c, k, g, offsets, scalars);
        break;
      }
      case ScheduleItem::Kind::COPY:
        refuse("a copy to ", g.order[k.dst]->device->name());
        copy_into(*g.order[k.dst]);
        break;
      case ScheduleItem::Kind::ALIAS: g.order[k.dst]->buffer = g.order[k.src]->buffer; break;
      case ScheduleItem::Kind::SORT:
        refuse("a sort", "");
        sort_into(*g.order[k.dst]);
        break;
      case ScheduleItem::Kind::RELEASE:
        for (uint32_t p : k.params)
          if (live->releasable(p)) g.order[p]->buffer.reset();
        break;
    }
  }
}

std::string to_string(const ScheduleItem& k, const Graph& g) {
  std::ostringstream os;
  switch (k.kind) {
    case ScheduleItem::Kind::KERNEL: {
      os << "kernel " << k.name << " -> " << node_text(g, k.params[0]);
      std::string reads, writes;
      for (size_t i = 1; i < k.params.size(); i++) (k.written[i] ? writes : reads) += " " + node_text(g, k.params[i]);
      if (!reads.empty()) os << "  reads" << reads;
      if (!writes.empty()) os << "  also writes" << writes;
      if (!k.written[0]) os << " (adds into its output)";
      if (!k.launch) os << " (empty: nothing runs)";
      break;
    }
    case ScheduleItem::Kind::COPY:
      os << "copy -> " << node_text(g, k.dst) << " on " << g.order[k.dst]->device->name();
      break;
    case ScheduleItem::Kind::SORT: os << "sort -> " << node_text(g, k.dst); break;
    case ScheduleItem::Kind::ALIAS: os << "alias " << node_text(g, k.dst) << " = %" << k.src; break;
    case ScheduleItem::Kind::RELEASE:
      os << "release";
      for (uint32_t p : k.params) os << " %" << p;
      break;
  }
  if (k.rule) os << "  [rule: " << k.rule << "]";
  return os.str();
}

std::string to_string(const Schedule& s, const Graph& g) {
  std::string out = "schedule (" + std::to_string(s.items.size()) + " items)\n";
  for (size_t i = 0; i < s.items.size(); i++) out += "  " + std::to_string(i) + ". " + to_string(s.items[i], g) + "\n";
  return out;
}

}  // namespace tg::detail
