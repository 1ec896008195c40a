/*
 * tg/plugin.h -- the tg device plugin ABI, version 1.5 (1.1 added TG_FAST_CONV, 1.2 linear masks,
 * 1.3 scalar launch arguments, 1.4 buffer_host_pointer, GATHER and SCATTER_ADD, 1.5 sort_rows).
 *
 * This header is the one contract between the tg core (libtg) and every device plugin
 * (libtg-<name>.so). It is strict C99, has no dependencies beyond <stddef.h> and <stdint.h>,
 * and is the plugin author's manual: every field says who owns what, whether it is optional,
 * and its default.
 *
 * VERSIONING (a promise to plugin authors)
 *   - The ABI has a major and a minor version. A core loads a plugin whose table says the core's
 *     major (abi_major) and a minor (abi_minor, the plugin's) of at least the core header's
 *     TG_ABI_MIN_MINOR (0 today: every 1.x plugin). TG_ABI_MIN_MINOR is the core's floor for
 *     plugins, not a property of the plugin. Plugins of a *newer* minor than the core also load:
 *     the core never reads a table slot beyond the plugin's struct_size.
 *   - Within a major: structs only grow at their end, enums only get new values at their end,
 *     no field or value changes meaning. Every struct that can grow begins with `struct_size`,
 *     set by whoever fills it to sizeof() of the struct it was compiled with. A reader uses only
 *     fields that lie inside the writer's struct_size; a field beyond it has the default that is
 *     documented with it (zero, unless said otherwise). Fields beyond the reader's own size are
 *     ignored. A plugin that fills an out-struct (tg_device_props, tg_device_caps) writes only
 *     inside the caller's struct_size and sets struct_size to the size it filled: the smaller
 *     of the caller's and its own (never more than the caller's).
 *   - A field named `reserved` is written as 0 by whoever fills the struct. Readers give it no
 *     meaning; a later minor may give it one only behind a caps or feature bit the reader
 *     declared. check_program (tg/kir.hpp) refuses a tg_kir_linear_mask whose reserved is not 0.
 *   - tg_kir_node, tg_kir_view and tg_kir_param are FROZEN: they never change size or layout in
 *     major 1 (they are passed as arrays). New information goes into new side tables appended at
 *     the end of tg_kir_program.
 *   - A plugin must answer an opcode, dtype or reduce kind it does not know with
 *     TG_ERR_UNSUPPORTED from program_compile (never crash): the core then falls back.
 *
 * ENTRY POINTS (the only two symbols a plugin exports)
 *   const tg_plugin_api* tg_plugin_get_api(uint32_t host_abi_major, uint32_t host_abi_minor);
 *       Required. Pure: no allocation, no threads, no device access. Returns a pointer to a static
 *       table for that major, or NULL if the plugin cannot speak it.
 *   int32_t tg_plugin_probe(void);
 *       Optional. Cheap and side-effect free (no device context, no threads). Returns a score:
 *       0 = cannot run on this machine; higher = preferred when TG_DEVICE is unset. Without it the
 *       core uses the table's `priority` (see there for the shipped plugins' values).
 *
 * ERRORS
 *   Every fallible call returns tg_error*: NULL means success. A plugin creates errors only with
 *   host->error_create(code, message); the host owns the object and frees it, so a plugin never
 *   frees an error it returned. Messages are UTF-8, say what failed and how to fix it, and are
 *   copied by error_create (the plugin keeps ownership of the string it passes).
 *   TG_ERR_UNSUPPORTED is never fatal: the core falls back to another path or device.
 *
 * THREADING
 *   The core calls a plugin from one thread at a time per tg_plugin. Calls on a device execute in
 *   the order they are made (one in-order queue per device). launch and buffer_copy may return
 *   before the work is done; buffer_read returns only when the data is in host memory;
 *   synchronize returns when all earlier work on the device is done and reports its errors.
 *   Applications may drive tg from several threads at once (independent graphs on each): the
 *   core then holds one lock per tg_plugin around every call into it, so a plugin needs no locks
 *   of its own for the core's calls (its caches, free lists and compiled programs are only ever
 *   touched by one call at a time). One call after another may come from different threads: a
 *   plugin must not rely on per-thread state between calls (a driver context made current on
 *   one thread, thread_local caches), and makes such state current within each call that needs
 *   it. Threads a plugin starts itself (OpenMP, a driver's) are its own; host services
 *   (error_create, log) may be called from any of them.
 *
 * LIFETIME
 *   Whoever creates an object destroys it: the core calls shutdown for every plugin it
 *   initialized, device_close for every device it opened, buffer_free for every buffer,
 *   executable_free for every executable, while the process runs. At process exit the core may
 *   leave devices and plugins open (tensors in static storage can outlive main): a plugin must
 *   not depend on shutdown running. The core never unloads a plugin's file before exit.
 */
