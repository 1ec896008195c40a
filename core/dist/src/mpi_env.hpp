#pragma once
// The MPI side of tg::dist, private to libtg-dist: the state of init/finalize, MPI calls turned
// into tg::Error, and waiting for a request with the TG_DIST_TIMEOUT deadline.
#include <mpi.h>

#include <cstdint>
#include <string>

#include "tg/dtype.hpp"

namespace tg::dist::detail {

// Throws tg::Error unless init() was called and finalize() was not; `what` names the caller
// ("all_reduce"). Also throws once a collective has timed out (MPI is then broken), except for
// local queries (rank, world_size: `local`).
void require_init(const char* what, bool local = false);
// Throws tg::Error with MPI's own text when rc is not MPI_SUCCESS.
void check(int rc, const std::string& what);
// Waits for req, driving MPI's progress (MPI_Test), until it completes or TG_DIST_TIMEOUT
// seconds pass; then throws tg::Error naming `what` and marks MPI as broken.
void wait(MPI_Request& req, const std::string& what);
// Drives progress without waiting: true when req is complete.
bool test(MPI_Request& req, const std::string& what);
// The MPI datatype of a tg dtype; tg::Error (with the fix) for float16 and bfloat16.
MPI_Datatype mpi_type(DType dtype, const char* what);

}  // namespace tg::dist::detail
