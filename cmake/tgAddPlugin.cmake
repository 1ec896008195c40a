# tg_add_plugin: builds a tg device plugin, libtg-<name>.so, the way the core loads it. The same
# file serves tg's own plugins (in tree) and a vendor's (installed beside tgConfig.cmake, which
# includes it), so both get exactly the same rules.
#
#   tg_add_plugin(<name> SOURCES <file>... [COMPONENT <component>] [INSTALL_DIR <dir>] [NO_INSTALL])
#
#   <name>       [a-z][a-z0-9_]*, the name the plugin's table gives (TG_SDK_DEFINE_PLUGIN); the
#                target is tg-<name>, the file libtg-<name>.so
#   SOURCES      the plugin's sources (the keyword may be left out: tg_add_plugin(<name> a.cpp b.cpp))
#   COMPONENT    the install component of its install rule (for CPack; default: CMake's default,
#                in tg's own tree plugin_<name>, which cmake/tgCPack.cmake packages as tg-plugin-<name>)
#   INSTALL_DIR  where `cmake --install` puts it, relative to the prefix being installed to; default
#                tg's plugin directory (lib/tg-plugins), so `--prefix <tg's prefix>` puts it beside
#                tg's own plugins and any other prefix gives a directory to name in TG_PLUGIN_PATH
#   NO_INSTALL   no install rule
#
# It makes a MODULE library (loaded with dlopen, never linked), compiled as C++17 (tg/plugin.hpp
# needs it) against the SDK headers, with hidden visibility, linked with tg's version script so
# that it exports tg_plugin_get_api and tg_plugin_probe and nothing else (not even libstdc++'s weak
# template instantiations, which hidden visibility does not cover). Link your vendor runtime to
# the target as usual: target_link_libraries(tg-<name> PRIVATE ...).
include_guard(GLOBAL)

# Set by whoever includes this file (tgConfig.cmake, or tg's top-level CMakeLists.txt):
#   TG_ADD_PLUGIN_SDK_TARGET      the target with the SDK headers (tg::sdk, or tg_sdk in tree)
#   TG_ADD_PLUGIN_VERSION_SCRIPT  absolute path of tg-plugin.map
#   TG_ADD_PLUGIN_INSTALL_DIR     the default INSTALL_DIR (relative)
#   TG_ADD_PLUGIN_OUTPUT_DIR      where the build puts the file ("" = CMake's default, the
#                                 current binary directory)
#   TG_ADD_PLUGIN_COMPONENT_PREFIX  the default COMPONENT is <this><name> ("" = CMake's default)
# They are kept as global properties, so the function works in any directory of the project.
foreach(_tg_var SDK_TARGET VERSION_SCRIPT INSTALL_DIR OUTPUT_DIR COMPONENT_PREFIX)
  set_property(GLOBAL PROPERTY TG_ADD_PLUGIN_${_tg_var} "${TG_ADD_PLUGIN_${_tg_var}}")
endforeach()
unset(_tg_var)

function(tg_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_INSTALL" "COMPONENT;INSTALL_DIR" "SOURCES")
  set(sources ${arg_SOURCES} ${arg_UNPARSED_ARGUMENTS})
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "tg_add_plugin(${name}): a plugin name is [a-z][a-z0-9_]* (the core loads "
                        "libtg-<name>.so and checks the table's name against <name>)")
  endif()
  if(NOT sources)
    message(FATAL_ERROR "tg_add_plugin(${name}): no sources; write tg_add_plugin(${name} SOURCES a.cpp ...)")
  endif()
  foreach(var SDK_TARGET VERSION_SCRIPT INSTALL_DIR OUTPUT_DIR COMPONENT_PREFIX)
    get_property(${var} GLOBAL PROPERTY TG_ADD_PLUGIN_${var})
  endforeach()

  # Every plugin of the project, in order (tg's packaging makes one package each).
  set_property(GLOBAL APPEND PROPERTY TG_ADD_PLUGIN_NAMES ${name})
  set(target tg-${name})
  add_library(${target} MODULE ${sources})
  target_link_libraries(${target} PRIVATE ${SDK_TARGET})
  target_compile_features(${target} PRIVATE cxx_std_17)
  target_link_options(${target} PRIVATE "LINKER:--version-script=${VERSION_SCRIPT}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${VERSION_SCRIPT})
  set_target_properties(${target} PROPERTIES PREFIX "lib" OUTPUT_NAME "tg-${name}" SUFFIX ".so"
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  if(OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${OUTPUT_DIR})
  endif()

  if(NOT arg_NO_INSTALL)
    if(NOT arg_INSTALL_DIR)
      set(arg_INSTALL_DIR ${INSTALL_DIR})
    endif()
    if(NOT arg_COMPONENT AND COMPONENT_PREFIX)
      set(arg_COMPONENT ${COMPONENT_PREFIX}${name})
    endif()
    set(component)
    if(arg_COMPONENT)
      set(component COMPONENT ${arg_COMPONENT})
    endif()
    install(TARGETS ${target} LIBRARY DESTINATION ${arg_INSTALL_DIR} ${component})
  endif()
endfunction()