#ifndef TG_PLUGIN_H
#define TG_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TG_ABI_MAJOR 1
#define TG_ABI_MINOR 5
/* Oldest plugin minor the core of this header accepts. */
#define TG_ABI_MIN_MINOR 0

#if defined(_WIN32)
#define TG_PLUGIN_EXPORT __declspec(dllexport)
#else
#define TG_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ---- errors ----------------------------------------------------------------------------- */

/* Stable error codes. Values never change. */
enum {
  TG_OK = 0,
  TG_ERR_INVALID_ARGUMENT = 1, /* the caller passed something wrong (null handle, bad offset) */
  TG_ERR_UNSUPPORTED = 2,      /* this plugin/device cannot do this; the core falls back */
  TG_ERR_OUT_OF_MEMORY = 3,    /* allocation failed; the message names the size asked */
  TG_ERR_UNAVAILABLE = 4,      /* the device or its runtime is not there (no GPU, no driver) */
  TG_ERR_DEVICE_LOST = 5,      /* the device failed and cannot be used any more */
  TG_ERR_INTERNAL = 6          /* a bug in the plugin; the message says where */
};

/* Opaque, owned by the host. Created only through tg_host_services.error_create. */
typedef struct tg_error tg_error;

/* ---- dtypes ----------------------------------------------------------------------------- */

/* Element types. Values never change; new ones are appended. bool is one byte, 0 or 1.
 * float16 is IEEE binary16, bfloat16 is the upper half of a float32. */
enum {
  TG_DTYPE_BOOL = 0,
  TG_DTYPE_INT8 = 1,
  TG_DTYPE_UINT8 = 2,
  TG_DTYPE_INT16 = 3,
  TG_DTYPE_INT32 = 4,
  TG_DTYPE_INT64 = 5,
  TG_DTYPE_FLOAT16 = 6,
  TG_DTYPE_BFLOAT16 = 7,
  TG_DTYPE_FLOAT32 = 8,
  TG_DTYPE_FLOAT64 = 9,
  TG_DTYPE_COUNT_1_0 = 10 /* number of dtypes in ABI 1.0 */
};

/* ---- host services (the core gives these to the plugin) --------------------------------- */

enum { TG_LOG_DEBUG = 0, TG_LOG_INFO = 1, TG_LOG_WARNING = 2 };

typedef struct tg_host_services {
  size_t struct_size;
  /* Required. Creates an error the host owns. code is a TG_ERR_* value; message is copied. */
  tg_error* (*error_create)(int32_t code, const char* message);
  /* Required. Prints a diagnostic line when the user asked for it (TG_PLUGIN_DEBUG / TG_DEBUG). */
  void (*log)(int32_t level, const char* message);
} tg_host_services;

/* ---- handles (opaque, owned by the plugin) ---------------------------------------------- */

typedef struct tg_plugin tg_plugin;         /* one initialized plugin */
typedef struct tg_device tg_device;         /* one opened device */
typedef struct tg_buffer tg_buffer;         /* untyped device memory */
typedef struct tg_executable tg_executable; /* a compiled program */

