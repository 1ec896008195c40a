#include "onednn_device.hpp"

#include <omp.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "direct_conv.hpp"
#include "dnnl_conv.hpp"
#include "dnnl_matmul.hpp"
#include "packed_matmul.hpp"
#include "tg/render.hpp"

namespace tg::onednn {

using tg::sdk::Failure;

int cpu_threads() {
  // OMP_THREAD_LIMIT caps every team: asking for more would get fewer (see ThreadsAsAsked).
  const int limit = std::max(omp_get_thread_limit(), 1);
  if (const char* e = std::getenv("OMP_NUM_THREADS"); e && std::atoi(e) > 0) return std::min(std::atoi(e), limit);
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return std::min(CPU_COUNT(&set), limit);
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? std::min(static_cast<int>(n), limit) : 1;
}

namespace {
// tg's GEMM and oneDNN's kernels split their work by the number of threads they ask for (oneDNN
// by omp_get_max_threads(), when it plans a primitive and when it runs it). A smaller team left
// parts of the result unwritten: with OMP_DYNAMIC=true on a loaded machine (libgomp then sizes
// teams by the load average) or OMP_THREAD_LIMIT=1, a 64 x 64 matmul was off by 29. So while the
// device compiles or runs, this thread's regions get exactly the device's threads, and the
// caller's settings come back after.
class ThreadsAsAsked {
 public:
  explicit ThreadsAsAsked(int threads) : dynamic_(omp_get_dynamic()), max_(omp_get_max_threads()) {
    if (dynamic_) omp_set_dynamic(0);
    if (max_ != threads) omp_set_num_threads(threads);
  }
  ~ThreadsAsAsked() {
    if (dynamic_) omp_set_dynamic(dynamic_);
    if (omp_get_max_threads() != max_) omp_set_num_threads(max_);
  }
  ThreadsAsAsked(const ThreadsAsAsked&) = delete;
  ThreadsAsAsked& operator=(const ThreadsAsAsked&) = delete;

