# The plugin SDK's tests (included from tests/CMakeLists.txt):
#   abi/          the ABI 1.0 guard: frozen header, layout and declaration checks
#   conformance/  tg conformance on every in-tree plugin and on plugins broken on purpose
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/abi ${CMAKE_CURRENT_BINARY_DIR}/abi)
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/conformance ${CMAKE_CURRENT_BINARY_DIR}/conformance)
