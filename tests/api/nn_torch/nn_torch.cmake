# tg::nn against PyTorch (tests/api/nn_torch): the fixture NnTorch.reference runs PyTorch once
# (nn_torch_reference.py, about 4 s) and writes the reference file test_nn_torch reads.
set(_nntorch_dir ${CMAKE_CURRENT_SOURCE_DIR}/nn_torch)
set(_nntorch_ref ${CMAKE_CURRENT_BINARY_DIR}/nn_torch_ref.txt)
add_executable(test_nn_torch ${_nntorch_dir}/test_nn_torch.cpp)
target_link_libraries(test_nn_torch PRIVATE tg::tg GTest::gtest_main)
target_include_directories(test_nn_torch PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(test_nn_torch PRIVATE NN_TORCH_REF_FILE="${_nntorch_ref}")
target_compile_options(test_nn_torch PRIVATE -Wno-missing-field-initializers)

# Debian's python3-torch installs into the system Python: prefer it to another python3 on PATH.
find_program(TG_TORCH_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(TG_TORCH_PYTHON python3)
add_test(NAME NnTorch.reference COMMAND ${TG_TORCH_PYTHON} ${_nntorch_dir}/nn_torch_reference.py ${_nntorch_ref})
set_tests_properties(NnTorch.reference PROPERTIES FIXTURES_SETUP nn_torch_reference TIMEOUT 300)

set(_nntorch_props TIMEOUT 120 FIXTURES_REQUIRED nn_torch_reference)
if(TG_TEST_DEVICE)
  list(APPEND _nntorch_props ENVIRONMENT "TG_DEVICE=${TG_TEST_DEVICE}")
endif()
gtest_discover_tests(test_nn_torch DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST PROPERTIES ${_nntorch_props})

# Not a test: times Linear over batch dims as one GEMM against the batched form (see the file).
add_executable(bench_linear_rows ${_nntorch_dir}/bench_linear_rows.cpp)
target_link_libraries(bench_linear_rows PRIVATE tg::tg)