 private:
  int dynamic_, max_;
};
}  // namespace

// ---- buffers ------------------------------------------------------------------------------------

namespace {
constexpr uint64_t kMmapFrom = uint64_t{1} << 20;  // below this, operator new (and memset)
constexpr size_t kAlign = 64;
constexpr size_t kHugePage = size_t{2} << 20;
}  // namespace

// Buffers of a huge page or more start on a 2 MiB boundary and ask for transparent huge pages
// (a hint; a kernel with THP off ignores it). Measured here (64 MiB, 2 threads): a streaming sum
// 2.3-2.5 -> 2.0-2.2 ms, since the CPU's prefetchers stop at every 4 KiB page boundary, and the
// first touch 38 -> 11-18 ms (32 faults instead of 16384).
HostBuffer::HostBuffer(uint64_t nbytes) {
  if (nbytes >= kMmapFrom) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t len = (static_cast<size_t>(nbytes) + page - 1) / page * page;
    const size_t slack = nbytes >= kHugePage ? kHugePage : 0;
    void* p = mmap(nullptr, len + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    auto* base = static_cast<std::byte*>(p);
    data_ = base;
    if (slack) {  // keep the 2 MiB-aligned len bytes inside, give back the rest
      const size_t head = (kHugePage - reinterpret_cast<uintptr_t>(base) % kHugePage) % kHugePage;
      data_ = base + head;
      if (head) munmap(base, head);
      if (slack - head) munmap(data_ + len, slack - head);
      madvise(data_, len, MADV_HUGEPAGE);
    }
    mapped_ = len;
    return;
  }
  data_ = static_cast<std::byte*>(::operator new(nbytes ? nbytes : 1, std::align_val_t{kAlign}));
  std::memset(data_, 0, nbytes);
}

HostBuffer::~HostBuffer() {
  if (mapped_) munmap(data_, mapped_);
  else ::operator delete(data_, std::align_val_t{kAlign});
}

// ---- the device ---------------------------------------------------------------------------------

Device::Device(const tg::sdk::Host& host, const Options& options, uint64_t max_alloc)
    : host_(host), options_(options), max_alloc_(max_alloc), threads_(cpu_threads()) {
  try {
    engine_ = dnnl::engine(dnnl::engine::kind::cpu, 0);
    stream_ = dnnl::stream(engine_);
  } catch (const dnnl::error& e) {
    throw_dnnl("engine creation", e);
  }
}

void Device::caps(tg_device_caps& caps) {
  caps.dtypes = (uint64_t{1} << TG_DTYPE_COUNT_1_0) - 1;  // every dtype of tg.kir 1.0
  // every op of tg.kir 1.0, and 1.4's GATHER and SCATTER_ADD unless indexed=0
  caps.ops = (uint64_t{1} << (options_.indexed ? TG_KIR_OP_COUNT_1_4 : TG_KIR_OP_COUNT_1_0)) - 1;
  caps.fast_paths = (options_.matmul ? TG_FAST_MATMUL : 0) | (options_.conv ? TG_FAST_CONV : 0);
  caps.kir_features = TG_KIR_LINEAR_MASKS | TG_KIR_SCALAR_ARGS | (options_.indexed ? TG_KIR_INDEXED : 0);
  caps.max_alloc = max_alloc_;
}

std::unique_ptr<HostBuffer> Device::alloc(uint64_t nbytes) {
  if (nbytes > max_alloc_)
    throw Failure(TG_ERR_OUT_OF_MEMORY, "onednn: cannot allocate " + std::to_string(nbytes) +
                                            " bytes: the largest buffer is " + std::to_string(max_alloc_) +
                                            " bytes (the machine's memory)");
  try {
    return std::make_unique<HostBuffer>(nbytes);
  } catch (const std::bad_alloc&) {
    throw Failure(TG_ERR_OUT_OF_MEMORY, "onednn: out of host memory allocating " + std::to_string(nbytes) + " bytes");
  }
}

void Device::write(HostBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes) {
  std::memcpy(dst.data() + offset, src, nbytes);
}
void Device::read(HostBuffer& src, uint64_t offset, void* dst, uint64_t nbytes) {
  std::memcpy(dst, src.data() + offset, nbytes);
}
void Device::copy(HostBuffer& dst, uint64_t dst_offset, HostBuffer& src, uint64_t src_offset, uint64_t nbytes) {
  std::memcpy(dst.data() + dst_offset, src.data() + src_offset, nbytes);
}

void Device::sort_rows(const tg_sort_args& a, HostBuffer& keys, HostBuffer& indices) {
  const uint64_t row_bytes = a.n * tg::sdk::sort_key_size(a.dtype);
  const std::byte* in = keys.data() + a.keys_offset;
  auto* out = reinterpret_cast<int32_t*>(indices.data() + a.indices_offset);
  const auto rows = static_cast<int64_t>(a.rows);
  // Rows are independent; a thread sorts a contiguous block of them with its own scratch.
#pragma omp parallel num_threads(threads_) if (rows > 1 && a.rows * a.n >= (1u << 14))
  {
    tg::sdk::RowSorter sorter;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; r++)
      sorter.sort(a.dtype, a.flags & TG_SORT_DESCENDING, in + static_cast<uint64_t>(r) * row_bytes, a.n, a.k,
                  out + static_cast<uint64_t>(r) * a.k);
  }
}

JitCompiler& Device::jit() {
  if (!jit_) {
    jit_ = std::make_unique<JitCompiler>(options_.vecmath,
                                         [this](const std::string& line) { host_.log(TG_LOG_WARNING, "onednn: " + line); });
    if (jit_->available())
      debug("kernels compile with " + jit_->compiler_version() + ", cached in " + jit_->cache_dir() + "; exp2, log2, sin " +
            (jit_->vector_math() ? std::string("from libmvec") : "scalar: " + jit_->vector_math_why_not()));
    else
      debug(jit_->why_not() + "; every program but matmuls runs on the slow interpreter");
  }
  return *jit_;
}

// A generic program runs as compiled C from its first launch, or on the interpreter when it is
// not compiled (jit=0, no compiler, or a program the C generator or the compiler declines).
std::unique_ptr<Executable> Device::compile_generic(const tg_kir_program& p, const tg::sdk::ProgramInfo& info) {
  auto exe = std::make_unique<Executable>();
  exe->name = p.name ? p.name : "(unnamed)";
  if (options_.jit == 0) debug(exe->name + ": interpreter (jit=0)");
  else if (jit().available()) compile_c(*exe, p, info);
  if (!exe->fn) exe->interp = std::make_unique<tg::ref::Kernel>(p);
  return exe;
}