/* ---- tg.kir: the kernel format ------------------------------------------------------------
 *
 * A program computes one kernel over an iteration space `shape` (ndim <= TG_KIR_MAX_DIMS).
 * Nodes form a flat array in topological order: a node's sources are earlier nodes.
 *
 * Meaning. Every node is a function of a full index i = (i_0 .. i_{ndim-1}) over `shape`.
 *   LOAD   value of param `param` at element  offset + sum_d i_d*strides[d]  of its view, or 0 if
 *          the view has a mask and some i_d is outside [mask_begin[d], mask_end[d]).
 *   CONST  the constant (ivalue for bool/int dtypes, fvalue for float dtypes); if `view` >= 0 and
 *          that view's mask excludes i, the value is 0 instead (this is how padding a constant
 *          looks). Strides and offset of a CONST's view are ignored.
 *   REDUCE op `reduce_op` over the axes set in the bitmask `ivalue` (bit d = axis d):
 *          REDUCE(x)(i) = reduce of x(j) over all j that equal i outside those axes. Its value does
 *          not depend on i's coordinates on the reduced axes. Every REDUCE in one program uses the
 *          same axes. SUM and PROD accumulate in the node's dtype (floats: at least float32,
 *          see SEMANTICS). Over an empty range SUM is 0, PROD is 1 and MAX is the dtype's lowest
 *          value (-inf for floats).
 *   STORE  writes src[0] at every index of the OUTPUT space: `shape` with the reduced axes set to
 *          size 1 (and index 0). It writes element offset + sum_d i_d*strides[d] of param
 *          `param` through its view (masks are not used on stores). A program has >= 1 STORE;
 *          a STORE is the last use of its value. STORE has no result (dtype = its value's dtype).
 *          When one STORE's view maps several indices to one element (a stride 0 over a dim that
 *          is not reduced) or two STOREs write one element, the element ends up holding one of
 *          the values written there, whole (never a mix of their bytes); which one is unspecified,
 *          so a host that needs a particular one does not emit such a program.
 *   Others are elementwise on their sources' values at i (see the op list).
 * Dtypes: every node has a result dtype; binary ops take two sources of the node's dtype except
 * CMPLT/CMPNE (sources of one dtype, result bool) and WHERE (src[0] bool). CAST converts
 * src[0] to the node's dtype (float->int truncates toward zero and saturates; int->int wraps;
 * ->bool is != 0; see SEMANTICS for every rule).
 * Params are the buffers bound at launch, in order. A param is read-only or written, never
 * both in one program, and a written buffer never aliases a read one.
 */

/* SEMANTICS AND ACCURACY -- what every device computes. `tg conformance` checks each rule by its
 * name with exact inputs and outputs (section rules/; a violation prints the rule, the op, the
 * dtype and the first differing element), and everything else against a host evaluation within
 * the accuracy below. The ref plugin is the executable form of these rules.
 *
 * Rules (bit-exact; for floats -0 and +0 differ, any NaN matches a NaN):
 *   cast-float-to-int   CAST float -> integer truncates toward zero and saturates: below the
 *                       dtype's range gives its minimum, above gives its maximum, NaN gives 0
 *                       (300.0 -> int8 127, -1.0 -> uint8 0, +inf -> INT_MAX, -inf -> INT_MIN).
 *   cast-int-to-int     CAST integer -> integer wraps: the value's two's complement bits cut to
 *                       the new width (int32 300 -> int8 44, int8 -1 -> uint8 255, uint8 255 ->
 *                       int8 -1); bool -> integer is 0 or 1.
 *   cast-to-bool        CAST to bool is x != 0: NaN -> 1, -0.0 -> 0, int16 256 -> 1.
 *   cast-to-float       CAST to a float dtype rounds once, to nearest (ties to even), from the
 *                       exact source value -- never through a narrower or an intermediate type
 *                       that rounds first (int64 2^60+2^52+1 -> bfloat16 0x5d81, not 0x5d80;
 *                       float64 -> float16/bfloat16 directly). Too large gives +-inf; NaN stays
 *                       NaN; the sign of zero is kept.
 *   int-wraps           ADD, MUL and NEG on integers wrap at the dtype's width (two's
 *                       complement): int8 127 + 1 = -128, uint8 NEG(1) = 255, NEG(INT_MIN) =
 *                       INT_MIN; REDUCE SUM and PROD of integers wrap the same way.
 *   idiv-mod            IDIV truncates toward zero and MOD takes the sign of a; b == 0 gives 0
 *                       for both; IDIV(INT_MIN, -1) = INT_MIN (it wraps, never traps) and
 *                       MOD(INT_MIN, -1) = 0.
 *   bool-arith          On bool: ADD is OR, MUL is AND, MAX is OR, NEG is the identity; REDUCE
 *                       SUM and MAX are "any", PROD is "all". Results are 0 or 1.
 *   max-nan-ties        MAX on floats: a NaN operand gives NaN; of two operands that compare
 *                       equal the first wins (MAX(-0.0, +0.0) = -0.0, MAX(+0.0, -0.0) = +0.0).
 *                       REDUCE MAX: NaN if any value is NaN; otherwise the largest value (of
 *                       zeros of both signs, either).
 *   signed-zero         Float results carry IEEE 754's sign of zero: NEG(+0) = -0, MUL(-1, 0) =
 *                       -0, ADD(-0, -0) = -0, ADD(-0, +0) = +0, TRUNC(-0.5) = -0.
 *   narrow-per-op       float16/bfloat16 nodes compute in float32 (or wider) and round to the
 *                       node's dtype after every node, not once at the end: in float16,
 *                       ADD(ADD(2048, 1), 1) = 2048 (2050 would be float32 carried across nodes).
 *   reduce-accumulator  REDUCE SUM and PROD of float16/bfloat16/float32 accumulate in float32 or
 *                       wider (float64 in float64) and round to the node's dtype once at the
 *                       end (float16 PROD of 256, 256, 2^-8, 2^-8 is 1, not inf); MAX is exact.
 *   store-duplicates    an element that several stored values hit holds one of them, whole
 *                       (STORE, above).
 *   sort-order          sort_rows (since 1.5) orders a row's keys by value, ascending (or, with
 *                       TG_SORT_DESCENDING, descending); NaN is larger than every number (last
 *                       ascending, first descending) and all NaNs are equal; -0.0 equals +0.0;
 *                       equal keys keep their order in the row (stable, in both directions);
 *                       bool keys: false < true. Exact: one right answer per row.
 *   launch-offsets      tg_launch_args.offsets[k] is a multiple of param k's element size and
 *                       nothing more (buffers start 64-byte aligned, so elements are naturally
 *                       aligned); a device handles every such offset.
 *
 * Accuracy per op and dtype ("ulp": of the result's dtype; float16/bfloat16 compute in float32
 * and round to the dtype after every node, so their bounds are in their own ulps):
 *   op                        float32, float64                   float16, bfloat16
 *   CONST, CAST               correctly rounded (cast-to-float)   same
 *   ADD, MUL                  correctly rounded; a MUL feeding    correctly rounded (per node)
 *                             an ADD may be fused (one rounding)
 *   SQRT, RECIP               3 ulp                              3 ulp
 *   EXP2, LOG2                4 ulp                              4 ulp
 *   SIN                       4 ulp + 4 ulp of 1.0 (absolute)    same
 *   NEG, TRUNC, MAX, CMPLT,   exact                              exact
 *   CMPNE, WHERE
 *   REDUCE SUM                any order; float32 accumulator or wider: within (n-1) roundings
 *                             of the accumulator on the sum of |x| (exact when every partial
 *                             sum is exact), then one rounding to the dtype
 *   REDUCE PROD               any order; float32 or wider: (n-1) roundings, then one rounding
 *   REDUCE MAX                exact
 *   integer and bool ops      exact (int-wraps, idiv-mod, bool-arith; SHL/SHR as listed below)
 * A result in the subnormal range may be flushed to zero (keeping its sign); LOG2 of a
 * negative value, SQRT of a negative value and 0 * inf give NaN.
 */

