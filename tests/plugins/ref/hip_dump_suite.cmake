# Runs one test executable on the ref device with TG_KIR_DUMP=<DIR>, the ref device being PLUGIN,
# the dumping build of the ref plugin (kir_dump_plugin.cpp, put first by TG_PLUGIN_PATH and
# TG_REF_PLUGIN), so that every tg.kir program it makes is left in DIR (kir_dump.hpp; the format:
# tg/kir_file.hpp) for the HIP and CUDA compile tests. DIR is the suite's own (emptied first), so
# the count it reports is that suite's distinct programs.
#   cmake -DSUITE=<executable> -DPLUGIN=<libtg-ref.so that dumps> -DDIR=<dump directory>
#         [-DARGS=<arg;arg...>] -P hip_dump_suite.cmake
# ARGS defaults to --gtest_brief=1. Exit 1 of the executable means some cases failed (gtest,
# tg conformance).
# The suite's own ctest entries judge its results; this run only harvests programs. So failing
# tests (gtest exit 1) are reported as a warning and the programs stay; a crash, a dump error
# (the ref plugin fails the compile and the suite reports it) or no programs at all fail.
if(NOT SUITE OR NOT PLUGIN OR NOT DIR)
  message(FATAL_ERROR "usage: cmake -DSUITE=<executable> -DPLUGIN=<libtg-ref.so that dumps> -DDIR=<dump directory> -P hip_dump_suite.cmake")
endif()
set(ENV{TG_DEVICE} ref)
set(ENV{TG_PLUGIN_PATH} ${PLUGIN})
set(ENV{TG_REF_PLUGIN} ${PLUGIN})
set(ENV{TG_KIR_DUMP} ${DIR})
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})
if(NOT DEFINED ARGS)
  set(ARGS --gtest_brief=1)
endif()
execute_process(COMMAND ${SUITE} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(FIND "${out}${err}" "TG_KIR_DUMP:" dump_error)
get_filename_component(name ${SUITE} NAME)
file(GLOB programs ${DIR}/*.kir)
list(LENGTH programs n)
if(NOT dump_error EQUAL -1)
  message(FATAL_ERROR "${name}: the ref plugin could not dump a program:\n${out}${err}")
elseif(NOT rc STREQUAL "0" AND NOT rc STREQUAL "1")
  message(FATAL_ERROR "${name} did not finish (exit ${rc}):\n${out}${err}")
elseif(n EQUAL 0)
  message(FATAL_ERROR "${name} ran but left no programs in ${DIR}: is ${PLUGIN} the dumping ref plugin?")
elseif(rc STREQUAL "1")
  message(WARNING "${name}: some of its tests failed on ref (its own ctest entries say which); "
                  "the ${n} distinct programs it compiled are kept in ${DIR}.\n${out}")
else()
  message(STATUS "${name}: ok; ${n} distinct programs dumped to ${DIR}")
endif()