// Compiles the program to C into exe.fn; on failure (UNSUPPORTED) the reason is logged and
// exe.fn stays null, for the interpreter to run it.
//
// Every launch runs the compiled kernel, the first one too, whether or not the kernel is in the
// disk cache. A program used to run on the interpreter until its 2nd launch unless its object
// was cached, and the two round differently, so a cold cache and a warm one gave different
// bits (a step-0 loss of 4.182238 against 4.182239). Making the interpreter round as the kernel
// does is not in reach: the kernel reduces into 32 independent accumulators, splits large
// reductions across the threads, and takes exp2, log2 and sin from libmvec (up to 0.82 ulp from
// libm's scalar ones, and the scalar tail of a vectorized loop takes libm's). tests/tg_train_probe
// (3 Adam steps of an MLP): the interpreter's final weights sum to 0xbff10e99 and the kernels'
// to 0xbff10e75 (vecmath=0: 0xbff10e77). Tiering by launch count alone would still make a
// result depend on what ran before in the process. The price is compiling programs that run
// once, with a cold cache only: mnist --model mlp --steps 20, cold, 2.9-3.5 s -> 4.5-5.5 s
// (23 -> 34 kernels compiled); gpt (5 steps, d 32) 6.5-6.7 -> 7.8-8.8 s of CPU.
void Device::compile_c(Executable& exe, const tg_kir_program& p, const tg::sdk::ProgramInfo& info) {
  tg::render::CpuKernel src;
  try {
    src = tg::render::render_cpu(p, info, threads_);
  } catch (const Failure& f) {  // (a SCATTER_ADD of a dtype with no atomic add): the interpreter runs it
    if (f.code() != TG_ERR_UNSUPPORTED) throw;
    debug(exe.name + ": " + f.what() + "\n  -> it stays on the interpreter");
    return;
  }
  // (The dialect's header, the same in every kernel, is left out.)
  if (options_.dump) debug(exe.name + ": C source\n" + src.source.substr(std::strlen(tg::render::c_dialect().header)));
  try {
    bool cached = false;
    exe.fn = jit().get(src.source, &cached, &exe.so);
    exe.jit = &jit();
    debug(exe.name + ": compiled C (" + src.summary + (cached ? ", from the disk cache)" : ")"));
  } catch (const Failure& f) {
    if (f.code() != TG_ERR_UNSUPPORTED) throw;
    debug(exe.name + ": " + f.what() + "\n  -> it stays on the interpreter");
  }
}

// oneDNN's convolution, or tg's direct kernels for the few-channel ones oneDNN would run as im2col
// + GEMM (direct_conv.hpp: 2-3x faster for the first layer of the mnist CNN).
std::unique_ptr<Primitive> Device::make_conv(const ConvMatch& m) {
  std::string why_not = "oneDNN runs it on channel-blocked layouts";
  if (!DnnlConv::blocked(m) && options_.jit != 0 && jit().available() && DirectConv::fits(m, &why_not)) {
    if (options_.dump) debug("direct convolution: C source\n" + DirectConv::render(m, threads_));
    try {
      return std::make_unique<DirectConv>(m, jit(), threads_);
    } catch (const Failure& f) {
      if (f.code() != TG_ERR_UNSUPPORTED) throw;
      why_not = f.what();
    }
  }
  if (options_.dump) debug("not the direct convolution: " + why_not);
  return std::make_unique<DnnlConv>(engine_, m);
}

namespace {
// The GEMM a matched matmul runs on (Options::gemm): GemmIsa::none is oneDNN's.
GemmIsa gemm_for(const Options& o, const MatmulMatch& m) {
  if (m.k_split > 1) return o.gemm_auto ? gemm_best_isa() : o.gemm;  // (only tg's GEMM adds into C)
  if (!o.gemm_auto || o.gemm == GemmIsa::none) return o.gemm;
  const MatmulMatch::Sizes s = m.sizes();
  const bool large = s.flop() >= kTgGemmFromFlop && s.m >= kTgGemmMin.rows && s.n >= kTgGemmMin.cols && s.k >= kTgGemmMin.k;
  return s.batch == 1 && large ? o.gemm : GemmIsa::none;
}
}  // namespace

