# Tests of the reference plugin and of the SDK helper, through the C ABI only (no libtg):
#   test_ref_plugin  tg.kir semantics on libtg-ref.so, struct_size tolerance, tg/half.h
#   test_plugin_sdk  the helper's trampolines: argument checks, exceptions -> errors (tests/plugins/)
# Included from tests/CMakeLists.txt (after find_package(GTest) and include(GoogleTest)).
# At run time TG_REF_PLUGIN and TG_TEST_PLUGIN_DIR override the built paths.
foreach(_t test_ref_plugin test_plugin_sdk)
  add_executable(${_t} ${CMAKE_CURRENT_LIST_DIR}/${_t}.cpp)
  target_link_libraries(${_t} PRIVATE tg_sdk GTest::gtest_main ${CMAKE_DL_LIBS})
  target_include_directories(${_t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_compile_definitions(${_t} PRIVATE
    TG_REF_PLUGIN_PATH="$<TARGET_FILE:tg-ref>"
    TG_TEST_PLUGIN_DIR="${CMAKE_BINARY_DIR}/tests/plugins")
  add_dependencies(${_t} tg-ref)
  gtest_discover_tests(${_t} DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120)
endforeach()
add_dependencies(test_plugin_sdk tg_test_plugins)
