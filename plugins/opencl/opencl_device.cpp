// One opened OpenCL device: its context and in-order queue, buffers, launches.
// Compiling is in cl_compile.cpp.
#include <algorithm>

#include "cl_error.hpp"
#include "opencl_plugin.hpp"

namespace tg::opencl {

using tg::sdk::Failure;

ClBuffer::~ClBuffer() {
  if (mem) clReleaseMemObject(mem);
}

ClKernel::~ClKernel() {
  if (finish) clReleaseKernel(finish);
  if (kernel) clReleaseKernel(kernel);
  if (program) clReleaseProgram(program);
}

OpenclDevice::OpenclDevice(const tg::sdk::Host& host, const DeviceEntry& entry, KernelStyle style)
    : host_(host),
      name_(entry.name),
      device_(entry.device),
      cache_(tg::sdk::DiskCache::from_environment("opencl", "TGCLBIN2", ".bin")) {
  cl_int err = CL_SUCCESS;
  const cl_context_properties props[] = {CL_CONTEXT_PLATFORM, reinterpret_cast<cl_context_properties>(entry.platform), 0};
  context_ = clCreateContext(props, 1, &device_, nullptr, nullptr, &err);
  cl_check(err, "clCreateContext on " + name_);
  queue_ = clCreateCommandQueue(context_, device_, 0, &err);  // in order: the ABI's ordering
  if (err != CL_SUCCESS) {
    clReleaseContext(context_);
    cl_fail(err, "clCreateCommandQueue on " + name_);
  }

  const std::string extensions = device_string(device_, CL_DEVICE_EXTENSIONS);
  target_.dialect = &tg::render::opencl_dialect();
  target_.fp64 = extensions.find("cl_khr_fp64") != std::string::npos ||
                 device_value<cl_device_fp_config>(device_, CL_DEVICE_DOUBLE_FP_CONFIG) != 0;
  target_.cpu = style == KernelStyle::by_device ? entry.kind == TG_DEVICE_CPU : style == KernelStyle::cpu;
  target_.max_local_size = static_cast<uint32_t>(std::min<size_t>(device_value<size_t>(device_, CL_DEVICE_MAX_WORK_GROUP_SIZE), 1u << 20));
  target_.local_mem_bytes = device_value<cl_ulong>(device_, CL_DEVICE_LOCAL_MEM_SIZE);
  target_.compute_units = std::max<cl_uint>(1, device_value<cl_uint>(device_, CL_DEVICE_MAX_COMPUTE_UNITS));
  target_.two_pass = true;  // launch() runs Kernel::finish_entry after the main kernel
  max_alloc_ = device_value<cl_ulong>(device_, CL_DEVICE_MAX_MEM_ALLOC_SIZE);

  // Division and sqrt as the reference rounds them, where the device can (OpenCL allows
  // 2.5-3 ulp otherwise).
  if (device_value<cl_device_fp_config>(device_, CL_DEVICE_SINGLE_FP_CONFIG) & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT)
    build_options_ = "-cl-fp32-correctly-rounded-divide-sqrt";
  const cl_platform_id platform = entry.platform;
  identity_ = name_ + "|" + device_string(device_, CL_DRIVER_VERSION) + "|" + platform_string(platform, CL_PLATFORM_VERSION) +
              "|" + device_string(device_, CL_DEVICE_VERSION);
  if (!cache_.enabled()) host_.log(TG_LOG_DEBUG, "opencl: binary cache disabled: " + cache_.why_disabled());
}

OpenclDevice::~OpenclDevice() {
  if (queue_) {
    clFinish(queue_);
    clReleaseCommandQueue(queue_);
  }
  if (context_) clReleaseContext(context_);
}

void OpenclDevice::caps(tg_device_caps& caps) {
  // float16 and bfloat16 are stored as 16-bit patterns and computed in float by the rendered
  // code, so every device has them; float64 needs cl_khr_fp64.
  caps.dtypes = (uint64_t{1} << TG_DTYPE_COUNT_1_0) - 1;
  if (!target_.fp64) caps.dtypes &= ~(uint64_t{1} << TG_DTYPE_FLOAT64);
  // every op of tg.kir 1.0 and GATHER; SCATTER_ADD only for some dtypes (below), so not claimed
  caps.ops = ((uint64_t{1} << TG_KIR_OP_COUNT_1_0) - 1) | (uint64_t{1} << TG_KIR_GATHER);
  caps.fast_paths = TG_FAST_MATMUL;
  // (scalar args: kernel arguments after the buffers, render.hpp; GATHER and SCATTER_ADD: float32
  // and int32 adds are atomic compare-and-swap loops, other dtypes run on the reference plugin)
  caps.kir_features = TG_KIR_SCALAR_ARGS | TG_KIR_INDEXED;
  caps.max_alloc = max_alloc_;
}

std::unique_ptr<ClBuffer> OpenclDevice::alloc(uint64_t nbytes) {
  if (max_alloc_ && nbytes > max_alloc_)
    throw Failure(TG_ERR_OUT_OF_MEMORY, "opencl: cannot allocate " + std::to_string(nbytes) + " bytes on " + name_ +
                                            ": its largest buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE) is " +
                                            std::to_string(max_alloc_) + " bytes");
  auto b = std::make_unique<ClBuffer>();
  cl_int err = CL_SUCCESS;
  // OpenCL has no empty buffers; a 0-byte tg buffer is never read or written.
  b->mem = clCreateBuffer(context_, CL_MEM_READ_WRITE, std::max<uint64_t>(nbytes, 1), nullptr, &err);
  cl_check(err, "clCreateBuffer of " + std::to_string(nbytes) + " bytes on " + name_);
  return b;
}

void OpenclDevice::write(ClBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes) {
  cl_check(clEnqueueWriteBuffer(queue_, dst.mem, CL_TRUE, offset, nbytes, src, 0, nullptr, nullptr),
           "clEnqueueWriteBuffer of " + std::to_string(nbytes) + " bytes");
}

void OpenclDevice::read(ClBuffer& src, uint64_t offset, void* dst, uint64_t nbytes) {
  cl_check(clEnqueueReadBuffer(queue_, src.mem, CL_TRUE, offset, nbytes, dst, 0, nullptr, nullptr),
           "clEnqueueReadBuffer of " + std::to_string(nbytes) + " bytes");
}

void OpenclDevice::copy(ClBuffer& dst, uint64_t dst_offset, ClBuffer& src, uint64_t src_offset, uint64_t nbytes) {
  cl_check(clEnqueueCopyBuffer(queue_, src.mem, dst.mem, src_offset, dst_offset, nbytes, 0, nullptr, nullptr),
           "clEnqueueCopyBuffer of " + std::to_string(nbytes) + " bytes");
}

void OpenclDevice::launch(ClKernel& k, const std::vector<tg::sdk::LaunchBuffer<ClBuffer>>& buffers,
                          const tg_kir_scalar* scalars) {
  for (uint32_t d = 0; d < k.launch.dims; ++d)
    if (k.launch.global[d] == 0) return;  // an empty output: nothing to compute
  const cl_uint n = static_cast<cl_uint>(buffers.size());
  for (cl_uint q = 0; q < n; ++q)
    if (buffers[q].offset % k.elem_size[q] != 0)
      throw Failure(TG_ERR_INVALID_ARGUMENT, "opencl: launch of " + k.entry + ": param " + std::to_string(q) +
                                                 " starts at byte offset " + std::to_string(buffers[q].offset) +
                                                 ", not a multiple of its element size " + std::to_string(k.elem_size[q]));
  // Arguments: the buffers, their element offsets, then (two-pass kernels) the scratch buffer.
  auto set_args = [&](cl_kernel kernel) {
    for (cl_uint q = 0; q < n; ++q) {
      cl_check(clSetKernelArg(kernel, q, sizeof(cl_mem), &buffers[q].buffer->mem), "clSetKernelArg (buffer)");
      const cl_ulong elements = buffers[q].offset / k.elem_size[q];
      cl_check(clSetKernelArg(kernel, n + q, sizeof elements, &elements), "clSetKernelArg (offset)");
    }
    if (k.scratch) cl_check(clSetKernelArg(kernel, 2 * n, sizeof(cl_mem), &k.scratch->mem), "clSetKernelArg (scratch)");
    // Then the scalar args, each in the type the renderer declared for its dtype.
    const cl_uint first = 2 * n + (k.scratch ? 1 : 0);
    for (size_t j = 0; j < k.scalar_dtypes.size(); ++j) {
      const cl_uint at = first + static_cast<cl_uint>(j);
      const uint32_t dt = k.scalar_dtypes[j];
      if (dt == TG_DTYPE_FLOAT64) {
        const cl_double v = scalars[j].fvalue;
        cl_check(clSetKernelArg(kernel, at, sizeof v, &v), "clSetKernelArg (scalar)");
      } else if (tg::sdk::is_float_dtype(dt)) {
        const cl_float v = static_cast<cl_float>(scalars[j].fvalue);
        cl_check(clSetKernelArg(kernel, at, sizeof v, &v), "clSetKernelArg (scalar)");
      } else {
        const cl_long v = scalars[j].ivalue;
        cl_check(clSetKernelArg(kernel, at, sizeof v, &v), "clSetKernelArg (scalar)");
      }
    }
  };
  auto enqueue = [&](cl_kernel kernel, const tg::render::Launch& l, const std::string& name) {
    size_t global[3], local[3];
    for (uint32_t d = 0; d < l.dims; ++d) {
      global[d] = static_cast<size_t>(l.global[d]);
      local[d] = l.local[d];
    }
    cl_check(clEnqueueNDRangeKernel(queue_, kernel, l.dims, nullptr, global, local, 0, nullptr, nullptr),
             "clEnqueueNDRangeKernel of " + name);
  };
  set_args(k.kernel);
  enqueue(k.kernel, k.launch, k.entry);
  if (k.finish) {
    set_args(k.finish);
    enqueue(k.finish, k.finish_launch, k.finish_entry);
  }
}

void OpenclDevice::synchronize() { cl_check(clFinish(queue_), "clFinish"); }

}  // namespace tg::opencl