// A primitive for the program's REDUCE, or nullptr (with the reason logged) when none fits.
std::unique_ptr<Executable> Device::compile_primitive(const tg_kir_program& p, const tg::sdk::ProgramInfo& info) {
  const std::string name = p.name ? p.name : "(unnamed)";
  std::string why_matmul, why_conv;
  std::optional<ReduceOutput> out;
  std::string what, summary;
  auto exe = std::make_unique<Executable>();
  exe->name = name;
  try {
    if (options_.matmul) {
      if (std::optional<MatmulMatch> m = match_matmul(p, info, &why_matmul)) {
        const GemmIsa isa = gemm_for(options_, *m);
        if (isa != GemmIsa::none)
          exe->primitive = std::make_unique<PackedMatmul>(*m, isa, threads_);
        else if (m->k_split == 1)
          exe->primitive = std::make_unique<DnnlMatmul>(engine_, *m, threads_);
        else
          why_matmul = "a K split, which oneDNN's matmul does not do (gemm=onednn, or no AVX2)";
        if (exe->primitive) out = std::move(m->out), what = "matmul", summary = m->summary;
      }
    }
    if (!exe->primitive && options_.conv) {
      if (std::optional<ConvMatch> m = match_conv(p, info, &why_conv)) {
        exe->primitive = make_conv(*m);
        out = std::move(m->out), what = "convolution", summary = m->summary;
      }
    }
  } catch (const Failure& f) {
    if (f.code() != TG_ERR_UNSUPPORTED) throw;
    debug(name + ": " + f.what() + " -> a generic kernel");
    return nullptr;
  }
  if (!exe->primitive) {
    if (p.n_nodes > 0)
      debug(name + ": not a matmul (" + why_matmul + ")" + (options_.conv ? ", not a convolution (" + why_conv + ")" : ""));
    return nullptr;
  }
  // oneDNN's reference implementations are correct but far slower than a generic kernel
  // (a strided layout its optimized ones do not take): decline them.
  if (std::string(exe->primitive->impl_name()).rfind("ref", 0) == 0) {
    debug(name + ": oneDNN has only its reference " + what + " for this layout (" + summary + ") -> a generic kernel");
    return nullptr;
  }
  if (out->epilogue) {
    const tg_kir_program epilogue = out->epilogue->abi();
    exe->epilogue = compile_generic(epilogue, tg::sdk::check_program(epilogue, true, options_.indexed));
  }
  debug(name + ": " + what + " (" + summary + "; " + exe->primitive->impl_name() + ")");
  return exe;
}

std::unique_ptr<Executable> Device::compile(const tg_kir_program& p) {
  ThreadsAsAsked threads(threads_);
  const tg::sdk::ProgramInfo info = tg::sdk::check_program(p, true, options_.indexed);
  if ((options_.matmul || options_.conv) && info.has_reduce)
    if (auto exe = compile_primitive(p, info)) return exe;
  return compile_generic(p, info);
}

void Device::run(Executable& exe, std::vector<std::byte*>& base) {
  if (exe.fn) {
    // A kernel with scalar args finds them after its params (tg::render::render_cpu, tg/render.hpp).
    base.push_back(reinterpret_cast<std::byte*>(const_cast<tg_kir_scalar*>(scalars_)));
    const int rc = exe.fn(reinterpret_cast<char* const*>(base.data()));
    base.pop_back();
    if (rc != 0)
      throw Failure(TG_ERR_OUT_OF_MEMORY, "onednn: kernel " + exe.name + " could not allocate its scratch memory");
    return;
  }
  if (exe.interp) {
    exe.interp->run(base, scalars_);
    return;
  }
  const uint64_t temp_bytes = static_cast<uint64_t>(exe.primitive->temp_numel()) * 4;
  if (temp_bytes && !exe.temp) exe.temp = alloc(temp_bytes);
  std::byte* temp = exe.temp ? exe.temp->data() : nullptr;
  const uint64_t scratch_bytes = exe.primitive->scratch_bytes();
  if (scratch_bytes > scratch_bytes_) {  // one scratch for every primitive: they run one at a time
    scratch_.reset();
    scratch_ = alloc(scratch_bytes);
    scratch_bytes_ = scratch_bytes;
  }
  exe.primitive->run(stream_, base, temp, scratch_ ? scratch_->data() : nullptr);
  if (!exe.epilogue) return;
  base.push_back(exe.primitive->result(base, temp));
  run(*exe.epilogue, base);
  base.pop_back();
}

