# Runs a command and requires its exit code and a pattern in its output:
#   cmake -DRC=<code> -DPATTERN=<regex> -DCMD=<command;args> -P expect.cmake
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL "${RC}" OR NOT "${out}${err}" MATCHES "${PATTERN}")
  message(FATAL_ERROR "expected exit ${RC} and output matching '${PATTERN}'; got exit ${rc}:\n${out}${err}")
endif()
message(STATUS "exit ${rc}, output matches '${PATTERN}'")
