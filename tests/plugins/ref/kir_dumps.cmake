# The harvest the GPU plugins' compile tests start from (tests/plugins/hip and cuda; included
# from tests/plugins/CMakeLists.txt, which calls it once for both):
#   tg_add_kir_dumps(<prefix> <fixture> <dir>)
# adds the ctest entries <prefix>.dump.<suite>, <prefix>.dump.conformance and
# <prefix>.dump.workloads, each running a suite on the ref device with TG_KIR_DUMP (the dumping
# build of the ref plugin, kir_dump_plugin.cpp, in the place of the real one) so that every
# distinct tg.kir program it makes is left in <dir>/<suite>/ (hip_dump_suite.cmake), all in the
# ctest fixture <fixture>: a compile test that requires it runs after them.
set(_tg_kir_dumps_dir ${CMAKE_CURRENT_LIST_DIR})
function(tg_add_kir_dumps prefix fixture dir)
  # Everything that builds tensors and runs them, plus the ref plugin's direct tg.kir cases (every
  # op and dtype). test_errors (child processes with their own TG_DEVICE) and test_datasets (file
  # parsing) add no kernels of their own.
  set(suites test_creation test_tensor_ops test_reduce test_movement test_autograd test_fusion
    test_api_forms test_nn_functional test_nn_modules test_optim test_state test_ref_plugin)
  foreach(suite IN LISTS suites)
    if(NOT TARGET ${suite})
      message(FATAL_ERROR "kir_dumps.cmake: the suite ${suite} is not built; update the list")
    endif()
    add_test(NAME ${prefix}.dump.${suite}
      COMMAND ${CMAKE_COMMAND} -DSUITE=$<TARGET_FILE:${suite}> -DPLUGIN=$<TARGET_FILE:tg-kir-dump> -DDIR=${dir}/${suite}
              -P ${_tg_kir_dumps_dir}/hip_dump_suite.cmake)
    set_tests_properties(${prefix}.dump.${suite} PROPERTIES FIXTURES_SETUP ${fixture} TIMEOUT 900)
  endforeach()

  # The conformance suite's cases (every op x dtype x view class, casts, reductions, fused and
  # random programs), run on the ref plugin at the level its own ctest entry uses.
  add_test(NAME ${prefix}.dump.conformance
    COMMAND ${CMAKE_COMMAND} -DSUITE=$<TARGET_FILE:tg_tool> -DPLUGIN=$<TARGET_FILE:tg-kir-dump> -DDIR=${dir}/conformance
            "-DARGS=conformance;--plugin;$<TARGET_FILE:tg-kir-dump>;--level;standard"
            -P ${_tg_kir_dumps_dir}/hip_dump_suite.cmake)
  set_tests_properties(${prefix}.dump.conformance PROPERTIES FIXTURES_SETUP ${fixture} TIMEOUT 900)

  # GPU-sized workloads the suites do not reach (the tiled matmul, work-group reductions, a CNN step).
  if(NOT TARGET hip_kir_workloads)
    add_executable(hip_kir_workloads ${_tg_kir_dumps_dir}/hip_kir_workloads.cpp)
    target_link_libraries(hip_kir_workloads PRIVATE tg::tg)
  endif()
  add_test(NAME ${prefix}.dump.workloads
    COMMAND ${CMAKE_COMMAND} -DSUITE=$<TARGET_FILE:hip_kir_workloads> -DPLUGIN=$<TARGET_FILE:tg-kir-dump> -DDIR=${dir}/workloads
            -P ${_tg_kir_dumps_dir}/hip_dump_suite.cmake)
  set_tests_properties(${prefix}.dump.workloads PROPERTIES FIXTURES_SETUP ${fixture} TIMEOUT 900)
endfunction()