#define TG_KIR_MAX_DIMS 8

enum {
  /* memory and constants */
  TG_KIR_LOAD = 0,
  TG_KIR_CONST = 1,
  TG_KIR_STORE = 2,
  TG_KIR_REDUCE = 3, /* reduce_op is TG_REDUCE_*; axes bitmask in ivalue */
  TG_KIR_CAST = 4,
  /* unary, float dtypes: base-2 exponential and logarithm, sine (radians), square root,
   * reciprocal; NEG (any dtype); TRUNC (round toward zero, floats) */
  TG_KIR_EXP2 = 5,
  TG_KIR_LOG2 = 6,
  TG_KIR_SIN = 7,
  TG_KIR_SQRT = 8,
  TG_KIR_RECIP = 9,
  TG_KIR_NEG = 10,
  TG_KIR_TRUNC = 11,
  /* binary */
  TG_KIR_ADD = 12,
  TG_KIR_MUL = 13,
  TG_KIR_MAX = 14,
  TG_KIR_CMPLT = 15, /* a < b -> bool */
  TG_KIR_CMPNE = 16, /* a != b -> bool */
  TG_KIR_IDIV = 17,  /* integers: a / b truncated toward zero; b == 0 gives 0; INT_MIN / -1
                        wraps to INT_MIN */
  TG_KIR_MOD = 18,   /* integers: a - b * IDIV(a, b) (sign of a); b == 0 gives 0 */
  TG_KIR_AND = 19,   /* integers and bool, bitwise */
  TG_KIR_OR = 20,
  TG_KIR_XOR = 21,
  TG_KIR_SHL = 22,   /* integers; shift counts outside [0, bits) give 0 */
  TG_KIR_SHR = 23,   /* integers; arithmetic for signed types */
  /* ternary */
  TG_KIR_WHERE = 24, /* src[0] ? src[1] : src[2] */
  TG_KIR_OP_COUNT_1_0 = 25,
  /* Since 1.4, only in programs for devices that declare TG_KIR_INDEXED (kir_features).
   * Both read an index k (the value at i of the node `index`, of an integer dtype, as int64) and
   * a bound n (the ivalue of the node `bound`, a CONST of an integer dtype, n >= 0); ivalue is a
   * stride s in elements (any sign). The element is offset + sum_d i_d*strides[d] + k*s of
   * param `param` through view `view`.
   *   GATHER       src = {index, bound}. Like LOAD, the value of that element where 0 <= k < n,
   *                else 0 (nothing is read); also 0 where the view's masks exclude i. tinygrad's
   *                one-hot gather: table[idx] with an index out of range reads 0.
   *   SCATTER_ADD  src = {value, index, bound}; value has the node's dtype. A store that adds:
   *                at every index i of `shape`, element += value(i) where 0 <= k < n (an index
   *                outside adds nothing). Several i may add into one element: the device makes
   *                each add atomic, in any order (float sums may round differently run to run).
   *                Elements nothing adds into keep their value: the param is TG_PARAM_WRITE and
   *                holds its start value when the launch begins (the core writes it first). A
   *                program with a SCATTER_ADD has no REDUCE and no other store, and its view has
   *                no box mask.
   * The core states the indexed dim with stride 0 in the view and its stride as s;
   * check_program bounds the view over k in [0, n). */
  TG_KIR_GATHER = 25,
  TG_KIR_SCATTER_ADD = 26,
  TG_KIR_OP_COUNT_1_4 = 27
};

