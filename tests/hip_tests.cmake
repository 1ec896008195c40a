# Tests of the HIP plugin (plugins/hip) on a machine without an AMD GPU. Included from
# tests/CMakeLists.txt only when libtg-hip.so is built. Every test name contains "hip":
#   hip.dump.<suite>      runs an op / autograd / nn / ref-plugin suite on `ref` with TG_KIR_DUMP,
#                         leaving each distinct tg.kir program it made in build/tests/hip-kir/<suite>/
#   hip.dump.conformance  the same for `tg conformance --plugin libtg-ref.so --level standard`
#   hip.dump.workloads    the same for hip_kir_workloads.cpp: GPU-sized matmuls, reductions, a CNN step
#   hip.compile.<arch>    test_hip_compile: renders every dumped program with the HIP dialect and
#                         compiles it with hiprtc for <arch> (in batches, and every 50th alone exactly
#                         as the plugin does), checking each code object. Needs the dumps: a ctest
#                         fixture, so `ctest -R hip.compile` runs the dumps first.
#   hip.compile.error_log a hiprtc error reaches the caller with hiprtc's log
#   hip.HipPluginAbi.*    the plugin through the C ABI: no GPU -> UNAVAILABLE with HIP's reason
#   hip.HipUnavailable.*  the same seen through libtg, TG_DEVICE=hip and `tg devices`
#   hip.HipMissingRuntime.*  no ROCm runtime at all: the load error names libamdhip64.so.5
#
# TG_HIP_TEST_ARCHS: the AMD targets to compile for. gfx90a (CDNA2, wave64) and gfx1030 (RDNA2,
# wave32): the newest of each family that Debian's HIP 5.2 knows. Its comgr has no gfx11 (gfx1100)
# or gfx94x and crashes on them; with ROCm 5.4+ add gfx1100.
set(TG_HIP_TEST_ARCHS "gfx90a;gfx1030" CACHE STRING "AMD targets test_hip_compile compiles every kernel for")
set(TG_HIP_KIR_DIR ${CMAKE_BINARY_DIR}/tests/hip-kir)

# The harvest: hip.dump.* (kir_dumps.cmake).
include(kir_dumps.cmake)
tg_add_kir_dumps(hip hip_kir ${TG_HIP_KIR_DIR})

add_executable(test_hip_compile test_hip_compile.cpp)
target_link_libraries(test_hip_compile PRIVATE tg_hip_codegen tg_sdk GTest::gmock GTest::gtest_main)
target_include_directories(test_hip_compile PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(test_hip_compile PRIVATE TG_HIP_KIR_DIR="${TG_HIP_KIR_DIR}")
foreach(arch IN LISTS TG_HIP_TEST_ARCHS)
  add_test(NAME hip.compile.${arch} COMMAND test_hip_compile --gtest_filter=HipCompileDumped.*)
  set_tests_properties(hip.compile.${arch} PROPERTIES FIXTURES_REQUIRED hip_kir ENVIRONMENT "TG_HIP_ARCH=${arch}" TIMEOUT 2400)
endforeach()
add_test(NAME hip.compile.error_log COMMAND test_hip_compile --gtest_filter=HipCompile.ACompileErrorCarriesHiprtcsLog)

# The plugin through the C ABI (no libtg).
add_executable(test_hip_plugin_abi test_hip_plugin_abi.cpp)
target_link_libraries(test_hip_plugin_abi PRIVATE tg_sdk ${TG_HIP_LIBRARY} GTest::gmock GTest::gtest_main ${CMAKE_DL_LIBS})
target_include_directories(test_hip_plugin_abi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_include_directories(test_hip_plugin_abi SYSTEM PRIVATE ${TG_HIP_INCLUDE_DIR})
target_compile_definitions(test_hip_plugin_abi PRIVATE __HIP_PLATFORM_AMD__ TG_HIP_PLUGIN_PATH="$<TARGET_FILE:tg-hip>")
add_dependencies(test_hip_plugin_abi tg-hip)
gtest_discover_tests(test_hip_plugin_abi TEST_PREFIX hip. DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)

# No GPU, and no runtime at all (hip_hide_runtime.so: an LD_AUDIT module that hides libamdhip64).
add_library(hip_hide_runtime MODULE hip_hide_runtime.c)
set_target_properties(hip_hide_runtime PROPERTIES PREFIX "")
add_executable(test_hip_unavailable test_hip_unavailable.cpp)
target_link_libraries(test_hip_unavailable PRIVATE tg::tg ${TG_HIP_LIBRARY} GTest::gmock GTest::gtest_main)
target_include_directories(test_hip_unavailable SYSTEM PRIVATE ${TG_HIP_INCLUDE_DIR})
target_compile_definitions(test_hip_unavailable PRIVATE __HIP_PLATFORM_AMD__
  TG_ENV_PROBE="$<TARGET_FILE:tg_env_probe>" TG_TOOL="$<TARGET_FILE:tg_tool>"
  TG_HIP_HIDE_RUNTIME="$<TARGET_FILE:hip_hide_runtime>")
add_dependencies(test_hip_unavailable tg-hip tg-ref tg_env_probe tg_tool hip_hide_runtime)
gtest_discover_tests(test_hip_unavailable TEST_PREFIX hip. DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)
