# Checks tg_add_plugin (cmake/tgAddPlugin.cmake), the function plugin vendors get from the
# installed package: what it makes of a plugin, and a clear configure error on bad input.
#   cmake -DMODULE=<cmake/tgAddPlugin.cmake> -DMAP=<tg-plugin.map> -DWORK=<scratch dir>
#         -DGENERATOR=<generator> -P tg_add_plugin_test.cmake
# Each case configures a small project of its own that includes the module as tgConfig.cmake does.
foreach(v MODULE MAP WORK GENERATOR)
  if(NOT ${v})
    message(FATAL_ERROR "usage: cmake -DMODULE=... -DMAP=... -DWORK=... -DGENERATOR=... -P tg_add_plugin_test.cmake")
  endif()
endforeach()

# configure(<case> <languages> <exit: 0 or 1> <regex the output must match> <calls...>)
function(configure name languages code pattern calls)
  set(dir ${WORK}/${name})
  file(REMOVE_RECURSE ${dir})
  file(WRITE ${dir}/src/p.cpp "int x;\n")
  file(WRITE ${dir}/src/CMakeLists.txt
    "cmake_minimum_required(VERSION 3.16)\nproject(p LANGUAGES ${languages})\n"
    "add_library(sdk INTERFACE)\n"
    "set(TG_ADD_PLUGIN_SDK_TARGET sdk)\nset(TG_ADD_PLUGIN_VERSION_SCRIPT \"${MAP}\")\n"
    "set(TG_ADD_PLUGIN_INSTALL_DIR lib/tg-plugins)\nset(TG_ADD_PLUGIN_OUTPUT_DIR \"\")\n"
    "include(\"${MODULE}\")\n${calls}\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${dir}/src -B ${dir}/build -G ${GENERATOR}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  if(NOT code EQUAL 0)
    set(code 1)
  endif()
  if(NOT rc EQUAL code OR NOT all MATCHES "${pattern}")
    message(SEND_ERROR "case ${name}: expected exit ${code} and output matching '${pattern}', got exit ${rc}:\n${all}")
  else()
    message(STATUS "ok: ${name}")
  endif()
endfunction()

# What a plugin gets: libtg-<name>.so, a MODULE, C++17, hidden visibility, the version script.
set(show [[
foreach(p TYPE PREFIX OUTPUT_NAME SUFFIX CXX_VISIBILITY_PRESET VISIBILITY_INLINES_HIDDEN COMPILE_FEATURES LINK_OPTIONS LINK_LIBRARIES)
  get_target_property(v tg-my_dev ${p})
  message(STATUS "${p}=${v}")
endforeach()]])
configure(made CXX 0 "TYPE=MODULE_LIBRARY.*PREFIX=lib.*OUTPUT_NAME=tg-my_dev.*SUFFIX=\\.so.*CXX_VISIBILITY_PRESET=hidden.*VISIBILITY_INLINES_HIDDEN=ON.*COMPILE_FEATURES=cxx_std_17.*LINK_OPTIONS=LINKER:--version-script=[^\n]*tg-plugin\\.map.*LINK_LIBRARIES=sdk"
  "tg_add_plugin(my_dev SOURCES p.cpp)\n${show}")
# The sources without the keyword, as tg's own plugins write it.
configure(no_keyword CXX 0 "TYPE=MODULE_LIBRARY" "tg_add_plugin(my_dev p.cpp COMPONENT c)\n${show}")

configure(bad_name NONE 1 "tg_add_plugin\\(My-Plugin\\): a plugin name is \\[a-z\\]\\[a-z0-9_\\]\\*"
  "tg_add_plugin(My-Plugin SOURCES p.cpp)")
configure(no_sources NONE 1 "tg_add_plugin\\(my\\): no sources; write tg_add_plugin\\(my SOURCES a.cpp"
  "tg_add_plugin(my)")