enum { TG_REDUCE_SUM = 0, TG_REDUCE_MAX = 1, TG_REDUCE_PROD = 2 };

/* FROZEN. One node of a program. Unused fields are -1 (indices) or 0 (values). */
typedef struct tg_kir_node {
  uint32_t op;       /* TG_KIR_* */
  uint32_t dtype;    /* TG_DTYPE_* of the result */
  int32_t src[3];    /* indices of earlier nodes; -1 where unused */
  int32_t param;     /* LOAD/STORE: index into params */
  int32_t view;      /* LOAD/STORE: index into views (required); CONST: optional mask view */
  int32_t reduce_op; /* REDUCE: TG_REDUCE_*; else 0 */
  int64_t ivalue;    /* CONST of bool/int dtype: the value; REDUCE: the axes bitmask */
  double fvalue;     /* CONST of float dtype: the value */
} tg_kir_node;

/* FROZEN. How an index of the iteration space maps to an element of a param. Strides and
 * offset are in elements of the param's dtype and may be negative or zero. Dims >= ndim of the
 * program are 0. */
typedef struct tg_kir_view {
  int64_t offset;
  int64_t strides[TG_KIR_MAX_DIMS];
  int64_t mask_begin[TG_KIR_MAX_DIMS]; /* valid range per dim, used only if has_mask */
  int64_t mask_end[TG_KIR_MAX_DIMS];
  uint32_t has_mask;
  uint32_t reserved; /* 0 */
} tg_kir_view;

enum { TG_PARAM_READ = 1, TG_PARAM_WRITE = 2 };

/* FROZEN. One buffer parameter. */
typedef struct tg_kir_param {
  uint32_t dtype;  /* TG_DTYPE_* of the elements */
  uint32_t access; /* TG_PARAM_READ or TG_PARAM_WRITE */
  int64_t numel;   /* elements the launch's buffer holds from its offset on; every access is
                      inside [0, numel) */
} tg_kir_param;

/* Since 1.2, FROZEN. A validity condition on a linear function of the index, for devices that
 * declare TG_KIR_LINEAR_MASKS: a LOAD or CONST through view `view` is 0 (as outside a box mask)
 * unless begin <= sum_d coeffs[d] * i_d < end. A view may have several (all must hold) besides
 * its box mask. This is how a sliding window over a zero-padded tensor looks without a padded
 * copy: with output position p and tap r walking one memory dim, the padded row p*stride +
 * r*dilation must lie inside the tensor's rows, which no box mask over p and r can say. */
typedef struct tg_kir_linear_mask {
  int32_t view;                      /* index into views */
  uint32_t reserved;                 /* 0 */
  int64_t begin, end;
  int64_t coeffs[TG_KIR_MAX_DIMS];   /* per program dim; 0 beyond ndim */
} tg_kir_linear_mask;

