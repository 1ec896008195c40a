# Tests of the CUDA plugin (plugins/cuda) that need no NVIDIA GPU and no driver, only the
# toolkit's nvrtc. Included from tests/CMakeLists.txt only when libtg-cuda.so is built. Every
# test name contains "cuda":
#   cuda.dump.*           the harvest of tg.kir programs (kir_dumps.cmake): the op, autograd, nn
#                         and ref-plugin suites, tg conformance --level standard and the GPU-sized
#                         workloads, on `ref` with TG_KIR_DUMP. Where the HIP plugin is built too,
#                         its hip.dump.* fixtures are the same programs and are used instead.
#   cuda.compile.sm_<N>   test_cuda_compile: renders every dumped program with the CUDA dialect and
#                         compiles it with nvrtc to a cubin for sm_<N> (in batches, and every 50th
#                         alone exactly as the plugin does), checking each cubin
#   cuda.CudaCompile.*    an nvrtc error reaches the caller with nvrtc's log; the cubin checker
#   cuda.CudaPluginAbi.*  the plugin through the C ABI: no GPU -> UNAVAILABLE with the reason
#   cuda.CudaCachingAllocator.*  the allocator's reuse, release-and-retry and out-of-memory message
#   cuda.CudaUnavailable.* / CudaFakeDriver.* / CudaMissingNvrtc.*  tg devices, TG_DEVICE=cuda and
#                         tg::devices() with no driver, a driver without a GPU or too old, no nvrtc
#
# TG_CUDA_TEST_SMS: the architectures to compile for: sm_80 (A100) and sm_90 (H100).
set(TG_CUDA_TEST_SMS "80;90" CACHE STRING "NVIDIA architectures (sm_XX numbers) test_cuda_compile compiles every kernel for")
if(TARGET tg-hip)
  set(TG_CUDA_KIR_DIR ${TG_HIP_KIR_DIR})
  set(_cuda_kir_fixture hip_kir)
else()
  set(TG_CUDA_KIR_DIR ${CMAKE_BINARY_DIR}/tests/gpu-kir)
  set(_cuda_kir_fixture cuda_kir)
  include(kir_dumps.cmake)
  tg_add_kir_dumps(cuda cuda_kir ${TG_CUDA_KIR_DIR})
endif()

add_executable(test_cuda_compile test_cuda_compile.cpp)
target_link_libraries(test_cuda_compile PRIVATE tg_cuda_codegen tg_sdk GTest::gmock GTest::gtest_main)
target_include_directories(test_cuda_compile PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(test_cuda_compile PRIVATE TG_CUDA_KIR_DIR="${TG_CUDA_KIR_DIR}")
foreach(sm IN LISTS TG_CUDA_TEST_SMS)
  add_test(NAME cuda.compile.sm_${sm} COMMAND test_cuda_compile --gtest_filter=CudaCompileDumped.*)
  set_tests_properties(cuda.compile.sm_${sm} PROPERTIES FIXTURES_REQUIRED ${_cuda_kir_fixture}
    ENVIRONMENT "TG_CUDA_SM=${sm}" TIMEOUT 1200)
endforeach()
add_test(NAME cuda.CudaCompile COMMAND test_cuda_compile --gtest_filter=CudaCompile.*)

# The plugin through the C ABI (no libtg), and the caching allocator's policy.
add_executable(test_cuda_plugin_abi test_cuda_plugin_abi.cpp)
target_link_libraries(test_cuda_plugin_abi PRIVATE tg_sdk tg_cuda_codegen GTest::gmock GTest::gtest_main ${CMAKE_DL_LIBS})
target_include_directories(test_cuda_plugin_abi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(test_cuda_plugin_abi PRIVATE TG_CUDA_PLUGIN_PATH="$<TARGET_FILE:tg-cuda>")
add_dependencies(test_cuda_plugin_abi tg-cuda)
gtest_discover_tests(test_cuda_plugin_abi TEST_PREFIX cuda. DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)

# No driver (this machine), a stand-in driver (no GPU, too old, 0 devices), and no nvrtc.
add_library(cuda_fake_driver SHARED cuda_fake_driver.c)
set_target_properties(cuda_fake_driver PROPERTIES OUTPUT_NAME cuda SOVERSION 1 NO_SONAME OFF
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/fake-cuda)
add_library(cuda_hide_nvrtc MODULE cuda_hide_nvrtc.c)
set_target_properties(cuda_hide_nvrtc PROPERTIES PREFIX "")
add_executable(test_cuda_unavailable test_cuda_unavailable.cpp)
target_link_libraries(test_cuda_unavailable PRIVATE tg::tg GTest::gmock GTest::gtest_main ${CMAKE_DL_LIBS})
target_compile_definitions(test_cuda_unavailable PRIVATE
  TG_ENV_PROBE="$<TARGET_FILE:tg_env_probe>" TG_TOOL="$<TARGET_FILE:tg_tool>"
  TG_CUDA_FAKE_DRIVER_DIR="${CMAKE_BINARY_DIR}/tests/fake-cuda" TG_CUDA_HIDE_NVRTC="$<TARGET_FILE:cuda_hide_nvrtc>")
add_dependencies(test_cuda_unavailable tg-cuda tg-ref tg_env_probe tg_tool cuda_fake_driver cuda_hide_nvrtc)
gtest_discover_tests(test_cuda_unavailable TEST_PREFIX cuda. DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)
