/*
 * tg/plugin.h -- the tg device plugin ABI, version 1.0.
 *
 * This header is the one contract between the tg core (libtg) and every device plugin
 * (libtg-<name>.so). It is strict C99, has no dependencies beyond <stddef.h> and <stdint.h>,
 * and is the plugin author's manual: every field says who owns what, whether it is optional,
 * and its default.
 *
 * VERSIONING (a promise to plugin authors)
 *   - The ABI has a major and a minor version. A plugin built against major M loads into every
 *     core of major M whose minor is >= TG_ABI_MIN_MINOR. Plugins of a *newer* minor than the
 *     core also load: the core never reads a table slot beyond the plugin's struct_size.
 *   - Within a major: structs only grow at their end, enums only get new values at their end,
 *     no field or value changes meaning. Every struct that can grow begins with `struct_size`,
 *     set by whoever fills it to sizeof() of the struct it was compiled with. A reader uses only
 *     fields that lie inside the writer's struct_size; a field beyond it has the default that is
 *     documented with it (zero, unless said otherwise). Fields beyond the reader's own size are
 *     ignored.
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
 *       core uses the table's `priority`.
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
#define TG_ABI_MINOR 0
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
 *          same axes. Sums accumulate in the node's dtype (floats: at least float32). Over an
 *          empty range SUM is 0, PROD is 1 and MAX is the dtype's lowest value (-inf for floats).
 *   STORE  writes src[0] at every index of the OUTPUT space: `shape` with the reduced axes set to
 *          size 1 (and index 0). It writes element offset + sum_d i_d*strides[d] of param
 *          `param` through its view (masks are not used on stores). A program has >= 1 STORE;
 *          a STORE is the last use of its value. STORE has no result (dtype = its value's dtype).
 *   Others are elementwise on their sources' values at i (see the op list).
 * Dtypes: every node has a result dtype; binary ops take two sources of the node's dtype except
 * CMPLT/CMPNE (sources of one dtype, result bool) and WHERE (src[0] bool). CAST converts
 * src[0] to the node's dtype (float->int truncates toward zero; ->bool is != 0).
 * Params are the buffers bound at launch, in order. A param is read-only or written, never
 * both in one program, and a written buffer never aliases a read one.
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
  TG_KIR_IDIV = 17,  /* integers: a / b truncated toward zero; b == 0 gives 0 */
  TG_KIR_MOD = 18,   /* integers: a - b * IDIV(a, b) (sign of a); b == 0 gives 0 */
  TG_KIR_AND = 19,   /* integers and bool, bitwise */
  TG_KIR_OR = 20,
  TG_KIR_XOR = 21,
  TG_KIR_SHL = 22,   /* integers; shift counts outside [0, bits) give 0 */
  TG_KIR_SHR = 23,   /* integers; arithmetic for signed types */
  /* ternary */
  TG_KIR_WHERE = 24, /* src[0] ? src[1] : src[2] */
  TG_KIR_OP_COUNT_1_0 = 25
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
  TG_FAST_MATMUL = 1u << 0
};

typedef struct tg_device_caps {
  size_t struct_size;
  uint64_t dtypes;       /* bit TG_DTYPE_x set when programs may use dtype x */
  uint64_t ops;          /* bit TG_KIR_x set when programs may use op x */
  uint64_t fast_paths;   /* TG_FAST_* bits */
  uint64_t max_alloc;    /* largest single buffer in bytes; 0 if unknown */
} tg_device_caps;

/* ---- initialization and launching -------------------------------------------------------- */

typedef struct tg_init_args {
  size_t struct_size;
  uint32_t host_abi_major;
  uint32_t host_abi_minor;
  const char* core_version;        /* e.g. "0.1.0" */
  const char* plugin_path;         /* the file this plugin was loaded from */
  const char* options;             /* "key=value;..." from TG_PLUGIN_OPTIONS_<NAME>, or "" */
  const tg_host_services* host;    /* valid until shutdown returns */
} tg_init_args;

typedef struct tg_launch_args {
  size_t struct_size;
  uint32_t n_buffers;               /* == the program's n_params */
  tg_buffer* const* buffers;        /* one per param, in order */
  const uint64_t* offsets;          /* byte offset of each param in its buffer */
} tg_launch_args;

/* The table a plugin returns from tg_plugin_get_api. Static: the plugin owns it and it lives
 * as long as the loaded file. Every slot is required unless marked optional (NULL allowed). */
typedef struct tg_plugin_api {
  size_t struct_size;
  uint32_t abi_major;      /* TG_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;      /* TG_ABI_MINOR the plugin was built with */
  const char* name;        /* [a-z][a-z0-9_]*; must equal <name> in the file name libtg-<name>.so */
  const char* version;     /* the plugin's own version, and its vendor runtime's, free text */
  const char* description; /* one line for `tg devices` */
  int32_t priority;        /* preference when TG_DEVICE is unset and no probe exists (CPU ~10, GPU ~100) */
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

  /* Untyped memory. nbytes may be 0 (a valid, empty buffer). Alignment is at least 64 bytes. */
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
} tg_plugin_api;

typedef const tg_plugin_api* (*tg_plugin_get_api_fn)(uint32_t host_abi_major,
                                                     uint32_t host_abi_minor);
typedef int32_t (*tg_plugin_probe_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TG_PLUGIN_H */
