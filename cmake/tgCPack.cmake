# Debian packages: `cpack -G DEB` in the build directory makes one package per install component,
# so a user installs the core and only the backends their machine has:
#   libtg0             runtime    lib/libtg.so.0 (the library an application loads)
#   libtg-dev          dev        headers, lib/libtg.so, the CMake package (tg::tg, tg::sdk, tg::render, tg::interpreter,
#                                 tg_add_plugin), share/tg: the plugin SDK README and template
#   tg                 tool       bin/tg (devices, info, conformance, bench)
#   tg-plugin-<name>   plugin_<name>  lib/tg-plugins/libtg-<name>.so, one per plugin built
#   libtg-dist0        dist       lib/libtg-dist.so.0 (tg::dist over Open MPI; with -DTG_WITH_MPI=ON)
#   libtg-dist-dev     dist_dev   <tg/dist.hpp>, lib/libtg-dist.so, the package's tgDistTargets.cmake
# An install rule without a COMPONENT would land in a package of its own ("Unspecified"):
# scripts/test.sh fails on any package it does not expect.
# Each package's dependencies on Debian's libraries come from dpkg-shlibdeps; a plugin's backend
# runtime is also named outright (below), so the packages say what each backend needs even where
# dpkg-shlibdeps is missing. Files go under /usr (CPACK_PACKAGING_INSTALL_PREFIX); the core finds
# its plugins beside itself, so the prefix built into libtg does not matter.
# Included at the end of the top-level CMakeLists.txt, after every install rule.

set(CPACK_PACKAGE_NAME tg)
set(CPACK_PACKAGE_VENDOR "tg")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "tensor library with device plugins behind a C ABI")
set(CPACK_PACKAGE_CONTACT "tg maintainers <tg@localhost>" CACHE STRING "Maintainer field of the Debian packages")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <package>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# bin/tg links libtg.so.0, which is in another package: dpkg-shlibdeps finds it in the build.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_LIBRARY_OUTPUT_DIRECTORY})
# Component DEPENDS (below) become Depends on the other package at this exact version.
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(_tg_major ${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libtg${_tg_major})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libtg-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_TOOL_PACKAGE_NAME tg)
set(CPACK_DEBIAN_TOOL_PACKAGE_SECTION utils)
# Without a plugin the core has no device: the reference interpreter runs everywhere.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "tg-plugin-ref")
# A plugin vendor builds against libtg-dev and checks the plugin with `tg conformance`.
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "tg, cmake, g++")

include(CPackComponent)
cpack_add_component(runtime DISPLAY_NAME "tg library"
  DESCRIPTION "libtg, the library an application links; it loads the device plugins of tg-plugin-* packages")
cpack_add_component(dev DISPLAY_NAME "tg development files" DEPENDS runtime
  DESCRIPTION "headers, the CMake package (tg::tg, tg::sdk, tg_add_plugin) and the plugin SDK (share/tg/sdk: README and template)")
cpack_add_component(tool DISPLAY_NAME "tg tool" DEPENDS runtime
  DESCRIPTION "the tg command: tg devices, tg info, tg conformance (checks a plugin), tg bench")

