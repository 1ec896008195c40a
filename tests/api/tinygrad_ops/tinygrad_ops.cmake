# tinygrad's test/backend/test_ops.py ported (tests/api/tinygrad_ops/harness.hpp): one executable,
# every TEST its own ctest test, all of them needing the fixture TinygradOps.reference, which
# runs PyTorch once (torch_reference.py) and writes each test's reference file.
set(_tgops_dir ${CMAKE_CURRENT_SOURCE_DIR}/tinygrad_ops)
set(_tgops_ref ${CMAKE_CURRENT_BINARY_DIR}/tinygrad_ops_ref)
file(GLOB _tgops_sources CONFIGURE_DEPENDS ${_tgops_dir}/*.cpp)
add_executable(test_tinygrad_ops ${_tgops_sources})
target_link_libraries(test_tinygrad_ops PRIVATE tg::tg GTest::gtest)
target_include_directories(test_tinygrad_ops PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${_tgops_dir})
target_compile_definitions(test_tinygrad_ops PRIVATE TGOPS_REF_DIR="${_tgops_ref}")
target_compile_options(test_tinygrad_ops PRIVATE -Wno-missing-field-initializers)

# Debian's python3-torch installs into the system Python: prefer it to another python3 on PATH.
find_program(TG_TORCH_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(TG_TORCH_PYTHON python3)
add_test(NAME TinygradOps.reference
  COMMAND ${TG_TORCH_PYTHON} ${_tgops_dir}/torch_reference.py $<TARGET_FILE:test_tinygrad_ops> ${_tgops_ref})
set_tests_properties(TinygradOps.reference PROPERTIES FIXTURES_SETUP tinygrad_torch_reference TIMEOUT 600)

# Some tests compile 40+ kernels: minutes on PoCL when the machine is busy.
set(_tgops_props TIMEOUT 300 FIXTURES_REQUIRED tinygrad_torch_reference)
if(TG_TEST_DEVICE)
  list(APPEND _tgops_props ENVIRONMENT "TG_DEVICE=${TG_TEST_DEVICE}")
endif()
gtest_discover_tests(test_tinygrad_ops
  DISCOVERY_TIMEOUT 60
  DISCOVERY_MODE PRE_TEST
  PROPERTIES ${_tgops_props})
