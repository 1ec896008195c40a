// The text of `tg conformance --help` after the options: what the suite checks.
#include "conformance.hpp"

namespace tg::conformance {

std::string describe() {
  return R"(What it checks (sections; a case name is section/what/...):
  loading    the file opens with RTLD_NOW|RTLD_LOCAL, is named libtg-<name>.so after its table's
             name, exports tg_plugin_get_api (and tg_plugin_probe) and nothing else,
             tg_plugin_get_api returns NULL for an unknown major, every mandatory slot is set,
             loading and tg_plugin_probe start no thread and open no device
  structs    in-structs at exactly the 1.0 size followed by an unreadable page (no read past
             struct_size) and larger with poison in the tail (ignored); props/caps filled only
             up to the caller's struct_size
  errors     NULL handles, bad indices, ranges outside a buffer -> INVALID_ARGUMENT; impossible
             allocations -> OUT_OF_MEMORY naming the size; unknown ops, dtypes, reduce kinds and
             more than 8 dims -> UNSUPPORTED; malformed programs and launches -> INVALID_ARGUMENT;
             every message non-empty UTF-8; no crash
  memory     every dtype round-trips bit-exactly at offsets; copies; guard bytes; 1000 live
             buffers; allocation churn gives memory back; params sharing one buffer
  ops        every elementwise op x dtype x view class (contiguous, broadcast, transposed,
             strided, flipped, padded, size0, size1, scalar; large at level full)
  cast       every dtype pair (-1000..1000: saturating and wrapping casts); reduce: SUM/MAX/PROD
             x dtype x axes (each axis, several, all, empty, size 1, long; large at level full)
  rules      each named rule of tg/plugin.h's SEMANTICS, exactly (bit for bit; -0 is not +0):
             casts out of range, of infinities and NaN, int -> int wrapping, one rounding to
             float (int64 2^60+2^52+1 -> bfloat16 0x5d81); integer overflow, IDIV/MOD of
             INT_MIN by -1 and by 0; ADD/MUL/MAX/NEG/SUM/PROD on bool; MAX with NaN and on
             ties; signed zeros; float16/bfloat16 rounding per node and their accumulators;
             duplicate stores; launch offsets of one element. A violation quotes the rule.
  fused      matmul patterns with epilogues, nested and padded reductions, two outputs, mixed
             dtypes, eight dims, constant-only programs
  random     randomly generated fused programs with fixed seeds (25 / 150 / 600 by level)
  lifecycle  init/shutdown cycles, two instances, device reopen, objects freed in any order,
             an executable relaunched, exit without shutdown

Every other program result is compared with a long double evaluation of the same tg.kir on
the host: integers exactly, floats within a bound that allows each op the accuracy plugin.h's
table gives it (ADD/MUL one rounding, CAST of an exact value exactly, SQRT/RECIP 3 ulp,
EXP2/LOG2/SIN 4 ulp; sums (n-1) roundings unless exact) propagated through the program. Buffers carry guard bytes; read params must not change.
Capability honesty: what the device's caps claim (ops, dtypes) must compile and match; what they
do not claim must be refused with UNSUPPORTED at compile (or, if it runs, match).

Levels (each includes the ones before): abi (no device needed), quick, standard (default), full.
Filters: glob patterns over case names (a pattern without * ? [ matches as a substring);
several --filter options or a comma list; a leading '-' excludes: --filter 'ops/*,-*/float16/*'.
Each case runs in a child process: a crash or a hang (--timeout) fails that case only.
Exit status: 0 when every selected case passed, 1 when any failed, 2 for a usage error.
)";
}

}  // namespace tg::conformance
