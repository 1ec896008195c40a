// init/finalize and the state every collective checks first; the TG_DIST_TIMEOUT wait.
#include "mpi_env.hpp"

#include <chrono>
#include <thread>

#include "runtime/env.hpp"
#include "tg/dist.hpp"
#include "tg/error.hpp"

namespace tg::dist {
namespace {

bool g_finalized = false;  // MPI allows one init per process: after finalize() none again
bool g_broken = false;     // a collective timed out: requests are left pending, MPI cannot go on
std::string g_broken_by;

void start(int* argc, char*** argv) {
  int up = 0;
  MPI_Initialized(&up);
  if (g_finalized)
    throw Error("tg::dist::init: finalize() was already called in this process; MPI starts only once per "
                "process, so call init() once at the start of main and finalize() once at its end");
  if (up) return;
  int provided = 0;
  // FUNNELED: tg's own threads (the onednn plugin's) never call MPI, only the thread that
  // called init does.
  int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  if (rc != MPI_SUCCESS) throw Error("tg::dist::init: MPI_Init_thread failed (code " + std::to_string(rc) + ")");
  // Errors come back as return codes (tg::Error) instead of MPI aborting every rank.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

}  // namespace

void init(int& argc, char**& argv) { start(&argc, &argv); }
void init() { start(nullptr, nullptr); }

bool is_initialized() {
  int up = 0, down = 0;
  MPI_Initialized(&up);
  MPI_Finalized(&down);
  return up && !down;
}

void finalize() {
  if (!is_initialized()) return;
  g_finalized = true;
  // After a timeout a request is still pending and MPI_Finalize would wait for it forever: the
  // process leaves without it (mpirun reports the rank's exit and ends the job).
  if (g_broken) return;
  detail::check(MPI_Finalize(), "tg::dist::finalize: MPI_Finalize");
}

int rank() {
  detail::require_init("rank", true);
  int r = 0;
  detail::check(MPI_Comm_rank(MPI_COMM_WORLD, &r), "MPI_Comm_rank");
  return r;
}

int world_size() {
  detail::require_init("world_size", true);
  int n = 0;
  detail::check(MPI_Comm_size(MPI_COMM_WORLD, &n), "MPI_Comm_size");
  return n;
}

int64_t local_batch_size(int64_t global_batch) {
  const int64_t world = world_size();
  if (global_batch <= 0) throw Error("tg::dist::local_batch_size: the global batch must be positive, got " +
                                     std::to_string(global_batch));
  if (global_batch % world != 0) {
    const int64_t below = global_batch / world * world, above = below + world;
    throw Error("tg::dist: the global batch " + std::to_string(global_batch) + " does not divide among " +
                std::to_string(world) + " ranks (world_size); use a multiple of " + std::to_string(world) +
                (below > 0 ? " such as " + std::to_string(below) + " or " + std::to_string(above)
                           : " such as " + std::to_string(above)) +
                ", or run with a number of ranks that divides " + std::to_string(global_batch));
  }
  return global_batch / world;
}

namespace detail {

void require_init(const char* what, bool local) {
  if (g_broken && !local)
    throw Error(std::string("tg::dist::") + what + ": MPI communication is broken since " + g_broken_by +
                " timed out; end this process (mpirun then ends the other ranks)");
  if (!is_initialized())
    throw Error(std::string("tg::dist::") + what + ": MPI is not running: " +
                (g_finalized ? "finalize() was already called (call collectives before finalize())"
                             : "call tg::dist::init(argc, argv) first, and start the program with mpirun -n N"));
}

void check(int rc, const std::string& what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
  throw Error("tg::dist: " + what + " failed: " + (len ? std::string(text, static_cast<size_t>(len)) : "MPI error " + std::to_string(rc)) +
              " (a rank may have died; see the other ranks' output)");
}

bool test(MPI_Request& req, const std::string& what) {
  int done = 0;
  check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), what);
  return done != 0;
}

void wait(MPI_Request& req, const std::string& what) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const int timeout_s = tg::detail::env_int("TG_DIST_TIMEOUT");
  for (long spins = 0;; ++spins) {
    if (test(req, what)) return;
    // MPI_Wait would spin the same way; this one looks at the clock every 1024 tests, gives
    // the core away after a millisecond (other ranks may share it) and sleeps once the wait is
    // long (a rank that is far behind).
    if ((spins & 1023) != 1023) continue;
    const double waited = std::chrono::duration<double>(clock::now() - start).count();
    if (timeout_s > 0 && waited > timeout_s) {
      g_broken = true;
      g_broken_by = what;
      int r = -1;
      MPI_Comm_rank(MPI_COMM_WORLD, &r);
      throw Error("tg::dist: " + what + " on rank " + std::to_string(r) + " waited " + std::to_string(timeout_s) +
                  " s for the other ranks (TG_DIST_TIMEOUT): a rank has died, hangs, or stopped calling the same "
                  "collectives in the same order. End this process; raise TG_DIST_TIMEOUT if ranks are just slow");
    }
    if (waited > 1.0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    else if (waited > 1e-3) std::this_thread::yield();
  }
}

MPI_Datatype mpi_type(DType dtype, const char* what) {
  switch (dtype) {
    case DType::bool_: return MPI_UINT8_T;
    case DType::int8: return MPI_INT8_T;
    case DType::uint8: return MPI_UINT8_T;
    case DType::int16: return MPI_INT16_T;
    case DType::int32: return MPI_INT32_T;
    case DType::int64: return MPI_INT64_T;
    case DType::float32: return MPI_FLOAT;
    case DType::float64: return MPI_DOUBLE;
    case DType::float16:
    case DType::bfloat16: break;
  }
  throw Error(std::string("tg::dist::") + what + ": MPI has no " + dtype_name(dtype) +
              " type; cast the tensor to float32 first (t.cast(tg::DType::float32)) and back after");
}

}  // namespace detail
}  // namespace tg::dist
