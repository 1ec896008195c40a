# Debian packages: `cpack -G DEB` in the build directory makes one package per install component,
# so a user installs the core and only the backends their machine has:
#   libtg0             runtime    lib/libtg.so.0 (the library an application loads)
#   libtg-dev          dev        headers, lib/libtg.so, the CMake package (tg::tg, tg::sdk, tg::render,
#                                 tg_add_plugin), share/tg: the plugin SDK README and template
#   tg                 tool       bin/tg (devices, info, conformance, bench)
#   tg-plugin-<name>   plugin_<name>  lib/tg-plugins/libtg-<name>.so, one per plugin built
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

# tg_package_plugin(<name> <description> [<Debian depends>]): tg-plugin-<name>, if it is built.
# <Debian depends>: the packages of the backend runtime (found with dpkg -S on the libraries).
# (A macro: cpack_add_component records the component in the caller's variables.)
macro(tg_package_plugin name description)
  if(TARGET tg-${name})
    string(TOUPPER "PLUGIN_${name}" _tg_comp)
    cpack_add_component(plugin_${name} DISPLAY_NAME "tg ${name} plugin" DEPENDS runtime
      DESCRIPTION "${description}")
    set(CPACK_DEBIAN_${_tg_comp}_PACKAGE_NAME tg-plugin-${name})
    set(CPACK_DEBIAN_${_tg_comp}_PACKAGE_SECTION libs)
    if(${ARGC} GREATER 2)
      set(CPACK_DEBIAN_${_tg_comp}_PACKAGE_DEPENDS "${ARGV2}")
    endif()
  endif()
endmacro()
tg_package_plugin(ref "reference interpreter device (plain C++, slow, runs everywhere)")
# libdnnl.so.2: libdnnl2. The compiled kernels need a C compiler at run time (else the device
# interprets them), hence the recommendation.
tg_package_plugin(onednn "CPU device: oneDNN matmul and run-time compiled C kernels" "libdnnl2")
set(CPACK_DEBIAN_PLUGIN_ONEDNN_PACKAGE_RECOMMENDS "gcc, libc6-dev")
# libOpenCL.so.1: the ICD loader, ocl-icd-libopencl1; a device needs a driver (an ICD) too.
tg_package_plugin(opencl "OpenCL 1.2+ devices through the ICD loader" "ocl-icd-libopencl1")
set(CPACK_DEBIAN_PLUGIN_OPENCL_PACKAGE_RECOMMENDS "pocl-opencl-icd | opencl-icd")
# libamdhip64.so.5 (hiprtc included in ROCm 5): libamdhip64-5.
tg_package_plugin(hip "AMD GPUs through HIP (ROCm)" "libamdhip64-5")

include(CPack)