typedef struct tg_kir_program {
  size_t struct_size;
  const char* name;     /* a readable kernel name for logs and profilers (may be NULL) */
  uint32_t ndim;        /* 0..TG_KIR_MAX_DIMS; 0 means one element */
  int64_t shape[TG_KIR_MAX_DIMS];
  uint32_t n_nodes;
  const tg_kir_node* nodes;
  uint32_t n_views;
  const tg_kir_view* views;
  uint32_t n_params;
  const tg_kir_param* params;
  uint64_t hash; /* a hash of the program's content, stable across runs (for disk caches) */
  /* Since 1.2. Only a device that declares TG_KIR_LINEAR_MASKS gets any (else 0 and NULL); a
   * reader checks struct_size before reading these (a 1.1 core's program ends before them). */
  uint32_t n_linear_masks;
  const tg_kir_linear_mask* linear_masks;
  /* Since 1.3. Only a device that declares TG_KIR_SCALAR_ARGS gets any (else 0 and NULL); a
   * reader checks struct_size first. scalar_args[k] is the index of a CONST node whose value is
   * not its ivalue/fvalue (those are 0) but the launch's scalars[k] (tg_launch_args): a value
   * the host changes between launches of the same program (a learning rate, the s of x * s),
   * so the program is compiled once, not once per value. Distinct entries, each a CONST. */
  uint32_t n_scalar_args;
  const int32_t* scalar_args;
} tg_kir_program;
/* The program and its arrays are owned by the core and valid only during program_compile:
 * a plugin that needs them later copies them. */

/* ---- devices ---------------------------------------------------------------------------- */

enum { TG_DEVICE_CPU = 0, TG_DEVICE_GPU = 1, TG_DEVICE_ACCELERATOR = 2 };

/* Filled by the plugin, up to the caller's struct_size. Strings are owned by the plugin and
 * stay valid until shutdown. */
typedef struct tg_device_props {
  size_t struct_size;
  const char* name;        /* e.g. "AMD EPYC 7B13 (2 threads)" */
  uint32_t kind;           /* TG_DEVICE_* */
  uint32_t reserved;
  uint64_t memory_bytes;   /* 0 if unknown */
} tg_device_props;

/* Optional fast paths a device declares (bits of tg_device_caps.fast_paths). The core offers
 * programs of that shape to devices that declare the bit; every program stays valid tg.kir, so
 * a device that does not declare a bit just runs the plain program. */
enum {
  /* REDUCE(SUM) over MUL of two LOADs: a strided batched matmul, possibly followed by an
   * elementwise epilogue. Declaring it says the device recognizes and accelerates the pattern. */
  TG_FAST_MATMUL = 1u << 0,
  /* Since 1.1. A 2-D convolution: REDUCE(SUM) of MUL(LOAD win, LOAD ker) over 7 dims
   * (B, O, P, Q, C, R, T) with dims 4-6 reduced, out[b, o, p, q] = sum over c, r, t of
   * win[b, c, p, q, r, t] * ker[o, c, r, t]. The window walks every dim but O, and P and R (Q and
   * T) step through one memory dim: its element is b*sb + c*sc + (p*u + r*v)*sh + (q*u' + t*v')*sw
   * for positive sb, sc, sh, sw (u: stride, v: dilation); the kernel walks O, C, R and T only.
   * An elementwise epilogue may follow, as with TG_FAST_MATMUL. To a device that declares the
   * bit, the core gives float32 convolutions (groups 1) in this form: the forward pass; the
   * weight gradient (B and C are the input's channels and batch, P and Q the kernel taps, R and
   * T the output positions: stride and dilation trade places); and for stride 1 the input
   * gradient (a convolution of the output gradient, zero-padded by the kernel's extent, with
   * the kernel flipped: its strides over R and T are negative). */
  TG_FAST_CONV = 1u << 1
};

/* Since 1.2. Program features beyond ABI 1.0's (bits of tg_device_caps.kir_features). The core
 * uses a feature only in programs for devices that declare its bit. */
enum {
  /* tg_kir_program.linear_masks (tg_kir_linear_mask). The core then views a window of a
   * zero-padded tensor (a convolution's padding, the input gradient's padded output gradient)
   * in place, instead of copying the padding first; with TG_FAST_CONV, such a program keeps the
   * convolution form with the window's LOAD masked. */
  TG_KIR_LINEAR_MASKS = 1u << 0,
  /* Since 1.3. tg_kir_program.scalar_args and tg_launch_args.scalars: a device that declares it
   * gets the host's float constants (those that do not enable folding: not 0, 1, -1, 0.5, 2,
   * +-inf or NaN) as launch arguments. Without it the core writes each value into the program,
   * and compiles one program per value. */
  TG_KIR_SCALAR_ARGS = 1u << 1,
  /* Since 1.4. GATHER and SCATTER_ADD nodes (see the op list): a device that declares it gets
   * x.gather(dim, idx), int-tensor indexing and Embedding as gathers (cost grows with the output)
   * and their gradients as scatter-adds. Without it the core builds them as one-hot masked sums
   * (cost output x table rows), as before 1.4. */
  TG_KIR_INDEXED = 1u << 2
};