# One package per plugin the build makes (every tg_add_plugin: install component plugin_<name>),
# depending on libtg0 and on the Debian package of its backend's runtime, found with dpkg -S on the
# library it links. A plugin missing here still gets its package, with dpkg-shlibdeps' depends.
set(TG_PLUGIN_DESCRIPTION_ref "reference interpreter device (plain C++, slow, runs everywhere)")
set(TG_PLUGIN_DESCRIPTION_onednn "CPU device: oneDNN matmul and run-time compiled C kernels")
set(TG_PLUGIN_DEPENDS_onednn "libdnnl2")                    # libdnnl.so.2
# The compiled kernels need a C compiler at run time (without one the device interprets them).
set(TG_PLUGIN_RECOMMENDS_onednn "gcc, libc6-dev")
set(TG_PLUGIN_DESCRIPTION_opencl "OpenCL 1.2+ devices through the ICD loader")
set(TG_PLUGIN_DEPENDS_opencl "ocl-icd-libopencl1")          # libOpenCL.so.1, the ICD loader
set(TG_PLUGIN_RECOMMENDS_opencl "pocl-opencl-icd | opencl-icd")  # a device needs a driver too
set(TG_PLUGIN_DESCRIPTION_hip "AMD GPUs through HIP (ROCm)")
set(TG_PLUGIN_DEPENDS_hip "libamdhip64-5")                  # libamdhip64.so.5 (hiprtc inside, ROCm 5)
# The driver (libcuda.so.1) and nvrtc are opened at run time and come with NVIDIA's driver and
# CUDA toolkit, not from Debian main: no Depends, the device reports what is missing.
set(TG_PLUGIN_DESCRIPTION_cuda "NVIDIA GPUs through the CUDA driver and nvrtc (opened at run time)")

# tg::dist: its own runtime package (it links Open MPI, which libtg0 must not need) and its own
# development package, so find_package(tg) sees tgDistTargets.cmake only beside the library.
if(TARGET tg-dist)
  cpack_add_component(dist DISPLAY_NAME "tg data-parallel library" DEPENDS runtime
    DESCRIPTION "libtg-dist: tg::dist, data-parallel training over MPI (run under mpirun)")
  cpack_add_component(dist_dev DISPLAY_NAME "tg data-parallel development files" DEPENDS dist dev
    DESCRIPTION "<tg/dist.hpp> and tg::dist for find_package(tg CONFIG REQUIRED COMPONENTS dist)")
  set(CPACK_DEBIAN_DIST_PACKAGE_NAME libtg-dist${_tg_major})
  set(CPACK_DEBIAN_DIST_PACKAGE_SECTION libs)
  set(CPACK_DEBIAN_DIST_PACKAGE_DEPENDS "libopenmpi3")  # libmpi.so.40
  set(CPACK_DEBIAN_DIST_PACKAGE_RECOMMENDS "openmpi-bin")  # mpirun
  set(CPACK_DEBIAN_DIST_DEV_PACKAGE_NAME libtg-dist-dev)
  set(CPACK_DEBIAN_DIST_DEV_PACKAGE_SECTION libdevel)
endif()

get_property(_tg_plugins GLOBAL PROPERTY TG_ADD_PLUGIN_NAMES)
foreach(_tg_name IN LISTS _tg_plugins)
  string(TOUPPER "PLUGIN_${_tg_name}" _tg_comp)
  if(NOT DEFINED TG_PLUGIN_DESCRIPTION_${_tg_name})
    set(TG_PLUGIN_DESCRIPTION_${_tg_name} "the ${_tg_name} device")
  endif()
  cpack_add_component(plugin_${_tg_name} DISPLAY_NAME "tg ${_tg_name} plugin" DEPENDS runtime
    DESCRIPTION "tg plugin: ${TG_PLUGIN_DESCRIPTION_${_tg_name}}")
  set(CPACK_DEBIAN_${_tg_comp}_PACKAGE_NAME tg-plugin-${_tg_name})
  set(CPACK_DEBIAN_${_tg_comp}_PACKAGE_SECTION libs)
  if(DEFINED TG_PLUGIN_DEPENDS_${_tg_name})
    set(CPACK_DEBIAN_${_tg_comp}_PACKAGE_DEPENDS "${TG_PLUGIN_DEPENDS_${_tg_name}}")
  endif()
  if(DEFINED TG_PLUGIN_RECOMMENDS_${_tg_name})
    set(CPACK_DEBIAN_${_tg_comp}_PACKAGE_RECOMMENDS "${TG_PLUGIN_RECOMMENDS_${_tg_name}}")
  endif()
endforeach()

include(CPack)
