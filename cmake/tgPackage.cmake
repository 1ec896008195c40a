# Installs the CMake package `tg` (targets tg::tg, tg::sdk, tg::render, tg::interpreter, and tg::dist when built) and gives the installed library
# $ORIGIN-relative RPATHs, so a moved install tree still works. Included at the end of the
# top-level CMakeLists.txt, after every target exists.
include(CMakePackageConfigHelpers)

set(TG_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tg)
set(TG_PLUGIN_MAP_INSTALL_FILE ${CMAKE_INSTALL_DATADIR}/tg/tg-plugin.map)  # installed by sdk/

# Consumers see tg::sdk, not tg::tg_sdk.
set_target_properties(tg_sdk PROPERTIES EXPORT_NAME sdk)
# libtg needs nothing of its own beside it; $ORIGIN keeps any future sibling library found.
set_target_properties(tg PROPERTIES INSTALL_RPATH "$ORIGIN")

install(EXPORT tgTargets NAMESPACE tg:: DESTINATION ${TG_CMAKE_INSTALL_DIR} COMPONENT dev)
# tg::dist (COMPONENTS dist) in a file of its own, there only when built with -DTG_WITH_MPI=ON; in
# the package of libtg-dist's development files (dist_dev), so the file is never there without
# the library it names.
if(TARGET tg-dist)
  install(EXPORT tgDistTargets NAMESPACE tg:: DESTINATION ${TG_CMAKE_INSTALL_DIR} COMPONENT dist_dev)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tgConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/tgConfig.cmake
  INSTALL_DESTINATION ${TG_CMAKE_INSTALL_DIR}
  PATH_VARS TG_PLUGIN_INSTALL_DIR TG_PLUGIN_MAP_INSTALL_FILE)
# 0.x: a new minor version may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/tgConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/tgConfig.cmake ${PROJECT_BINARY_DIR}/cmake/tgConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/tgAddPlugin.cmake DESTINATION ${TG_CMAKE_INSTALL_DIR} COMPONENT dev)