/* What a device claims. A claim is a promise: program_compile accepts (and computes by
 * SEMANTICS) every valid program whose ops and dtypes all have their bits set, within
 * TG_KIR_MAX_DIMS and max_alloc; any other program it may refuse with TG_ERR_UNSUPPORTED.
 * No op or dtype is required: the core offers every program to the device it runs on and runs
 * what the device refuses on the ref device, so a device may leave out any op ("Required ops" in
 * the SDK README means the ops tg.kir defines, not ones a device must claim); tg conformance holds
 * a device to what it claims. The LOAD, STORE and CONST bits say the device reads, writes and
 * has constants at all (every program needs them: a device without one runs nothing); the
 * REDUCE bit claims SUM, MAX and PROD over any axes, on every claimed dtype. */
typedef struct tg_device_caps {
  size_t struct_size;
  uint64_t dtypes;       /* bit TG_DTYPE_x set when programs may use dtype x */
  uint64_t ops;          /* bit TG_KIR_x set when programs may use op x */
  uint64_t fast_paths;   /* TG_FAST_* bits */
  uint64_t max_alloc;    /* largest single buffer in bytes; 0 if unknown */
  uint64_t kir_features; /* since 1.2: TG_KIR_* feature bits (TG_KIR_LINEAR_MASKS); default 0 */
} tg_device_caps;

/* ---- initialization and launching -------------------------------------------------------- */

typedef struct tg_init_args {
  size_t struct_size;
  uint32_t host_abi_major;
  uint32_t host_abi_minor;
  const char* core_version;        /* the host's version, free text for logs: "0.1.0" from
                                      libtg, "conformance" from tg conformance; never parse it */
  const char* plugin_path;         /* the file this plugin was loaded from */
  const char* options;             /* "key=value;..." from TG_PLUGIN_OPTIONS_<NAME>, or "" */
  const tg_host_services* host;    /* valid until shutdown returns */
} tg_init_args;

/* Since 1.3, FROZEN. The value of one scalar argument, read as the CONST's dtype: ivalue for
 * bool and int dtypes, fvalue (rounded to the dtype) for float dtypes. */
typedef struct tg_kir_scalar {
  int64_t ivalue;
  double fvalue;
} tg_kir_scalar;

typedef struct tg_launch_args {
  size_t struct_size;
  uint32_t n_buffers;               /* == the program's n_params */
  tg_buffer* const* buffers;        /* one per param, in order */
  const uint64_t* offsets;          /* byte offset of each param in its buffer. The core puts the
                                       start of a view into a realized buffer here (a slice's,
                                       a batch window's) rather than into the program, so one
                                       program serves every position of the window. Each is a
                                       multiple of its param's element size, nothing more
                                       (launch-offsets in SEMANTICS). */
  /* Since 1.3: one value per tg_kir_program.scalar_args entry, in order (else 0 and NULL). */
  uint32_t n_scalars;
  const tg_kir_scalar* scalars;
} tg_launch_args;

/* Since 1.5. What sort_rows orders (see there). */
enum { TG_SORT_DESCENDING = 1u << 0 };

typedef struct tg_sort_args {
  size_t struct_size;
  uint32_t dtype;         /* TG_DTYPE_* of the keys */
  uint32_t flags;         /* TG_SORT_* bits */
  uint64_t rows;          /* rows of n keys, one after another */
  uint64_t n;             /* keys per row */
  uint64_t k;             /* sorted positions written per row, 1 <= k <= n */
  tg_buffer* keys;        /* rows * n keys of dtype, read */
  uint64_t keys_offset;   /* bytes, a multiple of the dtype's size */
  tg_buffer* indices;     /* rows * k int32, written */
  uint64_t indices_offset; /* bytes, a multiple of 4 */
} tg_sort_args;

/* The table a plugin returns from tg_plugin_get_api. Static: the plugin owns it and it lives
 * as long as the loaded file. Every slot is required unless marked optional (NULL allowed). */