void Device::launch(Executable& exe, const std::vector<tg::sdk::LaunchBuffer<HostBuffer>>& buffers,
                    const tg_kir_scalar* scalars) {
  std::vector<std::byte*> base;
  base.reserve(buffers.size() + 3);
  for (const auto& b : buffers) base.push_back(b.buffer->data() + b.offset);
  ThreadsAsAsked threads(threads_);
  scalars_ = scalars;
  run(exe, base);
  scalars_ = nullptr;
}

// ---- the plugin ---------------------------------------------------------------------------------

namespace {

uint64_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

Options parse_options(const std::string& text, const tg::sdk::Host& host) {
  Options o;
  for (const auto& [key, value] : tg::sdk::option_items(text)) {
    if (key == "jit" && (value == "0" || value == "1" || value == "2")) {
      o.jit = value[0] - '0';
      continue;
    }
    if (key == "gemm" && (value == "onednn" || value == "avx2" || value == "avx512")) {
      const GemmIsa best = gemm_best_isa();
      if ((value == "avx512" && best != GemmIsa::avx512) || (value == "avx2" && best == GemmIsa::none))
        throw Failure(TG_ERR_INVALID_ARGUMENT, "onednn: gemm=" + value + " in TG_PLUGIN_OPTIONS_ONEDNN, but this CPU runs " +
                                                   (best == GemmIsa::none ? std::string("neither AVX2 + FMA nor AVX-512")
                                                                          : "at most " + std::string(gemm_isa_name(best))) +
                                                   "; use gemm=onednn or a narrower one");
      o.gemm = value == "avx512" ? GemmIsa::avx512 : value == "avx2" ? GemmIsa::avx2 : GemmIsa::none;
      o.gemm_auto = false;
      continue;
    }
    if ((key == "matmul" || key == "conv" || key == "dump" || key == "vecmath" || key == "indexed") &&
        (value == "0" || value == "1")) {
      (key == "matmul" ? o.matmul : key == "conv" ? o.conv : key == "dump" ? o.dump : key == "indexed" ? o.indexed : o.vecmath) =
          value == "1";
      continue;
    }
    throw Failure(TG_ERR_INVALID_ARGUMENT, "onednn: unknown option \"" + key + (value.empty() ? "" : "=" + value) +
                                               "\" in TG_PLUGIN_OPTIONS_ONEDNN; it takes jit=0|1|2, matmul=0|1, gemm=onednn|avx2|avx512, conv=0|1, indexed=0|1, vecmath=0|1 and dump=0|1");
  }
  // Unset: tg's AVX2 GEMM for the large matmuls where the CPU's widest is AVX2 (gemm_for).
  if (o.gemm_auto) o.gemm = gemm_best_isa() == GemmIsa::avx2 ? GemmIsa::avx2 : GemmIsa::none;
  (void)host;
  return o;
}

}  // namespace

Plugin::Plugin(const tg_init_args& args)
    : host_(*args.host), options_(parse_options(args.options, host_)), memory_bytes_(physical_memory()) {
  const dnnl_version_t* v = dnnl_version();
  name_ = "CPU (" + std::to_string(cpu_threads()) + " threads, oneDNN " + std::to_string(v->major) + "." +
          std::to_string(v->minor) + ")";
}

void Plugin::device_props(uint32_t, tg_device_props& props) {
  props.name = name_.c_str();
  props.kind = TG_DEVICE_CPU;
  props.memory_bytes = memory_bytes_;
}

std::unique_ptr<Device> Plugin::open(uint32_t) {
  const uint64_t max_alloc = memory_bytes_ ? memory_bytes_ : uint64_t{1} << 40;
  return std::make_unique<Device>(host_, options_, max_alloc);
}

}  // namespace tg::onednn