typedef struct tg_plugin_api {
  size_t struct_size;
  uint32_t abi_major;      /* TG_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;      /* TG_ABI_MINOR the plugin was built with */
  const char* name;        /* [a-z][a-z0-9_]*; must equal <name> in the file name libtg-<name>.so */
  const char* version;     /* the plugin's own version, and its vendor runtime's, free text */
  const char* description; /* one line for `tg devices` */
  int32_t priority;        /* preference when TG_DEVICE is unset and no probe exists: the core
                              takes the highest-scoring plugin whose device 0 opens. The shipped
                              plugins: ref 1 (a last resort), opencl 5 (it cannot tell a real GPU
                              from a CPU driver without loading drivers, so it stays below the
                              CPU plugin), onednn 50 (the default on a CPU), hip 100 (an AMD GPU
                              first). A plugin that should win over onednn where its device is
                              present says > 50; one that should only back it up, < 50. */
  uint32_t reserved;

  /* Creates the plugin's state. May start threads and open drivers. */
  tg_error* (*initialize)(const tg_init_args* args, tg_plugin** out_plugin);
  /* Destroys it; every device was closed before. Never fails. */
  void (*shutdown)(tg_plugin* plugin);

  /* Number of devices. With none here, returns TG_ERR_UNAVAILABLE with the reason (for example
   * the runtime's own error text); *out_count is then 0. */
  tg_error* (*device_count)(tg_plugin* plugin, uint32_t* out_count);
  tg_error* (*device_get_props)(tg_plugin* plugin, uint32_t index, tg_device_props* out_props);
  tg_error* (*device_open)(tg_plugin* plugin, uint32_t index, tg_device** out_device);
  void (*device_close)(tg_device* device);
  tg_error* (*device_get_caps)(tg_device* device, tg_device_caps* out_caps);

  /* Untyped memory. nbytes may be 0 (a valid, empty buffer). Alignment is at least 64 bytes.
   * write, read and copy: a range that does not lie inside the buffer (offset + nbytes past its
   * size, or overflowing) returns TG_ERR_INVALID_ARGUMENT naming the range and the size, and
   * transfers nothing. */
  tg_error* (*buffer_alloc)(tg_device* device, uint64_t nbytes, tg_buffer** out_buffer);
  void (*buffer_free)(tg_device* device, tg_buffer* buffer);
  /* Host -> device; the host memory may be reused when this returns. */
  tg_error* (*buffer_write)(tg_device* device, tg_buffer* dst, uint64_t offset, const void* src,
                            uint64_t nbytes);
  /* Device -> host; complete (after all earlier work) when this returns. */
  tg_error* (*buffer_read)(tg_device* device, tg_buffer* src, uint64_t offset, void* dst,
                           uint64_t nbytes);
  /* Within one device. Ranges may not overlap. */
  tg_error* (*buffer_copy)(tg_device* device, tg_buffer* dst, uint64_t dst_offset, tg_buffer* src,
                           uint64_t src_offset, uint64_t nbytes);

  /* Compiles a program. TG_ERR_UNSUPPORTED (with the reason) for a program this device will
   * not run: unknown op or dtype, too many dims, a missing feature. */
  tg_error* (*program_compile)(tg_device* device, const tg_kir_program* program,
                               tg_executable** out_executable);
  void (*executable_free)(tg_device* device, tg_executable* executable);
  /* Runs an executable on buffers. May return before the work is done. */
  tg_error* (*launch)(tg_device* device, tg_executable* executable, const tg_launch_args* args);
  /* Waits for all work on the device and returns its first error. */
  tg_error* (*synchronize)(tg_device* device);

  /* Since 1.4, optional (NULL, and for a 1.3 plugin absent: no buffer is host memory). For a
   * device whose buffers are memory of this process (a CPU device), the address of buffer's
   * first byte, valid while the buffer lives; NULL for a device whose memory the host cannot
   * address. The host then reads and writes the bytes directly (tg::dist hands them to MPI, so
   * no copy is made): only after synchronize, and never while work it queued on the buffer may
   * still run. Cannot fail. */
  void* (*buffer_host_pointer)(tg_device* device, tg_buffer* buffer);

  /* Since 1.5, optional (NULL, and for a 1.4 plugin absent: the core reads the keys to the host,
   * orders them there and writes the indices back). Writes, for each of args->rows rows of
   * args->n keys (row r: keys r*n .. r*n+n-1 from keys_offset), the positions in the row of its
   * first args->k keys in sorted order (sort-order in SEMANTICS) as int32, row r's at indices
   * r*k .. r*k+k-1 from indices_offset: x.sort()'s, x.argsort()'s and x.topk(k)'s indices.
   * Ordered with launches like a launch (it may return before the work is done). The ranges lie
   * inside the buffers and do not overlap; 1 <= k <= n < 2^31; the dtype is any TG_DTYPE_*. */
  tg_error* (*sort_rows)(tg_device* device, const tg_sort_args* args);
} tg_plugin_api;

typedef const tg_plugin_api* (*tg_plugin_get_api_fn)(uint32_t host_abi_major,
                                                     uint32_t host_abi_minor);
typedef int32_t (*tg_plugin_probe_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TG_PLUGIN_H */
